"""posting keys for re-matching only what a change can affect, and where re-matching stands per customer

Each posting waiting for a link gets its keys (identifiers, title words, candidate jobs: jobmatch.matcher.keys)
and its title words; existing waiting postings are keyed here. Re-matching starts from the customer's current
jobs version: what changed before was re-matched by the code it replaces.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

import jobmatch.store.types
from jobmatch.store.types import JSONDocument

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

VERSION = sa.BigInteger()
BATCH = 1000
postings = sa.table(
    'postings', sa.column('id', sa.Integer()), sa.column('customer_id', sa.Integer()),
    sa.column('title', sa.Text()), sa.column('job_code', sa.Text()), sa.column('remote_id', sa.Text()),
    sa.column('post_url', sa.Text()), sa.column('location', JSONDocument), sa.column('candidates', JSONDocument),
    sa.column('linked_job_id', sa.String()), sa.column('withdrawn_at', sa.DateTime()),
    sa.column('title_words', sa.Text()),
)
posting_keys = sa.table('posting_keys', sa.column('posting_id', sa.Integer()),
                        sa.column('customer_id', sa.Integer()), sa.column('key', sa.Text()))


def upgrade() -> None:
    op.create_table(
        'posting_keys',
        sa.Column('posting_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.Text(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id']),
        sa.ForeignKeyConstraint(['posting_id'], ['postings.id']),
        sa.PrimaryKeyConstraint('posting_id', 'key'),
    )
    op.create_index('ix_posting_keys_customer_key', 'posting_keys', ['customer_id', 'key'])
    with op.batch_alter_table('customers') as batch_op:
        batch_op.add_column(sa.Column('rematched_version', VERSION, server_default='0', nullable=False))
        batch_op.add_column(sa.Column('recheck_from', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('postings') as batch_op:
        batch_op.add_column(sa.Column('title_words', sa.Text(), nullable=True))
    op.create_index('ix_postings_customer_updated_at', 'postings', ['customer_id', 'updated_at'])
    op.execute("UPDATE customers SET rematched_version = jobs_version")
    _key_waiting_postings()


def _key_waiting_postings() -> None:
    from jobmatch.matcher.keys import POSTING_FIELDS, posting_keys as keys_of, stored_words

    connection = op.get_bind()
    waiting = (sa.select(postings).where(postings.c.linked_job_id.is_(None), postings.c.withdrawn_at.is_(None))
               .order_by(postings.c.id))
    rows = connection.execute(waiting).all()
    for start in range(0, len(rows), BATCH):
        words, keys = [], []
        for row in rows[start : start + BATCH]:
            title_words, posting_keys_ = keys_of({name: getattr(row, name) for name in POSTING_FIELDS},
                                                 (candidate["job_id"] for candidate in row.candidates or ()))
            words.append({"posting_id": row.id, "words": stored_words(title_words)})
            keys.extend({"posting_id": row.id, "customer_id": row.customer_id, "key": key} for key in posting_keys_)
        connection.execute(postings.update().where(postings.c.id == sa.bindparam("posting_id"))
                           .values(title_words=sa.bindparam("words")), words)
        if keys:
            connection.execute(posting_keys.insert(), keys)


def downgrade() -> None:
    op.drop_index('ix_postings_customer_updated_at', table_name='postings')
    with op.batch_alter_table('postings') as batch_op:
        batch_op.drop_column('title_words')
    with op.batch_alter_table('customers') as batch_op:
        batch_op.drop_column('recheck_from')
        batch_op.drop_column('rematched_version')
    op.drop_index('ix_posting_keys_customer_key', table_name='posting_keys')
    op.drop_table('posting_keys')

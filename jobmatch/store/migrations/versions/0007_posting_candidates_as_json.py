"""a posting's candidates as a JSON list on the posting instead of rows of their own

Candidates are the snapshot of a posting's last match: always written whole, read whole with the posting, never
queried on their own. As a column they are written with the posting in one statement. Existing candidates are
moved in rank order.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 17:00:00.000000
"""

from collections import defaultdict

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
postings = sa.table('postings', sa.column('id', sa.Integer()), sa.column('candidates', JSON))
candidates = sa.table(
    'posting_candidates', sa.column('posting_id', sa.Integer()), sa.column('job_id', sa.String()),
    sa.column('rank', sa.Integer()), sa.column('score', sa.Float()), sa.column('method', sa.String()),
    sa.column('reasons', JSON), sa.column('active', sa.Boolean()),
)
FIELDS = ('job_id', 'rank', 'score', 'method', 'reasons', 'active')


def upgrade() -> None:
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('candidates', JSON, server_default='[]', nullable=False))
    connection = op.get_bind()
    by_posting = defaultdict(list)
    for row in connection.execute(sa.select(candidates).order_by(candidates.c.posting_id, candidates.c.rank)):
        by_posting[row.posting_id].append({field: getattr(row, field) for field in FIELDS})
    if by_posting:
        connection.execute(
            postings.update().where(postings.c.id == sa.bindparam('posting')).values(candidates=sa.bindparam('list')),
            [{'posting': posting_id, 'list': listed} for posting_id, listed in by_posting.items()],
        )
    op.drop_table('posting_candidates')


def downgrade() -> None:
    op.create_table('posting_candidates',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('posting_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=200), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('reasons', JSON, nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['ats_jobs.id'], ),
    sa.ForeignKeyConstraint(['posting_id'], ['postings.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('posting_id', 'rank')
    )
    connection = op.get_bind()
    rows = [{'posting_id': posting_id, **{field: candidate[field] for field in FIELDS}}
            for posting_id, listed in connection.execute(sa.select(postings.c.id, postings.c.candidates))
            for candidate in listed]
    if rows:
        connection.execute(candidates.insert(), rows)
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_column('candidates')

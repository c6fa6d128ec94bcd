"""ats_jobs.reach_version, and the waiting postings keyed again for titles worded otherwise or cut short

Re-matching looks beyond a job's candidates only for a change that can make it anyone's candidate
(`reach_version`): closing, deleting or hiding a job concerns the postings that have it as a candidate alone.
Existing jobs start at their current version. The keys of waiting postings now also hold the occupations and
compound parts of their titles, their words' letters sorted, and the start of a last word that may be cut
(jobmatch.matcher.keys): every waiting posting is keyed again.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 16:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

from jobmatch.store.types import JSONDocument

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

BATCH = 1000
postings = sa.table(
    'postings', sa.column('id', sa.Integer()), sa.column('customer_id', sa.Integer()),
    sa.column('title', sa.Text()), sa.column('job_code', sa.Text()), sa.column('remote_id', sa.Text()),
    sa.column('post_url', sa.Text()), sa.column('location', JSONDocument), sa.column('candidates', JSONDocument),
    sa.column('linked_job_id', sa.String()), sa.column('withdrawn_at', sa.DateTime()),
)
posting_keys = sa.table('posting_keys', sa.column('posting_id', sa.Integer()),
                        sa.column('customer_id', sa.Integer()), sa.column('key', sa.Text()))


# Plain ALTER TABLE and row writes: no table is rebuilt (a batch rebuild of `postings` would drop the triggers
# that keep queue_counts, 0015).
def upgrade() -> None:
    op.add_column('ats_jobs', sa.Column('reach_version', sa.BigInteger(), server_default='0', nullable=False))
    op.execute("UPDATE ats_jobs SET reach_version = version")
    _key_waiting_postings_again()


def _key_waiting_postings_again() -> None:
    from jobmatch.matcher.keys import POSTING_FIELDS, posting_keys as keys_of

    connection = op.get_bind()
    waiting = (sa.select(postings).where(postings.c.linked_job_id.is_(None), postings.c.withdrawn_at.is_(None))
               .order_by(postings.c.id))
    rows = connection.execute(waiting).all()
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        keys = []
        for row in batch:
            _, posting_keys_ = keys_of({name: getattr(row, name) for name in POSTING_FIELDS},
                                       (candidate["job_id"] for candidate in row.candidates or ()))
            keys.extend({"posting_id": row.id, "customer_id": row.customer_id, "key": key}
                        for key in sorted(posting_keys_))
        connection.execute(posting_keys.delete().where(posting_keys.c.posting_id.in_([row.id for row in batch])))
        if keys:
            connection.execute(posting_keys.insert(), keys)


def downgrade() -> None:
    op.drop_column('ats_jobs', 'reach_version')  # the keys added stay: they cost rows, never a wrong re-match

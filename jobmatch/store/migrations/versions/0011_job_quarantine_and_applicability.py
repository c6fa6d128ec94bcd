"""jobs checked at the boundary: quarantine with its problems, job posting identifiers, run counts; customers
may make only public jobs applicable

Existing jobs get the identifiers of their job postings from their stored data; their quarantine is decided by
the next sync, which compares it with the stored one.

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-01 09:30:00.000000
"""

from alembic import op
import sqlalchemy as sa
import jobmatch.store.types
from sqlalchemy.dialects import postgresql

revision = '0011'
down_revision = '0008'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
jobs = sa.table('ats_jobs', sa.column('id', sa.String()), sa.column('data', JSON),
                sa.column('job_posting_identifiers', JSON))
IDENTIFIERS = ('id', 'remote_id', 'url')


def upgrade() -> None:
    with op.batch_alter_table('ats_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_posting_identifiers', JSON, server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('quarantine', JSON, nullable=True))
        batch_op.add_column(sa.Column('quarantined_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jobs_quarantined', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('jobs_without_id', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('only_public_jobs_applicable', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    connection = op.get_bind()
    found = []
    for job_id, data in connection.execute(sa.select(jobs.c.id, jobs.c.data)):
        postings = data.get('job_postings') if isinstance(data, dict) else None
        postings = postings if isinstance(postings, list) else []
        identifiers = [{key: _text(posting.get(key)) for key in IDENTIFIERS}
                       for posting in postings if isinstance(posting, dict)]
        if identifiers:
            found.append({'job': job_id, 'identifiers': identifiers})
    if found:
        connection.execute(jobs.update().where(jobs.c.id == sa.bindparam('job'))
                           .values(job_posting_identifiers=sa.bindparam('identifiers')), found)


def _text(value):
    """Text as it is, a whole number as its text (as the sync reads them)."""
    if isinstance(value, str) or value is None:
        return value
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else None


def downgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('only_public_jobs_applicable')
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_column('jobs_without_id')
        batch_op.drop_column('jobs_quarantined')
    with op.batch_alter_table('ats_jobs', schema=None) as batch_op:
        batch_op.drop_column('quarantined_at')
        batch_op.drop_column('quarantine')
        batch_op.drop_column('job_posting_identifiers')

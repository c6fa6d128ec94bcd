"""the change feed: ats_jobs.version stamped from the customer's jobs_version by every write that changes a job

One counter per customer replaces the per-integration jobs_version and the customer's exposure_version: a pool
is a customer's, so one number says how current a cached pool is, and the jobs changed after it are one indexed
query. Postings record the version of the pool they were matched against.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:30:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

VERSION = sa.BigInteger()


def upgrade() -> None:
    with op.batch_alter_table('customers') as batch_op:
        batch_op.add_column(sa.Column('jobs_version', VERSION, server_default='0', nullable=False))
        batch_op.drop_column('exposure_version')
    with op.batch_alter_table('integrations') as batch_op:
        batch_op.drop_column('jobs_version')
    with op.batch_alter_table('ats_jobs') as batch_op:
        batch_op.add_column(sa.Column('version', VERSION, server_default='0', nullable=False))
    op.create_index('ix_ats_jobs_integration_version', 'ats_jobs', ['integration_id', 'version'])
    with op.batch_alter_table('postings') as batch_op:
        batch_op.add_column(sa.Column('matched_version', VERSION, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('postings') as batch_op:
        batch_op.drop_column('matched_version')
    op.drop_index('ix_ats_jobs_integration_version', table_name='ats_jobs')
    with op.batch_alter_table('ats_jobs') as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('integrations') as batch_op:
        batch_op.add_column(sa.Column('jobs_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('customers') as batch_op:
        batch_op.add_column(sa.Column('exposure_version', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_column('jobs_version')

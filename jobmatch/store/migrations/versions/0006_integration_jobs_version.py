"""a version of each integration's jobs, raised by every sync page that changed them, for the pool caches

It replaces reading a count and the latest sync time over all of a customer's jobs per request, and with it the
index that served that read.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 15:15:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jobs_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('ats_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_ats_jobs_integration_last_synced_at')


def downgrade() -> None:
    with op.batch_alter_table('ats_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_ats_jobs_integration_last_synced_at', ['integration_id', 'last_synced_at'], unique=False)
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.drop_column('jobs_version')

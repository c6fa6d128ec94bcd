"""customers choose whether matching uses only the jobs they exposed; pool versions read from an index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 14:15:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('match_exposed_only', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('exposure_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('ats_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_ats_jobs_integration_last_synced_at', ['integration_id', 'last_synced_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ats_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_ats_jobs_integration_last_synced_at')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('exposure_version')
        batch_op.drop_column('match_exposed_only')

"""when the safety net last queued a sync of the integration: one request per interval across all workers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 14:35:00.000000
"""

from alembic import op
import sqlalchemy as sa
import jobmatch.store.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('safety_sync_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.drop_column('safety_sync_at')

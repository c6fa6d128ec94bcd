"""a lease on the integration row: at most one sync per integration at a time, across machines

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 14:20:00.000000
"""

from alembic import op
import sqlalchemy as sa
import jobmatch.store.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sync_lease_owner', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('sync_lease_until', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.drop_column('sync_lease_until')
        batch_op.drop_column('sync_lease_owner')

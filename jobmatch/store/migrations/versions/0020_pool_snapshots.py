"""pool_snapshots: customers' pools as the matcher indexed them, loaded by a process instead of building them anew

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 15:30:00.000000
"""

from alembic import op
import sqlalchemy as sa

from jobmatch.store.types import UTCDateTime

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pool_snapshots',
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('exposed_only', sa.Boolean(), nullable=False),
        sa.Column('public_only', sa.Boolean(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('jobs', sa.Integer(), nullable=False),
        sa.Column('written_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('signature', sa.LargeBinary(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('customer_id', 'exposed_only', 'public_only'),
    )
    if op.get_bind().dialect.name == 'postgresql':
        # kept uncompressed, so that reading a slice of it (jobmatch.api.pool_snapshots reads it a chunk at a
        # time) reads that slice and not the whole value decompressed up to it; a pickle compresses little
        op.execute('ALTER TABLE pool_snapshots ALTER COLUMN data SET STORAGE EXTERNAL')


def downgrade() -> None:
    op.drop_table('pool_snapshots')

"""reading Kombo: jobs a complete full read no longer returns (vanished), the counts of the run that found them,
the statuses an integration reads, and identifiers waiting to be looked up

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:30:00.000000
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import jobmatch.store.types

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ats_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vanished_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('jobs_vanished', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('jobs_restored', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('statuses', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True)
        )
        batch_op.add_column(sa.Column('reconcile_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lookup_requested', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'job_lookups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('integration_id', sa.String(length=200), nullable=False),
        sa.Column('field', sa.String(length=16), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('requested_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['integration_id'], ['integrations.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('integration_id', 'field', 'value'),
    )


def downgrade() -> None:
    op.drop_table('job_lookups')
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.drop_column('lookup_requested')
        batch_op.drop_column('reconcile_at')
        batch_op.drop_column('statuses')
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_column('jobs_restored')
        batch_op.drop_column('jobs_vanished')
    with op.batch_alter_table('ats_jobs', schema=None) as batch_op:
        batch_op.drop_column('vanished_at')

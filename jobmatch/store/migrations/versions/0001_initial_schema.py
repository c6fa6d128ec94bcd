"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 13:21:50.650001
"""

from alembic import op
import sqlalchemy as sa
import jobmatch.store.types
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    op.create_table('webhook_events',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('integration_id', sa.String(length=200), nullable=True),
    sa.Column('received_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('integrations',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('tool', sa.String(length=64), nullable=False),
    sa.Column('created_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('watermark', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('setup_state', sa.String(length=32), nullable=False),
    sa.Column('sync_state', sa.String(length=32), nullable=True),
    sa.Column('sync_state_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('needs_action_reason', sa.Text(), nullable=True),
    sa.Column('sync_requested', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integrations_customer_id'), ['customer_id'], unique=False)

    op.create_table('ats_jobs',
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('integration_id', sa.String(length=200), nullable=False),
    sa.Column('remote_id', sa.Text(), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('job_code', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=64), nullable=True),
    sa.Column('post_url', sa.Text(), nullable=True),
    sa.Column('remote_url', sa.Text(), nullable=True),
    sa.Column('department', sa.Text(), nullable=True),
    sa.Column('location_city', sa.Text(), nullable=True),
    sa.Column('location_zip_code', sa.Text(), nullable=True),
    sa.Column('location_country', sa.Text(), nullable=True),
    sa.Column('location_raw', sa.Text(), nullable=True),
    sa.Column('employment_type', sa.String(length=64), nullable=True),
    sa.Column('visibility', sa.String(length=64), nullable=True),
    sa.Column('changed_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('remote_deleted_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opened_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('exposed', sa.Boolean(), nullable=False),
    sa.Column('first_seen_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_synced_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ats_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_ats_jobs_integration_job_code', ['integration_id', 'job_code'], unique=False)
        batch_op.create_index('ix_ats_jobs_integration_post_url', ['integration_id', 'post_url'], unique=False)
        batch_op.create_index('ix_ats_jobs_integration_remote_id', ['integration_id', 'remote_id'], unique=False)

    op.create_table('sync_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('started_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('watermark_used', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('jobs_created', sa.Integer(), nullable=False),
    sa.Column('jobs_updated', sa.Integer(), nullable=False),
    sa.Column('jobs_deleted', sa.Integer(), nullable=False),
    sa.Column('jobs_unchanged', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['integration_id'], ['integrations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_runs_integration_id'), ['integration_id'], unique=False)

    op.create_table('job_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('job_id', sa.String(length=200), nullable=False),
    sa.Column('sync_run_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=200), nullable=False),
    sa.Column('old_value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('new_value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('changed_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['ats_jobs.id'], ),
    sa.ForeignKeyConstraint(['sync_run_id'], ['sync_runs.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('job_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_changes_job_id'), ['job_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('job_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_changes_job_id'))

    op.drop_table('job_changes')
    with op.batch_alter_table('sync_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_runs_integration_id'))

    op.drop_table('sync_runs')
    with op.batch_alter_table('ats_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_ats_jobs_integration_remote_id')
        batch_op.drop_index('ix_ats_jobs_integration_post_url')
        batch_op.drop_index('ix_ats_jobs_integration_job_code')

    op.drop_table('ats_jobs')
    with op.batch_alter_table('integrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integrations_customer_id'))

    op.drop_table('integrations')
    op.drop_table('webhook_events')
    op.drop_table('customers')

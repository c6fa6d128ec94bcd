"""a reviewing team: posting versions, claims, named and expiring keys, undoable decisions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 09:30:00.000000
"""

from alembic import op
import sqlalchemy as sa
import jobmatch.store.types
from sqlalchemy.dialects import postgresql

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

EVENT_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('expires_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_index('ix_postings_waiting', ['customer_id', 'decision', 'source'], unique=False,
                              postgresql_where=sa.text('withdrawn_at IS NULL AND linked_job_id IS NULL'),
                              sqlite_where=sa.text('withdrawn_at IS NULL AND linked_job_id IS NULL'))
        batch_op.create_index('ix_postings_linked_job_id', ['linked_job_id'], unique=False)
    with op.batch_alter_table('posting_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_key_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('actor_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('before', JSON, nullable=True))
        batch_op.add_column(sa.Column('undoes_id', EVENT_ID, nullable=True))
        batch_op.create_foreign_key('fk_posting_events_actor_key_id', 'api_keys', ['actor_key_id'], ['id'])
        batch_op.create_foreign_key('fk_posting_events_undoes_id', 'posting_events', ['undoes_id'], ['id'])
    op.create_table('review_claims',
    sa.Column('posting_id', sa.Integer(), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=False),
    sa.Column('claimed_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', jobmatch.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], ),
    sa.ForeignKeyConstraint(['posting_id'], ['postings.id'], ),
    sa.PrimaryKeyConstraint('posting_id')
    )
    with op.batch_alter_table('review_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_claims_api_key_id'), ['api_key_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('review_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_claims_api_key_id'))
    op.drop_table('review_claims')
    with op.batch_alter_table('posting_events', schema=None) as batch_op:
        batch_op.drop_constraint('fk_posting_events_undoes_id', type_='foreignkey')
        batch_op.drop_constraint('fk_posting_events_actor_key_id', type_='foreignkey')
        batch_op.drop_column('undoes_id')
        batch_op.drop_column('before')
        batch_op.drop_column('actor_name')
        batch_op.drop_column('actor_key_id')
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_index('ix_postings_linked_job_id')
        batch_op.drop_index('ix_postings_waiting')
        batch_op.drop_column('version')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('name')

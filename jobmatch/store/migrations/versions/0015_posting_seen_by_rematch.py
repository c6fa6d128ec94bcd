"""postings.seen_by_rematch: a re-match run has seen the posting's current match committed

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 14:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('postings') as batch_op:
        batch_op.add_column(sa.Column('seen_by_rematch', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('postings') as batch_op:
        batch_op.drop_column('seen_by_rematch')

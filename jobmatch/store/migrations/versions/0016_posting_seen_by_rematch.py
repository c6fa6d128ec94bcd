"""postings.seen_by_rematch: a re-match run has seen the posting's current match committed

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 14:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


# Plain ALTER TABLE (SQLite 3.35 and later drop a column in place): a batch rebuild of `postings` would drop
# the triggers that keep queue_counts (0015).
def upgrade() -> None:
    op.add_column('postings', sa.Column('seen_by_rematch', sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column('postings', 'seen_by_rematch')

"""ix_postings_unseen_updated_at: waiting postings no re-match run has seen, by their update

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 20:30:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

_WAITING = "withdrawn_at IS NULL AND linked_job_id IS NULL"


def upgrade() -> None:
    op.create_index('ix_postings_unseen_updated_at', 'postings', ['customer_id', 'updated_at'],
                    postgresql_where=sa.text(f"{_WAITING} AND seen_by_rematch IS NOT true"),
                    sqlite_where=sa.text(f"{_WAITING} AND seen_by_rematch IS NOT 1"))


def downgrade() -> None:
    op.drop_index('ix_postings_unseen_updated_at', table_name='postings')

"""title_forms: ATS job titles as the matcher normalizes them, kept for the next build of a pool

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 06:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'title_forms',
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('form', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('title_forms')

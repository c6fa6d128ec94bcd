"""ats_jobs.reach_version: the version at which a job last changed in a way that can make it anyone's candidate

Re-matching looks beyond a job's candidates only for such changes: closing, deleting or hiding a job concerns
the postings that have it as a candidate alone. Existing jobs start at their current version.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 16:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


# Plain ALTER TABLE: no table is rebuilt.
def upgrade() -> None:
    op.add_column('ats_jobs', sa.Column('reach_version', sa.BigInteger(), server_default='0', nullable=False))
    op.execute("UPDATE ats_jobs SET reach_version = version")


def downgrade() -> None:
    op.drop_column('ats_jobs', 'reach_version')

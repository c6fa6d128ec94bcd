"""Waiting postings keyed again, and their title words stored again, with the readings of their titles' parts

A pool may read a posting's title with the parts naming nothing its titles name left out (an employer a board
writes before a colon or after "bei"): re-matching keys and compares a posting by each choice of its parts too
(jobmatch.matcher.keys.title_readings), stored beside its title words. Every waiting posting is keyed again.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 15:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

from jobmatch.store.types import JSONDocument

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

BATCH = 1000
postings = sa.table(
    'postings', sa.column('id', sa.Integer()), sa.column('customer_id', sa.Integer()),
    sa.column('title', sa.Text()), sa.column('job_code', sa.Text()), sa.column('remote_id', sa.Text()),
    sa.column('post_url', sa.Text()), sa.column('location', JSONDocument), sa.column('candidates', JSONDocument),
    sa.column('linked_job_id', sa.String()), sa.column('withdrawn_at', sa.DateTime()),
    sa.column('title_words', sa.Text()),
)
posting_keys = sa.table('posting_keys', sa.column('posting_id', sa.Integer()),
                        sa.column('customer_id', sa.Integer()), sa.column('key', sa.Text()))


# Row writes only: no table is rebuilt (a batch rebuild of `postings` would drop the triggers that keep
# queue_counts, 0015).
def upgrade() -> None:
    from jobmatch.matcher.keys import POSTING_FIELDS, posting_keys as keys_of, stored_words

    connection = op.get_bind()
    waiting = (sa.select(postings).where(postings.c.linked_job_id.is_(None), postings.c.withdrawn_at.is_(None))
               .order_by(postings.c.id))
    rows = connection.execute(waiting).all()
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        words, keys = [], []
        for row in batch:
            readings, posting_keys_ = keys_of({name: getattr(row, name) for name in POSTING_FIELDS},
                                              (candidate["job_id"] for candidate in row.candidates or ()))
            words.append({"posting_id": row.id, "words": stored_words(readings)})
            keys.extend({"posting_id": row.id, "customer_id": row.customer_id, "key": key}
                        for key in sorted(posting_keys_))
        connection.execute(postings.update().where(postings.c.id == sa.bindparam("posting_id"))
                           .values(title_words=sa.bindparam("words")), words)
        connection.execute(posting_keys.delete().where(posting_keys.c.posting_id.in_([row.id for row in batch])))
        if keys:
            connection.execute(posting_keys.insert(), keys)


def downgrade() -> None:
    """Title words as the version before stores them: the first reading (the keys added stay: they cost rows,
    never a wrong re-match)."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(postings.c.id, postings.c.title_words)
                              .where(postings.c.title_words.contains(" | "))).all()
    for start in range(0, len(rows), BATCH):
        connection.execute(postings.update().where(postings.c.id == sa.bindparam("posting_id"))
                           .values(title_words=sa.bindparam("words")),
                           [{"posting_id": row.id, "words": row.title_words.split(" | ")[0]}
                            for row in rows[start : start + BATCH]])

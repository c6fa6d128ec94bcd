"""the queue's counts of waiting postings per customer, decision and source, kept by triggers on postings

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 13:00:00.000000

Every INSERT, DELETE and UPDATE of a posting's customer, decision, source, withdrawal or link moves its count in
the same transaction, whichever code path (or hand-written SQL) made it. A count only goes down on a row that an
earlier change raised, so it never creates a row of its own. Each (customer, decision, source) is counted in
SLOTS rows, a posting in the one of its id modulo SLOTS: a count's row is locked until its transaction commits,
and postings arriving at once for one bucket would otherwise wait on each other's commits (one row capped the
API at one posting per commit's flush of the disk: 195 postings/s against 234 with 16 slots, benchmarks/README.md).
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

SLOTS = 16
WAITING = "{row}.withdrawn_at IS NULL AND {row}.linked_job_id IS NULL"
SAME_BUCKET = "NEW.customer_id = OLD.customer_id AND NEW.decision = OLD.decision AND NEW.source = OLD.source"
COUNTED = "customer_id, decision, source, withdrawn_at, linked_job_id"
RAISE = f"""INSERT INTO queue_counts (customer_id, decision, source, slot, waiting)
    VALUES (NEW.customer_id, NEW.decision, NEW.source, NEW.id % {SLOTS}, 1)
    ON CONFLICT (customer_id, decision, source, slot) DO UPDATE SET waiting = queue_counts.waiting + 1;"""
LOWER = f"""UPDATE queue_counts SET waiting = waiting - 1
    WHERE customer_id = OLD.customer_id AND decision = OLD.decision AND source = OLD.source
    AND slot = OLD.id % {SLOTS};"""

SQLITE_TRIGGERS = {
    "queue_counts_insert": f"AFTER INSERT ON postings WHEN {WAITING.format(row='NEW')} BEGIN {RAISE} END",
    "queue_counts_delete": f"AFTER DELETE ON postings WHEN {WAITING.format(row='OLD')} BEGIN {LOWER} END",
    "queue_counts_leave": f"AFTER UPDATE OF {COUNTED} ON postings WHEN {WAITING.format(row='OLD')} "
                          f"AND NOT ({WAITING.format(row='NEW')} AND {SAME_BUCKET}) BEGIN {LOWER} END",
    "queue_counts_enter": f"AFTER UPDATE OF {COUNTED} ON postings WHEN {WAITING.format(row='NEW')} "
                          f"AND NOT ({WAITING.format(row='OLD')} AND {SAME_BUCKET}) BEGIN {RAISE} END",
}

POSTGRES_FUNCTION = f"""CREATE FUNCTION queue_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND {WAITING.format(row='OLD')} AND {WAITING.format(row='NEW')} AND {SAME_BUCKET} THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND {WAITING.format(row='OLD')} THEN
    {LOWER}
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') AND {WAITING.format(row='NEW')} THEN
    {RAISE}
  END IF;
  RETURN NULL;
END $$"""


def upgrade() -> None:
    op.create_table('queue_counts',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('slot', sa.SmallInteger(), nullable=False),
    sa.Column('waiting', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('customer_id', 'decision', 'source', 'slot')
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(f"CREATE TRIGGER queue_counts_follow AFTER INSERT OR DELETE OR UPDATE OF {COUNTED} ON postings "
                   "FOR EACH ROW EXECUTE FUNCTION queue_counts_follow()")
    else:
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute(f"INSERT INTO queue_counts (customer_id, decision, source, slot, waiting) "
               f"SELECT customer_id, decision, source, id % {SLOTS}, count(*) FROM postings "
               f"WHERE {WAITING.format(row='postings')} GROUP BY customer_id, decision, source, id % {SLOTS}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER queue_counts_follow ON postings")
        op.execute("DROP FUNCTION queue_counts_follow()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_table('queue_counts')

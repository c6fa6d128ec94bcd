"""The change feed: what changed after a version, in the order it was committed, never skipping a change."""

import threading
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.store import feed
from jobmatch.store.models import AtsJob, Customer, Integration, SyncRun
from jobmatch.sync.mirror import write_page
from tests.factories import add_integration

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def start_run(sessions: sessionmaker[Session], integration_id: str) -> int:
    with sessions.begin() as session:
        run = SyncRun(integration_id=integration_id, kind="full")
        session.add(run)
        session.flush()
        return run.id


def write(sessions: sessionmaker[Session], integration_id: str, run_id: int, jobs: list[dict]) -> None:
    with sessions.begin() as session:
        write_page(session, integration_id, run_id, jobs, NOW)


def changed(sessions: sessionmaker[Session], customer_id: int, after: int) -> list[tuple[str, int]]:
    with sessions() as session:
        return [tuple(row) for row in session.execute(feed.changed_after(customer_id, after, AtsJob.id, AtsJob.version))]


def test_what_changed_after_a_version_is_the_customers_jobs_changed_since_in_order(sessions) -> None:
    first = add_integration(sessions, "personio:one", slug="acme")
    with sessions.begin() as session:  # a second integration of the same customer shares its counter
        acme = session.scalar(select(Customer).where(Customer.slug == "acme"))
        session.add(Integration(id="greenhouse:two", customer=acme, tool="greenhouse"))
    other = add_integration(sessions, "personio:other", slug="globex")
    run_one, run_two, run_other = (start_run(sessions, i) for i in (first, "greenhouse:two", other))

    write(sessions, first, run_one, [kombo_job("a", "1", "Koch"), kombo_job("b", "2", "Kellner")])
    write(sessions, "greenhouse:two", run_two, [kombo_job("c", "3", "Bäcker")])
    write(sessions, other, run_other, [kombo_job("x", "9", "Koch")])  # another customer: a counter of its own
    write(sessions, first, run_one, [kombo_job("a", "1", "Koch", status="CLOSED"), kombo_job("b", "2", "Kellner")])

    with sessions() as session:
        acme_id = session.scalar(select(Customer.id).where(Customer.slug == "acme"))
        globex_id = session.scalar(select(Customer.id).where(Customer.slug == "globex"))
        assert feed.current_version(session, acme_id) == 3
        assert feed.current_version(session, globex_id) == 1
    assert changed(sessions, acme_id, 0) == [("b", 1), ("c", 2), ("a", 3)]
    assert changed(sessions, acme_id, 1) == [("c", 2), ("a", 3)]
    assert changed(sessions, acme_id, 3) == []
    assert changed(sessions, globex_id, 0) == [("x", 1)]


def test_a_reader_catching_up_from_the_highest_version_it_saw_misses_no_change(sessions) -> None:
    """Two integrations of one customer write pages concurrently while a reader catches up again and again from
    the highest version it has seen: every job written reaches it with its final version."""
    add_integration(sessions, "personio:one", slug="acme")
    with sessions.begin() as session:
        acme = session.scalar(select(Customer).where(Customer.slug == "acme"))
        session.add(Integration(id="greenhouse:two", customer=acme, tool="greenhouse"))
        session.flush()
        customer_id = acme.id
    runs = {integration: start_run(sessions, integration) for integration in ("personio:one", "greenhouse:two")}
    pages, errors = 30, []

    def writer(integration: str) -> None:
        try:
            for page in range(pages):
                jobs = [kombo_job(f"{integration}-{page}-{n}", f"{page}-{n}", f"Koch {page}") for n in range(3)]
                write(sessions, integration, runs[integration], jobs)
        except Exception as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    seen: dict[str, int] = {}

    def catch_up(after: int) -> int:
        for job_id, version in changed(sessions, customer_id, after):  # a page's jobs share their version
            assert version > after
            seen[job_id] = version
        return max(seen.values(), default=after)

    threads = [threading.Thread(target=writer, args=(i,)) for i in runs]
    for thread in threads:
        thread.start()
    version = 0
    while any(thread.is_alive() for thread in threads):
        version = catch_up(version)
    for thread in threads:
        thread.join()
    version = catch_up(version)

    assert errors == []
    with sessions() as session:
        stored = dict(session.execute(select(AtsJob.id, AtsJob.version)).all())
        assert feed.current_version(session, customer_id) == version == 2 * pages
    assert seen == stored and len(stored) == 2 * pages * 3


def test_the_feed_query_can_use_the_integration_version_index(sessions, engine) -> None:
    add_integration(sessions, "personio:one", slug="acme")
    statement = feed.changed_after(1, 5, AtsJob.id)
    with engine.connect() as connection:
        sql = str(statement.compile(connection, compile_kwargs={"literal_binds": True}))
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))  # an empty table would be scanned anyway
            plan = "\n".join(connection.execute(text(f"EXPLAIN {sql}")).scalars())
        else:
            plan = "\n".join(str(row) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    assert "ix_ats_jobs_integration_version" in plan

import json
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select, text

from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.store.db import make_engine, make_session_factory
from jobmatch.store.migrate import alembic_config, upgrade
from jobmatch.store.models import AtsJob, Base, Posting
from tests.conftest import BACKENDS, _postgres_database
from tests.factories import INTEGRATION_ID


def test_migrations_create_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def add_jobs_at_0006(engine: Engine, jobs: list[dict]) -> None:
    """A customer, its integration and these jobs, written as the schema of revision 0006 takes them."""
    now = {"now": "2026-11-28 12:00:00"}
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO customers (slug, name, created_at, match_exposed_only, exposure_version)"
                                " VALUES ('acme', 'Acme', :now, false, 0)"), now)
        connection.execute(text(
            "INSERT INTO integrations (id, customer_id, tool, created_at, setup_state, sync_requested, jobs_version)"
            " VALUES (:id, (SELECT id FROM customers), 'personio', :now, 'ready', false, 0)"), {"id": INTEGRATION_ID, **now})
        for job in jobs:
            connection.execute(text(
                "INSERT INTO ats_jobs (id, integration_id, remote_id, name, data, exposed, first_seen_at, last_synced_at)"
                " VALUES (:id, :integration, :remote_id, :name, :data, false, :now, :now)"),
                {"id": job["id"], "integration": INTEGRATION_ID, "remote_id": job["remote_id"], "name": job["name"],
                 "data": json.dumps(job), **now})


def test_job_posting_identifiers_are_taken_from_the_stored_data(unmigrated_url: str) -> None:
    with_postings = kombo_job("job-a", "1", "Koch") | {"job_postings": [
        {"id": "p1", "remote_id": 77, "title": None, "description_html": None, "status": "ACTIVE",
         "visibility": "PUBLIC", "url": "https://jobs.acme.de/koch"}]}
    upgrade(unmigrated_url, "0007")
    engine = make_engine(unmigrated_url)
    add_jobs_at_0006(engine, [with_postings, kombo_job("job-b", "2", "Köchin")])
    engine.dispose()
    upgrade(unmigrated_url)
    engine = make_engine(unmigrated_url)
    with make_session_factory(engine)() as session:
        found = dict(session.execute(select(AtsJob.id, AtsJob.job_posting_identifiers)).all())
    engine.dispose()
    assert found == {"job-a": [{"id": "p1", "remote_id": "77", "url": "https://jobs.acme.de/koch"}], "job-b": []}


@pytest.fixture(params=BACKENDS)
def unmigrated_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database of its own, for migrating step by step."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'steps.db'}"
    else:
        yield from _postgres_database()


def test_candidates_move_onto_their_postings_and_back(unmigrated_url: str) -> None:
    upgrade(unmigrated_url, "0006")
    engine = make_engine(unmigrated_url)
    now = {"now": "2026-11-28 12:00:00"}
    add_jobs_at_0006(engine, [kombo_job("job-a", "1", "Koch"), kombo_job("job-b", "2", "Köchin")])
    candidate = ("INSERT INTO posting_candidates (posting_id, job_id, rank, score, method, reasons, active) "
                 "VALUES (:posting, :job, :rank, 91.5, 'title', :reasons, true)")
    with engine.begin() as connection:
        for posting in (1, 2):
            connection.execute(text(
                "INSERT INTO postings (id, customer_id, source, external_id, title, decision, created_at, updated_at)"
                " VALUES (:id, (SELECT id FROM customers), 'indeed', :external, 'Koch', 'needs_review', :now, :now)"
            ), {"id": posting, "external": f"mp-{posting}", **now})
        for rank, job in ((2, "job-b"), (1, "job-a")):  # stored out of rank order
            connection.execute(text(candidate), {"posting": 1, "job": job, "rank": rank,
                                                 "reasons": json.dumps([f"title {job}"])})
    engine.dispose()

    upgrade(unmigrated_url)
    engine = make_engine(unmigrated_url)
    with make_session_factory(engine)() as session:
        moved = dict(session.execute(select(Posting.external_id, Posting.candidates)).all())
    engine.dispose()
    assert moved == {
        "mp-1": [{"job_id": job, "rank": rank, "score": 91.5, "method": "title", "reasons": [f"title {job}"],
                  "active": True} for rank, job in ((1, "job-a"), (2, "job-b"))],
        "mp-2": [],
    }

    command.downgrade(alembic_config(unmigrated_url), "0006")
    engine = make_engine(unmigrated_url)
    with engine.connect() as connection:
        back = connection.execute(text("SELECT posting_id, job_id, rank FROM posting_candidates ORDER BY rank")).all()
    engine.dispose()
    assert [tuple(row) for row in back] == [(1, "job-a", 1), (1, "job-b", 2)]


def test_waiting_postings_are_keyed_and_rematching_starts_at_the_current_jobs(unmigrated_url: str) -> None:
    upgrade(unmigrated_url, "0008")
    engine = make_engine(unmigrated_url)
    now = {"now": "2026-12-01 09:00:00"}
    with engine.begin() as connection:  # rows as the schema of 0008 holds them
        connection.execute(text("INSERT INTO customers (slug, name, created_at, jobs_version)"
                                " VALUES ('acme', 'Acme', :now, 7)"), now)
        for posting, withdrawn in ((1, None), (2, now["now"])):
            connection.execute(text(
                "INSERT INTO postings (id, customer_id, source, external_id, title, job_code, location, decision,"
                " withdrawn_at, candidates, created_at, updated_at) VALUES (:id, (SELECT id FROM customers), 'indeed',"
                " :external, 'Koch (m/w/d) Berlin', 'KO-1', :location, 'no_match', :withdrawn, :candidates, :now, :now)"
            ), {"id": posting, "external": f"mp-{posting}", "withdrawn": withdrawn,
                "location": json.dumps({"city": "Berlin"}), "candidates": json.dumps([{"job_id": "job-a"}]), **now})
    engine.dispose()

    upgrade(unmigrated_url)
    engine = make_engine(unmigrated_url)
    with engine.connect() as connection:
        keys = connection.execute(text("SELECT posting_id, key FROM posting_keys")).all()
        words = connection.execute(text("SELECT id, title_words FROM postings ORDER BY id")).all()
        version = connection.scalar(text("SELECT rematched_version FROM customers"))
    engine.dispose()
    assert {posting for posting, _ in keys} == {1}
    assert {"koch", "code:ko1", "job:job-a"} <= {key for _, key in keys}
    assert [tuple(row) for row in words] == [(1, "koch"), (2, None)]
    assert version == 7


def test_jobs_reach_from_their_version_and_waiting_postings_are_keyed_again(unmigrated_url: str) -> None:
    upgrade(unmigrated_url, "0016")
    engine = make_engine(unmigrated_url)
    now = {"now": "2026-12-01 09:00:00"}
    with engine.begin() as connection:  # rows as the schema of 0016 holds them, keyed as its code keyed them
        connection.execute(text("INSERT INTO customers (slug, name, created_at, jobs_version)"
                                " VALUES ('acme', 'Acme', :now, 7)"), now)
        connection.execute(text("INSERT INTO integrations (id, customer_id, tool, created_at, setup_state,"
                                " sync_requested)"
                                " VALUES ('personio:x', (SELECT id FROM customers), 'personio', :now, 'ready', false)"), now)
        connection.execute(text("INSERT INTO ats_jobs (id, integration_id, name, data, first_seen_at, last_synced_at,"
                                " version, exposed) VALUES ('job-a', 'personio:x', 'Koch', '{}', :now, :now, 5, false)"), now)
        connection.execute(text(
            "INSERT INTO postings (id, customer_id, source, external_id, title, decision, candidates, created_at,"
            " updated_at) VALUES (1, (SELECT id FROM customers), 'indeed', 'mp-1', 'Kommissionierer', 'no_match',"
            " '[]', :now, :now)"), now)
        connection.execute(text("INSERT INTO posting_keys (posting_id, customer_id, key)"
                                " VALUES (1, (SELECT id FROM customers), 'kommissionierer')"))
    engine.dispose()

    upgrade(unmigrated_url)
    engine = make_engine(unmigrated_url)
    with engine.connect() as connection:
        reach = connection.scalar(text("SELECT reach_version FROM ats_jobs"))
        keys = set(connection.scalars(text("SELECT key FROM posting_keys WHERE posting_id = 1")))
    engine.dispose()
    assert reach == 5
    assert "kommissionierer" in keys and any(key.startswith("occ:") for key in keys)


def test_waiting_postings_store_and_key_the_readings_of_their_titles_parts(unmigrated_url: str) -> None:
    upgrade(unmigrated_url, "0018")
    engine = make_engine(unmigrated_url)
    now = {"now": "2026-12-02 09:00:00"}
    with engine.begin() as connection:  # a waiting posting as the code of 0018 stored and keyed it
        connection.execute(text("INSERT INTO customers (slug, name, created_at, jobs_version)"
                                " VALUES ('acme', 'Acme', :now, 7)"), now)
        connection.execute(text(
            "INSERT INTO postings (id, customer_id, source, external_id, title, decision, candidates, created_at,"
            " updated_at, title_words) VALUES (1, (SELECT id FROM customers), 'indeed', 'mp-1',"
            " 'Kaygisuz Personal: Koch (m/w/d)', 'no_match', '[]', :now, :now, 'kaygisuz personal koch')"), now)
        connection.execute(text("INSERT INTO posting_keys (posting_id, customer_id, key)"
                                " VALUES (1, (SELECT id FROM customers), 'koch')"))
    engine.dispose()

    upgrade(unmigrated_url)
    engine = make_engine(unmigrated_url)
    with engine.connect() as connection:
        words = connection.scalar(text("SELECT title_words FROM postings"))
        keys = set(connection.scalars(text("SELECT key FROM posting_keys WHERE posting_id = 1")))
    engine.dispose()
    assert words == "kaygisuz personal koch | kaygisuz personal | koch"
    assert {"koch", "kaygisuz", "personal"} <= keys

    command.downgrade(alembic_config(unmigrated_url), "0018")
    engine = make_engine(unmigrated_url)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT title_words FROM postings")) == "kaygisuz personal koch"
    engine.dispose()

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
from jobmatch.store.models import Base, Posting
from tests.conftest import BACKENDS, _postgres_database
from tests.factories import INTEGRATION_ID


def test_migrations_create_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


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
    with engine.begin() as connection:  # SQL of revision 0006: today's models have columns it lacks
        connection.execute(text("INSERT INTO customers (id, slug, name, created_at) VALUES (1, 'acme', 'Acme', :now)"), now)
        connection.execute(text(
            "INSERT INTO integrations (id, customer_id, tool, created_at, setup_state, sync_requested)"
            " VALUES (:id, 1, 'personio', :now, 'ready', false)"
        ), {"id": INTEGRATION_ID, **now})
        for job in (kombo_job("job-a", "1", "Koch"), kombo_job("job-b", "2", "Köchin")):
            connection.execute(text(
                "INSERT INTO ats_jobs (id, integration_id, name, data, exposed, first_seen_at, last_synced_at)"
                " VALUES (:id, :integration, :name, :data, false, :now, :now)"
            ), {"id": job["id"], "integration": INTEGRATION_ID, "name": job["name"], "data": json.dumps(job), **now})
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

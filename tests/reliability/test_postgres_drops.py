"""PostgreSQL connections killed mid-transaction (pg_terminate_backend from another connection), during a sync
and during an API write: the operation fails with an error rather than hanging or half-writing, a retry
completes, and nothing acknowledged before is lost. A connection killed while it lay idle in the pool is
replaced before a request uses it."""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.exc import OperationalError

from jobmatch.api import create_app
from jobmatch.api.database import database
from jobmatch.config import Settings
from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.store.db import PING_AFTER_IDLE_S, make_engine, make_session_factory
from jobmatch.store.models import AtsJob, Integration, Posting, PostingEvent, SyncRun
from jobmatch.sync.kombo import KomboClient
from jobmatch.sync.runner import SyncRunner
from tests.factories import INTEGRATION_ID, add_api_key, add_ats_jobs, add_integration
from tests.reliability.conftest import JOB_COUNT


@pytest.fixture(autouse=True)
def postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("terminating a server connection is a PostgreSQL fault; SQLite has no server")


class Killer:
    """Terminates, from a connection of its own, the backend about to run the first statement that matches once
    armed: the statement then meets a dead connection in the middle of its transaction."""

    def __init__(self, database_url: str, matches: Callable[[str], bool]) -> None:
        self.admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        self.matches = matches
        self.armed = False
        self.killed: list[int] = []

    def before_cursor_execute(self, connection, _cursor, statement, *_args) -> None:  # noqa: ANN001
        if self.armed and self.matches(statement):
            self.armed = False
            pid = connection.connection.dbapi_connection.info.backend_pid
            with self.admin.connect() as admin:  # waits up to 5 s for the backend to be gone
                assert admin.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
            self.killed.append(pid)

    @contextmanager
    def watching(self, engine: Engine) -> Iterator["Killer"]:
        event.listen(engine, "before_cursor_execute", self.before_cursor_execute)
        try:
            yield self
        finally:
            event.remove(engine, "before_cursor_execute", self.before_cursor_execute)
            self.admin.dispose()


def test_a_sync_whose_connection_dies_fails_cleanly_and_a_retry_completes(database_url, sessions, kombo) -> None:
    add_integration(sessions)
    engine = make_engine(database_url)
    own_sessions = make_session_factory(engine)
    killer = Killer(database_url, lambda statement: "ats_jobs" in statement)

    def arm_after_page_one(progress) -> None:
        killer.armed = progress.pages == 1

    try:
        with killer.watching(engine), KomboClient(api_key=kombo.api_key, base_url=kombo.base_url) as client:
            with pytest.raises(OperationalError):
                SyncRunner(own_sessions, client, on_progress=arm_after_page_one).sync(INTEGRATION_ID)
            assert len(killer.killed) == 1
            with sessions() as session:
                [run] = session.scalars(select(SyncRun)).all()
                integration = session.get_one(Integration, INTEGRATION_ID)
                jobs = session.scalar(select(func.count()).select_from(AtsJob))
            assert (run.outcome, run.error_code, run.pages) == ("failed", "OperationalError", 1)
            assert jobs == 250  # page 1, committed before; page 2's transaction rolled back whole
            assert (integration.watermark, integration.sync_lease_owner) == (None, None)  # nothing claimed, lease free
            retry = SyncRunner(own_sessions, client).sync(INTEGRATION_ID)  # the pool reconnects
    finally:
        engine.dispose()
    assert (retry.kind, retry.outcome, retry.created, retry.unchanged) == ("full", "succeeded", JOB_COUNT - 250, 250)
    with sessions() as session:
        assert dict(session.execute(select(AtsJob.id, AtsJob.data)).all()) == kombo.truth(INTEGRATION_ID)


def test_a_posting_whose_connection_dies_is_not_half_written_and_a_retry_stores_it(database_url, sessions,
                                                                                   tmp_path) -> None:
    add_integration(sessions)
    add_ats_jobs(sessions, [kombo_job("job-nurse", "101", "Pflegefachkraft (m/w/d)", job_code="PF-101", city="Berlin"),
                            kombo_job("job-cook", "102", "Koch (m/w/d)", job_code="KO-102", city="Berlin")])
    headers = {"Authorization": f"Bearer {add_api_key(sessions, 'acme', 'poster')}"}
    app = create_app(Settings(database_url, "https://api.kombo.dev", None, None, tmp_path))
    client = app.test_client()
    acknowledged = {"external_id": "mp-1", "source": "stepstone", "title": "Koch (m/w/d)", "job_code": "KO-102"}
    posting = {"external_id": "mp-2", "source": "stepstone", "title": "Pflegefachkraft", "job_code": "PF-101"}
    killer = Killer(database_url, lambda statement: "INSERT INTO posting_events" in statement)
    try:
        assert client.post("/v1/postings", json=acknowledged, headers=headers).status_code == 201
        with killer.watching(database(app).engine):
            killer.armed = True  # the posting matched; its write (with its auto-link event) is next
            failed = client.post("/v1/postings", json=posting, headers=headers)
            assert killer.killed and failed.status_code == 500
            assert failed.json["error"]["code"] == "internal_server_error"
            with sessions() as session:
                assert session.scalars(select(Posting.external_id)).all() == ["mp-1"]
            retried = client.post("/v1/postings", json=posting, headers=headers)
    finally:
        database(app).close()
    assert retried.status_code == 201 and retried.json["decision"] == "auto_linked"
    with sessions() as session:
        assert sorted(session.scalars(select(Posting.external_id))) == ["mp-1", "mp-2"]
        stored = session.scalar(select(Posting).where(Posting.external_id == "mp-2"))
        assert stored.linked_job_id == "job-nurse"
        assert stored.candidates[0]["job_id"] == "job-nurse"
        assert session.scalar(select(func.count()).select_from(PostingEvent)
                              .where(PostingEvent.posting_id == stored.id)) == 1


def test_a_connection_killed_while_idle_is_replaced_before_a_request_uses_it(database_url, sessions,
                                                                             tmp_path) -> None:
    add_integration(sessions)
    add_ats_jobs(sessions, [kombo_job("job-cook", "102", "Koch (m/w/d)", job_code="KO-102", city="Berlin")])
    headers = {"Authorization": f"Bearer {add_api_key(sessions, 'acme', 'poster')}"}
    app = create_app(Settings(database_url, "https://api.kombo.dev", None, None, tmp_path))
    client = app.test_client()
    engine = database(app).engine
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        first = {"external_id": "mp-1", "source": "stepstone", "title": "Koch (m/w/d)"}
        assert client.post("/v1/postings", json=first, headers=headers).status_code == 201
        with engine.connect() as connection:  # the pool's one connection, which served the request
            pid = connection.connection.dbapi_connection.info.backend_pid
        with admin.connect() as connection:  # a server restart or an idle timeout, while no request runs
            assert connection.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        time.sleep(PING_AFTER_IDLE_S + 0.1)
        second = {**first, "external_id": "mp-2"}
        assert client.post("/v1/postings", json=second, headers=headers).status_code == 201
        with engine.connect() as connection:
            assert connection.connection.dbapi_connection.info.backend_pid != pid
    finally:
        admin.dispose()
        database(app).close()

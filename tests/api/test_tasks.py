"""The sync task: retried with a growing delay while Kombo is not ready, bounded, and followed by re-matching."""

from datetime import UTC, datetime

import pytest
from huey import RedisHuey, SqliteHuey
from sqlalchemy import select

from jobmatch.api.pools import Pools
from jobmatch.api.tasks import FIRST_RETRY_DELAY, RETRIES, Tasks, make_huey, sync_integration
from jobmatch.config import ConfigError, Settings
from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.store.models import Integration, Posting, PostingAction, SetupState, SyncRun
from jobmatch.sync import lease
from jobmatch.sync.kombo import KomboClient
from tests.api.helpers import NURSE, post
from tests.api.queue_helpers import app, kombo, kombo_app, tasks  # noqa: F401 (app, kombo: fixtures)
from tests.factories import INTEGRATION_ID
from tests.redis_server import redis_server  # noqa: F401 (a fixture)

def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # Huey's times are naive UTC


COOK = kombo_job("job-new-cook", "150", "Koch (m/w/d)", job_code="KO-150", city="Berlin")
COOK_POSTING = {"external_id": "mp-cook", "source": "stepstone", "title": "Koch (m/w/d)", "job_code": "KO-150",
                "location": {"city": "Berlin"}}


def outcomes(sessions) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(SyncRun.outcome).order_by(SyncRun.id)))


def test_the_queue_is_sqlite_in_the_instance_folder_unless_redis_is_configured(tmp_path) -> None:
    settings = Settings.from_env({"JOBMATCH_INSTANCE_PATH": str(tmp_path / "instance")})
    huey = make_huey(settings)
    assert isinstance(huey, SqliteHuey)
    assert (tmp_path / "instance" / "tasks.db").exists()
    redis = make_huey(Settings.from_env({"JOBMATCH_REDIS_URL": "redis://127.0.0.1:6379/0"}))
    assert isinstance(redis, RedisHuey)
    with pytest.raises(ConfigError, match="JOBMATCH_REDIS_URL must be a redis://"):
        Settings.from_env({"JOBMATCH_REDIS_URL": "127.0.0.1:6379"})


def test_a_sync_queued_in_redis_runs_from_there(database_url, sessions, tmp_path, kombo, keys, redis_server) -> None:
    settings = Settings(database_url, kombo.base_url, kombo.api_key, None, tmp_path, redis_url=redis_server.url)
    huey = make_huey(settings)
    queue = Tasks(settings, sessions, Pools(), huey)
    queue.enqueue_sync(INTEGRATION_ID)
    assert huey.pending_count() == 1
    huey.execute(huey.dequeue())
    assert outcomes(sessions) == ["succeeded"]


def test_a_sync_waiting_for_kombo_is_retried_with_a_doubling_delay_then_given_up(app, keys, kombo, sessions) -> None:
    huey = tasks(app).huey
    kombo.set_setup(INTEGRATION_ID, "FINAL_SYNC_PENDING")
    ran_at = utcnow()
    tasks(app).enqueue_sync(INTEGRATION_ID)
    delays = []
    while scheduled := huey.scheduled():
        [task] = scheduled
        delays.append((task.eta - ran_at).total_seconds())  # the delay, plus the time the attempt took
        huey.storage.flush_schedule()
        ran_at = utcnow()
        huey.execute(task, timestamp=task.eta)  # as the consumer does once it is due; retries count from now
    expected = [FIRST_RETRY_DELAY * 2**n for n in range(RETRIES)]
    assert len(delays) == RETRIES
    assert all(want <= got < want + 5 for want, got in zip(expected, delays, strict=True)), delays
    assert outcomes(sessions) == ["waiting"] * (RETRIES + 1)


def test_a_retried_sync_succeeds_once_kombo_is_ready(app, keys, kombo, sessions) -> None:
    huey = tasks(app).huey
    kombo.set_setup(INTEGRATION_ID, "FINAL_SYNC_PENDING")
    tasks(app).enqueue_sync(INTEGRATION_ID)
    [task] = huey.scheduled()
    kombo.set_setup(INTEGRATION_ID, "COMPLETED")
    huey.storage.flush_schedule()
    huey.execute(task, timestamp=task.eta)
    assert outcomes(sessions) == ["waiting", "succeeded"]
    assert huey.scheduled() == []
    with sessions() as session:
        assert session.get(Integration, INTEGRATION_ID).setup_state == SetupState.READY


def test_a_sync_finding_another_run_in_progress_waits_for_it(app, keys, kombo, sessions) -> None:
    huey = tasks(app).huey
    with sessions.begin() as session:
        lease.take(session, INTEGRATION_ID, "another-worker", datetime.now(UTC))
    tasks(app).enqueue_sync(INTEGRATION_ID)
    [task] = huey.scheduled()
    assert outcomes(sessions) == []
    with sessions.begin() as session:
        lease.release(session, INTEGRATION_ID, "another-worker")
    huey.storage.flush_schedule()
    huey.execute(task, timestamp=task.eta)
    assert outcomes(sessions) == ["succeeded"]


def test_errors_retrying_cannot_fix_are_not_retried(app, keys, kombo, sessions) -> None:
    kombo.faults.add("auth_error", code="INTEGRATION.AUTHENTICATION_INVALID")
    tasks(app).enqueue_sync(INTEGRATION_ID)
    assert outcomes(sessions) == ["failed"]
    assert tasks(app).huey.scheduled() == []


def test_a_sync_that_brings_a_matching_job_links_the_waiting_posting(client, keys, kombo, sessions) -> None:
    waiting = post(client, keys, COOK_POSTING).json
    linked = post(client, keys, NURSE).json
    withdrawn = post(client, keys, COOK_POSTING | {"external_id": "mp-cook-gone"}).json
    client.delete(f"/v1/postings/{withdrawn['id']}", headers=keys.header("poster"))
    assert (waiting["decision"], linked["decision"]) == ("no_match", "auto_linked")
    kombo.add_job(INTEGRATION_ID, COOK)

    with KomboClient(api_key=kombo.api_key, base_url=kombo.base_url) as client_:
        result = sync_integration(sessions, client_, Pools(), INTEGRATION_ID)
    assert result.created == 1

    with sessions() as session:
        postings = {p.id: p for p in session.scalars(select(Posting))}
        cook = postings[waiting["id"]]
        assert (cook.decision, cook.linked_job_id) == ("auto_linked", "job-new-cook")
        assert [e.action for e in cook.events] == [PostingAction.REMATCHED, PostingAction.AUTO_LINKED]
        assert f"sync run {result.run_id}: 1 created" in cook.events[0].reason
        assert PostingAction.REMATCHED not in [e.action for e in postings[linked["id"]].events]
        assert postings[withdrawn["id"]].linked_job_id is None

    with KomboClient(api_key=kombo.api_key, base_url=kombo.base_url) as client_:
        unchanged = sync_integration(sessions, client_, Pools(), INTEGRATION_ID)
    assert unchanged.created + unchanged.updated + unchanged.deleted == 0
    with sessions() as session:
        assert len(session.get(Posting, waiting["id"]).events) == 2  # nothing changed: nothing re-matched

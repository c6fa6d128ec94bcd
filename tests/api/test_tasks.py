"""The sync task: retried with a growing delay while Kombo is not ready, bounded, and followed by re-matching."""

from datetime import UTC, datetime, timedelta

import pytest
from huey import RedisHuey, SqliteHuey
from sqlalchemy import select

from jobmatch.api.pools import Pools
from jobmatch.api.tasks import FIRST_RETRY_DELAY, RETRIES, Tasks, make_huey, sync_integration
from jobmatch.config import ConfigError, Settings
from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.store.models import Integration, JobLookup, Posting, PostingAction, SetupState, SyncRun
from jobmatch.sync import lease
from jobmatch.sync.kombo import KomboClient
from tests.api.helpers import NURSE, post
from tests.api.queue_helpers import app, kombo, kombo_app, tasks  # noqa: F401 (app, kombo: fixtures)
from tests.api.conftest import OTHER_INTEGRATION_ID
from tests.factories import INTEGRATION_ID, add_ats_jobs
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


PURGED = kombo_job("job-purged", "9001", "Lagerhelfer (m/w/d)", job_code="LH-9001", city="Berlin")
PURGED_POSTING = {"external_id": "mp-purged", "source": "stepstone", "title": "Lagerhelfer (m/w/d)",
                  "job_code": "LH-9001"}


def test_reconciliation_runs_per_integration_once_per_interval_and_deactivates_links(
    app, client, keys, kombo, sessions
) -> None:
    add_ats_jobs(sessions, [PURGED])  # mirrored once; Kombo no longer has it
    linked = post(client, keys, PURGED_POSTING).json
    assert (linked["linked_job_id"], linked["can_apply"]) == ("job-purged", True)
    queue = tasks(app)
    now = datetime.now(UTC)
    assert queue.reconcile(now) == []  # the integration is new: its first read is full anyway
    later = now + timedelta(hours=queue.settings.reconcile_hours, minutes=1)
    assert queue.reconcile(later) == sorted([INTEGRATION_ID, OTHER_INTEGRATION_ID])  # immediate mode: run at once
    assert queue.reconcile(later) == []  # claimed for this interval
    with sessions() as session:
        run = session.scalars(select(SyncRun).where(SyncRun.integration_id == INTEGRATION_ID)).one()
        assert (run.kind, run.outcome, run.jobs_vanished) == ("full", "succeeded", 1)
    posting = client.get(f"/v1/postings/{linked['id']}", headers=keys.header("reviewer")).json
    assert posting["can_apply"] is False
    assert posting["deactivated_in_ats"]["reason"] == "vanished"
    again = post(client, keys, PURGED_POSTING | {"external_id": "mp-purged-2"}).json
    assert again["linked_job_id"] is None  # a vanished job is not offered to matching


def test_a_retry_after_beyond_the_setting_reschedules_the_sync_instead_of_sleeping(app, keys, kombo, sessions) -> None:
    kombo.faults.add("rate_limit", retry_after=3600)
    ran_at = utcnow()
    tasks(app).enqueue_sync(INTEGRATION_ID)
    [task] = tasks(app).huey.scheduled()
    assert 3600 <= (task.eta - ran_at).total_seconds() < 3605
    assert outcomes(sessions) == ["failed"]


def test_unknown_job_codes_are_looked_up_together_and_the_postings_matched_again(
    app, client, keys, kombo, sessions
) -> None:
    huey = tasks(app).huey
    cook = post(client, keys, COOK_POSTING).json
    assert cook["decision"] == "no_match"
    baker = post(client, keys, {**COOK_POSTING, "external_id": "mp-baker", "title": "Bäcker", "job_code": "BA-151"}).json
    post(client, keys, NURSE)  # its code is known: nothing to look up
    [lookup] = huey.scheduled()  # one lookup, joined by the second posting
    assert lookup.name == "look_up_jobs"
    assert 25 <= (lookup.eta - utcnow()).total_seconds() <= 30

    kombo.add_job(INTEGRATION_ID, COOK)  # created in the ATS after the last sync
    huey.storage.flush_schedule()
    huey.execute(lookup, timestamp=lookup.eta)
    [request] = [r for r in kombo.requests if r.path == "/v1/ats/jobs"]
    assert request.query["job_codes"] == "KO-150,BA-151"
    assert request.query["ignore_unsupported_filters"] == "true"
    with sessions() as session:
        assert session.get(Posting, cook["id"]).linked_job_id == "job-new-cook"
        assert session.get(Posting, baker["id"]).linked_job_id is None
        assert session.scalars(select(JobLookup)).all() == []
        assert session.get(Integration, INTEGRATION_ID).lookup_requested is False
    with sessions() as session:
        assert [run.kind for run in session.scalars(select(SyncRun))] == ["targeted"]

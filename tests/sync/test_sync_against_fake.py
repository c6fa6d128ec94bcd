"""The sync runner against the fake Kombo over real HTTP: after every fault and its recovery the mirror equals
the fake's truth exactly, with no duplicates and a watermark never ahead of the data."""

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.api.deactivation import not_applicable
from jobmatch.fixtures.fake_kombo import FakeKombo
from jobmatch.fixtures.kombo_jobs import generate_jobs, kombo_job
from jobmatch.store.models import AtsJob, Integration, JobChange, SetupState, SyncOutcome, SyncRun
from jobmatch.store.types import utcnow
from jobmatch.sync.errors import KomboAuthError, KomboError, KomboProtocolError, KomboSetupPending, KomboUnavailable
from jobmatch.sync.kombo import KomboClient, RetryPolicy
from jobmatch.sync.lease import LEASE, LeaseLost, SyncInProgress
from jobmatch.sync.runner import Progress, SyncRunner, sync_when_ready
from tests.factories import INTEGRATION_ID, add_integration

API_KEY = "test-key"
JOB_COUNT = 600  # three pages of 250


class Sleeps(list):
    """Stands in for time.sleep in the client: records the waits instead of spending them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def kombo() -> Iterator[FakeKombo]:
    with FakeKombo(api_key=API_KEY) as fake:
        fake.add_integration(INTEGRATION_ID, jobs=generate_jobs(JOB_COUNT, seed=7))
        yield fake


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def runner(sessions: sessionmaker[Session], kombo: FakeKombo, sleeps: Sleeps) -> Iterator[SyncRunner]:
    add_integration(sessions)
    retry = RetryPolicy(max_attempts=4, initial_delay=0.01, max_delay=5, rng=random.Random(1))
    with KomboClient(API_KEY, kombo.base_url, retry=retry, sleep=sleeps, timeout=2.0) as client:
        yield SyncRunner(sessions, client)


def mirror(sessions: sessionmaker[Session]) -> dict[str, dict]:
    with sessions() as session:
        return dict(session.execute(select(AtsJob.id, AtsJob.data)).all())


def integration(sessions: sessionmaker[Session]) -> Integration:
    with sessions() as session:
        return session.get_one(Integration, INTEGRATION_ID)


def runs(sessions: sessionmaker[Session]) -> list[SyncRun]:
    with sessions() as session:
        return list(session.scalars(select(SyncRun).order_by(SyncRun.id)))


def assert_mirror_is_truth(sessions: sessionmaker[Session], kombo: FakeKombo) -> None:
    assert mirror(sessions) == kombo.truth(INTEGRATION_ID)


def test_full_sync_mirrors_every_job_of_every_status(sessions, kombo, runner) -> None:
    result = runner.sync(INTEGRATION_ID)
    assert (result.kind, result.pages, result.created) == ("full", 3, JOB_COUNT)
    assert_mirror_is_truth(sessions, kombo)
    with sessions() as session:
        statuses = set(session.scalars(select(AtsJob.status).distinct()))
    assert {"OPEN", "CLOSED", "ARCHIVED"} <= statuses
    state = integration(sessions)
    assert state.setup_state == SetupState.READY
    assert state.watermark == result.started_at
    request = kombo.requests[0]
    assert request.query["page_size"] == "250" and request.query["include_deleted"] == "true"
    assert request.headers["x-integration-id"] == INTEGRATION_ID


def test_incremental_sync_reads_only_changes_and_records_them(sessions, kombo, runner) -> None:
    runner.sync(INTEGRATION_ID)
    ids = sorted(kombo.truth(INTEGRATION_ID))
    kombo.edit_job(INTEGRATION_ID, ids[0], name="Lagerhelfer / Kommissionierer (m/w/d)")
    kombo.close_job(INTEGRATION_ID, ids[1])
    kombo.archive_job(INTEGRATION_ID, ids[2])
    kombo.delete_job(INTEGRATION_ID, ids[3])
    kombo.add_job(INTEGRATION_ID, kombo_job("newjob", "999999", "Fachkraft für Lagerlogistik (m/w/d)"))
    first_watermark = integration(sessions).watermark

    result = runner.sync(INTEGRATION_ID)

    assert result.kind == "incremental"
    assert (result.created, result.updated, result.deleted, result.unchanged) == (1, 3, 1, 0)
    assert_mirror_is_truth(sessions, kombo)
    assert kombo.requests[-1].query["updated_after"] is not None
    with sessions() as session:
        deleted = session.get_one(AtsJob, ids[3])
        assert deleted.remote_deleted_at is not None and not_applicable(deleted) == "deleted"
        fields = {(c.job_id, c.field) for c in session.scalars(select(JobChange))}
    assert (ids[0], "name") in fields and (ids[1], "status") in fields and (ids[3], "remote_deleted_at") in fields
    assert integration(sessions).watermark > first_watermark


def test_a_change_made_during_a_sync_is_read_by_the_next(sessions, kombo, runner) -> None:
    first_page_job = sorted(kombo.truth(INTEGRATION_ID))[0]

    def edit_after_first_page(progress: Progress) -> None:
        if progress.pages == 1:
            kombo.edit_job(INTEGRATION_ID, first_page_job, name="Schichtleiter Produktion (m/w/d)")

    runner.on_progress = edit_after_first_page
    runner.sync(INTEGRATION_ID)
    runner.on_progress = None
    assert mirror(sessions)[first_page_job]["name"] != "Schichtleiter Produktion (m/w/d)"
    runner.sync(INTEGRATION_ID)
    assert mirror(sessions)[first_page_job]["name"] == "Schichtleiter Produktion (m/w/d)"
    assert_mirror_is_truth(sessions, kombo)


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "rate_limit", "retry_after": 2},
        {"kind": "rate_limit", "ratelimit_reset": 3},
        {"kind": "server_error", "status": 500},
        {"kind": "server_error", "status": 502},
        {"kind": "server_error", "status": 503},
        {"kind": "gateway_error", "status": 504},
        {"kind": "drop"},
        {"kind": "malformed_json"},
        {"kind": "slow", "delay": 3.0},  # beyond the 2 s read timeout
    ],
    ids=lambda f: "-".join(str(v) for v in f.values()),
)
def test_transient_faults_are_retried_and_the_mirror_converges(sessions, kombo, runner, sleeps, fault) -> None:
    runner.sync(INTEGRATION_ID)
    for job_id in sorted(kombo.truth(INTEGRATION_ID))[::50]:
        kombo.edit_job(INTEGRATION_ID, job_id, department="Logistik")
    kombo.faults.add(page=1, times=2, **fault)

    result = runner.sync(INTEGRATION_ID)

    assert result.updated == len(range(0, JOB_COUNT, 50))
    assert_mirror_is_truth(sessions, kombo)
    assert len(sleeps) == 2
    server_hint = fault.get("retry_after") or fault.get("ratelimit_reset")
    if server_hint:
        assert min(sleeps) >= server_hint


def test_a_persistent_failure_fails_cleanly_and_the_rerun_converges(sessions, kombo, runner) -> None:
    first = runner.sync(INTEGRATION_ID)
    for job_id in sorted(kombo.truth(INTEGRATION_ID))[::7]:
        kombo.edit_job(INTEGRATION_ID, job_id, status="CLOSED")
    kombo.faults.add("server_error", status=503, page=2, times=10)

    with pytest.raises(KomboUnavailable):
        runner.sync(INTEGRATION_ID, full=True)

    failed = runs(sessions)[-1]
    assert (failed.outcome, failed.pages, failed.error_code) == (SyncOutcome.FAILED, 1, "REMOTE.SERVICE_UNAVAILABLE")
    assert integration(sessions).watermark == first.started_at  # not moved by the failed run
    kombo.faults.clear()
    runner.sync(INTEGRATION_ID)
    assert_mirror_is_truth(sessions, kombo)


def test_a_job_without_an_id_is_counted_and_the_rest_of_its_page_stored(sessions, kombo, runner) -> None:
    kombo.faults.add("missing_id", page=2)
    result = runner.sync(INTEGRATION_ID)
    assert (result.outcome, result.created, result.without_id) == (SyncOutcome.SUCCEEDED, JOB_COUNT - 1, 1)
    assert (runs(sessions)[-1].jobs_without_id, runs(sessions)[-1].pages) == (1, 3)
    truth = kombo.truth(INTEGRATION_ID)
    assert len(set(truth) - set(mirror(sessions))) == 1  # only the job served without its id
    runner.sync(INTEGRATION_ID, full=True)
    assert_mirror_is_truth(sessions, kombo)


def test_odd_jobs_are_quarantined_alone_and_released_by_a_clean_version(sessions, kombo, runner) -> None:
    ids = sorted(kombo.truth(INTEGRATION_ID))
    kombo.edit_job(INTEGRATION_ID, ids[0], name="x" * 20_000)
    kombo.edit_job(INTEGRATION_ID, ids[1], location={"zip_code": 96052, "city": "Bamberg"}, remote_id=4711)
    kombo.edit_job(INTEGRATION_ID, ids[2], department={"name": "IT"}, status="PAUSED")
    result = runner.sync(INTEGRATION_ID)
    assert (result.outcome, result.created, result.quarantined) == (SyncOutcome.SUCCEEDED, JOB_COUNT, 2)
    assert runs(sessions)[-1].jobs_quarantined == 2
    with sessions() as session:
        long_name, numbers, department = (session.get_one(AtsJob, job_id) for job_id in ids[:3])
    assert long_name.quarantine == [{"field": "name", "value": '"' + "x" * 118 + "…",
                                     "problem": "is 20,000 characters long, more than 1,000"}]
    assert long_name.name is None and long_name.quarantined_at is not None
    assert (numbers.quarantine, numbers.location_zip_code, numbers.remote_id) == (None, "96052", "4711")
    assert department.quarantine == [{"field": "department", "value": '{"name": "IT"}', "problem": "must be text or null"}]
    assert department.status == "PAUSED" and not_applicable(department) == "quarantined"
    kombo.edit_job(INTEGRATION_ID, ids[0], name="Lagerhelfer (m/w/d)")
    kombo.edit_job(INTEGRATION_ID, ids[2], department="IT")
    assert runner.sync(INTEGRATION_ID).quarantined == 0
    with sessions() as session:
        released = [session.get_one(AtsJob, job_id) for job_id in (ids[0], ids[2])]
    assert [(job.quarantine, job.quarantined_at) for job in released] == [(None, None), (None, None)]
    assert not_applicable(released[1]) == "unknown_status"  # PAUSED is kept as sent and takes no applications


@pytest.mark.parametrize("legacy_503", [False, True])
def test_setup_pending_stores_nothing_and_waits(sessions, kombo, runner, legacy_503) -> None:
    kombo.set_setup(INTEGRATION_ID, "FINAL_SYNC_PENDING", legacy_503=legacy_503)
    with pytest.raises(KomboSetupPending):
        runner.sync(INTEGRATION_ID)
    assert mirror(sessions) == {}
    state = integration(sessions)
    assert (state.setup_state, state.watermark) == (SetupState.WAITING, None)
    assert runs(sessions)[-1].outcome == SyncOutcome.WAITING
    assert len(kombo.requests) == 1  # not retried by the client: the caller waits longer


def test_sync_when_ready_waits_out_the_first_sync_with_backoff(sessions, kombo, runner) -> None:
    kombo.set_setup(INTEGRATION_ID, "FINAL_SYNC_PENDING")
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            kombo.set_setup(INTEGRATION_ID, "COMPLETED")

    result = sync_when_ready(runner, INTEGRATION_ID, sleep=sleep)
    assert waits == [5.0, 10.0, 20.0]
    assert result.created == JOB_COUNT
    assert [r.outcome for r in runs(sessions)] == [SyncOutcome.WAITING] * 3 + [SyncOutcome.SUCCEEDED]


@pytest.mark.parametrize(
    ("code", "error_class", "what_to_do"),
    [
        ("INTEGRATION.AUTHENTICATION_INVALID", KomboAuthError, "ask the customer to reconnect the integration"),
        ("INTEGRATION.PERMISSION_MISSING", KomboError, "ask the customer to grant it in their ATS"),
    ],
)
def test_errors_only_the_customer_can_fix_are_not_retried_and_flag_the_customer(
    sessions, kombo, runner, code, error_class, what_to_do
) -> None:
    kombo.faults.add("auth_error", code=code)
    with pytest.raises(error_class):
        runner.sync(INTEGRATION_ID)
    assert len(kombo.requests) == 1
    assert integration(sessions).needs_customer_action
    assert what_to_do in integration(sessions).needs_action_reason
    runner.sync(INTEGRATION_ID)  # credentials fixed: a successful read clears the flag
    assert not integration(sessions).needs_customer_action


def test_targeted_lookup_batches_codes_and_keeps_the_watermark(sessions, kombo, runner) -> None:
    jobs = list(kombo.truth(INTEGRATION_ID).values())
    wanted = [job for job in jobs if job["job_code"]][:3]
    result = runner.lookup(INTEGRATION_ID, job_codes=tuple(job["job_code"] for job in wanted))
    assert (result.kind, result.created) == ("targeted", 3)
    assert len(kombo.requests) == 1
    assert kombo.requests[0].query["job_codes"] == ",".join(job["job_code"] for job in wanted)
    assert set(mirror(sessions)) == {job["id"] for job in wanted}
    assert integration(sessions).watermark is None

    url_job = next(job for job in jobs if job["post_url"])
    runner.lookup(INTEGRATION_ID, post_url=url_job["post_url"])
    assert url_job["id"] in mirror(sessions)


def test_a_slow_run_never_moves_the_watermark_back(sessions, kombo, runner) -> None:
    result = runner.sync(INTEGRATION_ID)
    later = result.started_at + timedelta(hours=1)
    with sessions.begin() as session:
        session.get_one(Integration, INTEGRATION_ID).watermark = later
    runner.sync(INTEGRATION_ID)
    assert integration(sessions).watermark == later


def test_no_duplicates_after_repeated_full_syncs(sessions, kombo, runner) -> None:
    runner.sync(INTEGRATION_ID)
    again = runner.sync(INTEGRATION_ID, full=True)
    assert (again.created, again.unchanged) == (0, JOB_COUNT)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AtsJob)) == JOB_COUNT


def test_a_sync_killed_mid_way_is_taken_over_by_the_rerun(sessions, kombo, runner, database_url) -> None:
    kombo.faults.add("slow", delay=30.0, page=2)
    env = os.environ | {"JOBMATCH_DATABASE_URL": database_url, "KOMBO_BASE_URL": kombo.base_url, "KOMBO_API_KEY": API_KEY}
    child = subprocess.Popen(
        [sys.executable, "-m", "jobmatch.cli", "sync", "--integration", INTEGRATION_ID],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not (runs(sessions) and runs(sessions)[0].pages == 1):
            assert child.poll() is None and time.monotonic() < deadline, "the child sync never wrote its first page"
            time.sleep(0.05)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert len(mirror(sessions)) == 250
    assert integration(sessions).watermark is None
    with pytest.raises(SyncInProgress):  # the dead run's lease has not expired yet
        runner.sync(INTEGRATION_ID)

    runner.clock = lambda: utcnow() + LEASE + timedelta(seconds=1)
    result = runner.sync(INTEGRATION_ID)

    assert (result.kind, result.created, result.unchanged) == ("full", JOB_COUNT - 250, 250)
    assert_mirror_is_truth(sessions, kombo)
    killed, rerun = runs(sessions)
    assert (killed.outcome, rerun.outcome) == (SyncOutcome.ABANDONED, SyncOutcome.SUCCEEDED)
    assert integration(sessions).watermark == rerun.started_at


def test_a_second_sync_of_the_same_integration_waits_for_the_first(sessions, kombo, runner) -> None:
    second: list[BaseException] = []

    def sync_again_mid_way(progress: Progress) -> None:
        if progress.pages == 1:
            with pytest.raises(SyncInProgress, match="already running") as raised:
                runner.sync(INTEGRATION_ID)
            second.append(raised.value)

    runner.on_progress = sync_again_mid_way
    result = runner.sync(INTEGRATION_ID)
    assert second and result.created == JOB_COUNT
    assert [r.outcome for r in runs(sessions)] == [SyncOutcome.SUCCEEDED]  # the refused run left no trace
    runner.on_progress = None
    runner.sync(INTEGRATION_ID)  # released at the end: the next run goes ahead


def test_a_run_whose_lease_was_taken_over_stops_writing(sessions, kombo, runner) -> None:
    def steal_after_first_page(progress: Progress) -> None:
        if progress.pages == 1:
            with sessions.begin() as session:
                session.get_one(Integration, INTEGRATION_ID).sync_lease_owner = "other-machine:1:abcd"

    runner.on_progress = steal_after_first_page
    with pytest.raises(LeaseLost):
        runner.sync(INTEGRATION_ID)
    assert len(mirror(sessions)) == 250
    assert runs(sessions)[-1].outcome == SyncOutcome.FAILED
    assert integration(sessions).sync_lease_owner == "other-machine:1:abcd"  # not released by the loser

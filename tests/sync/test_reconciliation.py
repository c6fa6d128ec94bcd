"""Reconciliation, overlap and the statuses setting, against the fake Kombo over real HTTP: a complete full read
marks what it no longer returns vanished, an interrupted one marks nothing, and a job that comes back is restored."""

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.fixtures.fake_kombo import FakeKombo
from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.store.models import AtsJob, Integration, JobChange, SyncRun
from jobmatch.sync.kombo import kombo_datetime
from jobmatch.sync.runner import SyncRunner
from tests.factories import INTEGRATION_ID, add_ats_jobs
from tests.sync.test_sync_against_fake import kombo, runner, sleeps  # noqa: F401 (fixtures)

PURGED = kombo_job("job-purged", "9001", "Lagerhelfer (m/w/d)", job_code="LH-9001")
CLOSED_PURGED = kombo_job("job-closed-purged", "9002", "Koch (m/w/d)", status="CLOSED")


def vanished(sessions: sessionmaker[Session]) -> dict[str, object]:
    with sessions() as session:
        return dict(session.execute(select(AtsJob.id, AtsJob.vanished_at).where(AtsJob.vanished_at.is_not(None))).all())


def run(sessions: sessionmaker[Session], run_id: int) -> SyncRun:
    with sessions() as session:
        return session.get_one(SyncRun, run_id)


def vanished_history(sessions: sessionmaker[Session], job_id: str) -> list[tuple]:
    with sessions() as session:
        rows = session.execute(
            select(JobChange.sync_run_id, JobChange.old_value, JobChange.new_value)
            .where(JobChange.job_id == job_id, JobChange.field == "vanished_at")
            .order_by(JobChange.id)
        )
        return [tuple(row) for row in rows]


def test_a_complete_full_read_marks_what_it_did_not_return_and_restores_what_comes_back(
    sessions, kombo: FakeKombo, runner: SyncRunner
) -> None:
    add_ats_jobs(sessions, [PURGED])  # mirrored earlier; Kombo has purged it since
    with sessions() as session:
        version = session.scalar(select(AtsJob.version).where(AtsJob.id == "job-purged"))
    result = runner.sync(INTEGRATION_ID)
    assert (result.kind, result.created, result.vanished) == ("full", 600, 1)
    assert set(vanished(sessions)) == {"job-purged"}
    assert run(sessions, result.run_id).jobs_vanished == 1
    [(run_id, old, new)] = vanished_history(sessions, "job-purged")
    assert (run_id, old) == (result.run_id, None) and new.startswith(result.finished_at.isoformat()[:19])
    with sessions() as session:  # stamped in the change feed, so that caught-up pools drop it
        assert session.scalar(select(AtsJob.version).where(AtsJob.id == "job-purged")) > version

    again = runner.sync(INTEGRATION_ID, full=True)  # still gone: marked once, not again
    assert (again.vanished, again.unchanged) == (0, 600)
    assert len(vanished_history(sessions, "job-purged")) == 1

    kombo.add_job(INTEGRATION_ID, PURGED)  # it is back (an incremental read sees it)
    back = runner.sync(INTEGRATION_ID)
    assert (back.kind, back.restored) == ("incremental", 1)
    assert vanished(sessions) == {}
    assert run(sessions, back.run_id).jobs_restored == 1
    assert vanished_history(sessions, "job-purged")[-1][0::2] == (back.run_id, None)


def test_incremental_and_targeted_reads_mark_nothing(sessions, kombo: FakeKombo, runner: SyncRunner) -> None:
    runner.sync(INTEGRATION_ID)
    add_ats_jobs(sessions, [PURGED])
    assert runner.sync(INTEGRATION_ID).vanished == 0
    runner.lookup(INTEGRATION_ID, job_codes=("LH-9001",))
    assert vanished(sessions) == {}


def test_an_interrupted_full_read_marks_nothing(sessions, kombo: FakeKombo, runner: SyncRunner) -> None:
    add_ats_jobs(sessions, [PURGED])
    kombo.faults.add("server_error", status=503, page=3, times=10)
    try:
        runner.sync(INTEGRATION_ID)
    except Exception as exc:
        assert "gave up" in str(exc)
    else:
        raise AssertionError("the read should have failed on page 3")
    assert vanished(sessions) == {}
    with sessions() as session:
        assert session.scalar(select(SyncRun.jobs_vanished)) == 0
    kombo.faults.clear()
    assert runner.sync(INTEGRATION_ID).vanished == 1


def test_a_status_filter_leaves_the_statuses_it_did_not_read_alone(sessions, kombo: FakeKombo, runner) -> None:
    add_ats_jobs(sessions, [PURGED, CLOSED_PURGED])
    with sessions.begin() as session:
        session.execute(update(Integration).values(statuses=["OPEN"]))
    result = runner.sync(INTEGRATION_ID)
    assert kombo.requests[0].query["statuses"] == "OPEN"
    open_jobs = sum(job["status"] == "OPEN" for job in kombo.truth(INTEGRATION_ID).values())
    assert result.created == open_jobs < 600
    assert set(vanished(sessions)) == {"job-purged"}  # the closed one was not asked for

    incremental = runner.sync(INTEGRATION_ID)
    assert kombo.requests[-1].query["statuses"] == "OPEN"
    assert incremental.kind == "incremental"


def test_an_incremental_read_asks_from_the_watermark_minus_the_overlap(sessions, kombo, runner) -> None:
    runner.sync(INTEGRATION_ID)
    with sessions() as session:
        watermark = session.get_one(Integration, INTEGRATION_ID).watermark
    result = runner.sync(INTEGRATION_ID)
    asked = kombo.requests[-1].query["updated_after"]
    assert asked == kombo_datetime(watermark - timedelta(minutes=5))
    assert run(sessions, result.run_id).watermark_used == watermark - timedelta(minutes=5)

    exact = SyncRunner(sessions, runner.client, overlap=timedelta(0))
    exact.sync(INTEGRATION_ID)
    with sessions() as session:
        watermark = session.get_one(Integration, INTEGRATION_ID).watermark
    exact.sync(INTEGRATION_ID)
    assert kombo.requests[-1].query["updated_after"] == kombo_datetime(watermark)


def test_a_change_kombo_stamped_before_our_watermark_is_still_read(sessions, kombo: FakeKombo, runner) -> None:
    """Kombo's clock behind ours: a change it records as a minute before our watermark is within the overlap."""
    runner.sync(INTEGRATION_ID)
    with sessions.begin() as session:  # as if our clock ran a minute ahead of Kombo's
        integration = session.get_one(Integration, INTEGRATION_ID)
        integration.watermark += timedelta(minutes=1)
    job_id = next(iter(kombo.truth(INTEGRATION_ID)))
    kombo.edit_job(INTEGRATION_ID, job_id, name="Renamed")
    assert runner.sync(INTEGRATION_ID).updated == 1

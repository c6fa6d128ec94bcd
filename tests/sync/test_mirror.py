from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker, undefer

from jobmatch.api.deactivation import not_applicable
from jobmatch.fixtures.kombo_jobs import kombo_job, kombo_timestamp
from jobmatch.store.models import AtsJob, Customer, JobChange, SyncRun
from jobmatch.sync.mirror import JobOwnershipError, PageCounts, changed_fields, parse_kombo_datetime, write_page
from tests.factories import add_integration

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def run_id(sessions: sessionmaker[Session]) -> int:
    integration_id = add_integration(sessions)
    with sessions.begin() as session:
        run = SyncRun(integration_id=integration_id, kind="full")
        session.add(run)
        session.flush()
        return run.id


def write(sessions: sessionmaker[Session], run_id: int, jobs: list[dict], integration_id: str = "personio:CBNMt7dSNCzBdnRTx87dev4E") -> PageCounts:
    with sessions.begin() as session:
        return write_page(session, integration_id, run_id, jobs, NOW)


def test_new_jobs_are_inserted_with_their_columns_and_json(sessions, run_id) -> None:
    job = kombo_job("job1", "4711", "Lagerhelfer (m/w/d)", job_code="REQ-01007", city="Bamberg", zip_code="96052")
    assert write(sessions, run_id, [job]) == PageCounts(created=1)
    with sessions() as session:
        stored = session.get_one(AtsJob, "job1", options=[undefer(AtsJob.data)])
    assert (stored.remote_id, stored.name, stored.job_code, stored.location_city, stored.location_zip_code) == (
        "4711", "Lagerhelfer (m/w/d)", "REQ-01007", "Bamberg", "96052"
    )
    assert stored.data == job
    assert stored.exposed is False
    assert stored.first_seen_at == stored.last_synced_at == NOW


def test_unknown_enum_values_and_extra_keys_are_kept(sessions, run_id) -> None:
    job = kombo_job("job1", "1", "Koch (m/w/d)", status="ON_HOLD", employment_type="MINIJOB") | {"remote_data": {"x": 1}}
    write(sessions, run_id, [job])
    with sessions() as session:
        stored = session.get_one(AtsJob, "job1", options=[undefer(AtsJob.data)])
    assert (stored.status, stored.employment_type, stored.data["remote_data"]) == ("ON_HOLD", "MINIJOB", {"x": 1})


def test_a_changed_job_is_updated_and_each_changed_field_recorded(sessions, run_id) -> None:
    write(sessions, run_id, [kombo_job("job1", "1", "Koch (m/w/d)", job_code="A-1")])
    edited = kombo_job("job1", "1", "Koch / Köchin (m/w/d)", job_code="A-1", status="CLOSED")
    assert write(sessions, run_id, [edited]) == PageCounts(updated=1)
    with sessions() as session:
        assert session.get_one(AtsJob, "job1").name == "Koch / Köchin (m/w/d)"
        changes = {c.field: (c.old_value, c.new_value) for c in session.scalars(select(JobChange))}
    assert changes["name"] == ("Koch (m/w/d)", "Koch / Köchin (m/w/d)")
    assert changes["status"] == ("OPEN", "CLOSED")
    assert "job_code" not in changes


def test_unchanged_jobs_only_touch_last_synced(sessions, run_id) -> None:
    job = kombo_job("job1", "1", "Koch (m/w/d)")
    write(sessions, run_id, [job])
    assert write(sessions, run_id, [dict(job)]) == PageCounts(unchanged=1)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(JobChange)) == 0


def test_a_deletion_is_counted_and_the_job_kept(sessions, run_id) -> None:
    write(sessions, run_id, [kombo_job("job1", "1", "Koch (m/w/d)")])
    deleted = kombo_job("job1", "1", "Koch (m/w/d)", remote_deleted_at=NOW)
    assert write(sessions, run_id, [deleted]) == PageCounts(deleted=1)
    with sessions() as session:
        stored = session.get_one(AtsJob, "job1")
    assert stored.remote_deleted_at == NOW
    assert stored.status == "OPEN"  # Kombo does not close deleted jobs
    assert not_applicable(stored) == "deleted"


def test_duplicate_ids_on_a_page_keep_the_last(sessions, run_id) -> None:
    counts = write(sessions, run_id, [kombo_job("job1", "1", "Alt"), kombo_job("job1", "1", "Neu")])
    assert counts == PageCounts(created=1)
    with sessions() as session:
        assert session.get_one(AtsJob, "job1").name == "Neu"


def test_a_job_of_another_integration_is_refused(sessions, run_id) -> None:
    write(sessions, run_id, [kombo_job("job1", "1", "Koch (m/w/d)")])
    add_integration(sessions, "greenhouse:other", slug="other")
    with pytest.raises(JobOwnershipError, match="belongs to personio:"):
        write(sessions, run_id, [kombo_job("job1", "1", "Koch (m/w/d)")], integration_id="greenhouse:other")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-01T00:00:00.000Z", datetime(2024, 1, 1, tzinfo=UTC)),
        (kombo_timestamp(NOW), NOW),
        ("2024-01-01T01:00:00+01:00", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T00:00:00", None),  # no offset: ambiguous, kept in the JSON only
        ("yesterday", None),
        (None, None),
        (17, None),
    ],
)
def test_parse_kombo_datetime(raw, expected) -> None:
    assert parse_kombo_datetime(raw) == expected


def test_changed_fields_lists_added_removed_and_changed_keys() -> None:
    assert changed_fields({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == [("b", 2, 3), ("c", None, 4)]


def versions(sessions: sessionmaker[Session]) -> tuple[int, dict[str, int]]:
    """The customer's jobs version and each job's."""
    with sessions() as session:
        return session.scalar(select(Customer.jobs_version)), dict(session.execute(select(AtsJob.id, AtsJob.version)).all())


def test_pages_that_change_jobs_stamp_them_with_the_next_version(sessions, run_id) -> None:
    job = kombo_job("job1", "1", "Koch (m/w/d)")
    write(sessions, run_id, [job, kombo_job("job2", "2", "Kellner (m/w/d)")])
    assert versions(sessions) == (1, {"job1": 1, "job2": 1})
    write(sessions, run_id, [dict(job)])  # unchanged: caches of the pool stay valid
    assert versions(sessions) == (1, {"job1": 1, "job2": 1})
    write(sessions, run_id, [kombo_job("job1", "1", "Koch (m/w/d)", status="CLOSED"), kombo_job("job2", "2", "Kellner (m/w/d)")])
    assert versions(sessions) == (2, {"job1": 2, "job2": 1})


def test_only_a_change_that_can_make_a_job_anyones_candidate_moves_its_reach_version(sessions, run_id) -> None:
    def reach() -> int:
        with sessions() as session:
            return session.scalar(select(AtsJob.reach_version))

    job = kombo_job("job1", "1", "Koch (m/w/d)")
    write(sessions, run_id, [job])
    assert reach() == 1
    write(sessions, run_id, [job | {"status": "CLOSED"}])  # closed: it can only rank lower
    write(sessions, run_id, [job | {"status": "CLOSED", "description": "Kochen"}])  # nothing matching reads
    write(sessions, run_id, [job | {"status": "CLOSED", "remote_deleted_at": kombo_timestamp(datetime.now(UTC))}])
    assert versions(sessions)[0] == 4 and reach() == 1
    write(sessions, run_id, [job])  # open again: it can rank above another posting's candidates
    assert reach() == 5
    write(sessions, run_id, [job | {"name": "Beikoch"}])
    assert reach() == 6


def test_a_quarantine_is_decided_again_even_when_the_data_did_not_change(sessions, run_id) -> None:
    """A job quarantined under other rules (an older release) is released by the next sync that reads it."""
    job = kombo_job("job1", "1", "Koch (m/w/d)")
    write(sessions, run_id, [job])
    with sessions.begin() as session:
        session.execute(update(AtsJob).values(quarantine=[{"field": "name", "value": "x", "problem": "old rule"}],
                                              quarantined_at=NOW))
    assert write(sessions, run_id, [job]) == PageCounts(updated=1)
    with sessions() as session:
        stored = session.get_one(AtsJob, "job1")
    assert (stored.quarantine, stored.quarantined_at) == (None, None)
    assert write(sessions, run_id, [job]) == PageCounts(unchanged=1)


def test_one_job_that_cannot_be_stored_leaves_its_page_whole(sessions, run_id) -> None:
    page = [kombo_job("job1", "1", "Koch"), {"name": "no id"}, "not a job",
            kombo_job("job2", "2", "Köchin") | {"description": "a\x00b", "custom_fields": {"k": float("inf")}}]
    assert write(sessions, run_id, page) == PageCounts(created=2, quarantined=1, without_id=2)
    with sessions() as session:
        stored = session.get_one(AtsJob, "job2", options=[undefer(AtsJob.data)])
    assert (stored.data["description"], stored.data["custom_fields"]) == ("a\ufffdb", {"k": None})
    assert [problem["field"] for problem in stored.quarantine] == ["description", "custom_fields.k"]

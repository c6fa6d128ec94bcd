"""Writing one page of Kombo jobs into the mirror: insert new jobs, update changed ones, record each changed field.

A page is written in the caller's transaction, so a page is stored whole or not at all, together with the raised
version of the integration's jobs when it changed any.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, literal, select, update
from sqlalchemy.orm import Session

from jobmatch.store.models import AtsJob, Integration, JobChange
from jobmatch.store.types import JSONDocument, UTCDateTime

log = logging.getLogger(__name__)
JOBS = AtsJob.__table__
UTC_TIME = UTCDateTime()


class JobOwnershipError(Exception):
    """A job id arrived for one integration but is stored under another: Kombo ids are global, so this is a bug
    or a misconfiguration (two integrations pointing at the same Kombo integration)."""


@dataclass(frozen=True, slots=True)
class PageCounts:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.deleted + self.unchanged


def parse_kombo_datetime(value: Any) -> datetime | None:
    """Kombo's `YYYY-MM-DDTHH:mm:ss.sssZ` (any ISO 8601 with an offset) -> aware datetime; None if unusable.

    The raw value stays in the job's JSON, so an odd format loses nothing; the column is only a convenience.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        log.warning("unparseable datetime %r kept only in the job JSON", value)
        return None
    return parsed if parsed.tzinfo else None


def job_columns(job: dict[str, Any]) -> dict[str, Any]:
    """The columns extracted from a Kombo job; `data` keeps the job exactly as received."""
    location = job.get("location") if isinstance(job.get("location"), dict) else {}
    remote_id = job.get("remote_id")
    return {
        "id": job["id"],
        "remote_id": None if remote_id is None else str(remote_id),
        "name": job.get("name"),
        "job_code": job.get("job_code"),
        "status": job.get("status"),
        "post_url": job.get("post_url"),
        "remote_url": job.get("remote_url"),
        "department": job.get("department"),
        "location_city": location.get("city"),
        "location_zip_code": location.get("zip_code"),
        "location_country": location.get("country"),
        "location_raw": location.get("raw"),
        "employment_type": job.get("employment_type"),
        "visibility": job.get("visibility"),
        "changed_at": parse_kombo_datetime(job.get("changed_at")),
        "remote_deleted_at": parse_kombo_datetime(job.get("remote_deleted_at")),
        "opened_at": parse_kombo_datetime(job.get("opened_at")),
        "closed_at": parse_kombo_datetime(job.get("closed_at")),
        "data": job,
    }


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, old value, new value) for every top-level key whose value differs, in a stable order."""
    return [(key, old.get(key), new.get(key)) for key in sorted(old.keys() | new.keys()) if old.get(key) != new.get(key)]


def write_page(session: Session, integration_id: str, run_id: int, jobs: list[dict[str, Any]], now: datetime) -> PageCounts:
    """Upsert `jobs` (already validated: each has a string id) by Kombo id; the last of duplicate ids wins."""
    by_id = {job["id"]: job for job in jobs}
    stored = {
        row.id: row
        for row in session.execute(
            select(JOBS.c.id, JOBS.c.integration_id, JOBS.c.data, JOBS.c.remote_deleted_at).where(JOBS.c.id.in_(by_id))
        )
    }
    inserts, updates, changes, unchanged = [], [], [], []
    deleted = 0
    for job_id, job in by_id.items():
        row = stored.get(job_id)
        if row is None:
            inserts.append(job_columns(job) | {"integration_id": integration_id, "first_seen_at": now, "last_synced_at": now})
            continue
        if row.integration_id != integration_id:
            raise JobOwnershipError(f"job {job_id} came from integration {integration_id} but belongs to {row.integration_id}")
        if row.data == job:
            unchanged.append(job_id)
            continue
        columns = job_columns(job)
        updates.append(_without_id(columns) | {"job_id": job_id, "last_synced_at": now})
        changes.extend(
            {"job_id": job_id, "sync_run_id": run_id, "field": field, "old_value": old, "new_value": new, "changed_at": now}
            for field, old, new in changed_fields(row.data, job)
        )
        if row.remote_deleted_at is None and columns["remote_deleted_at"] is not None:
            deleted += 1
    # Core statements run as one executemany each; the ORM's bulk paths cost several times more per row here.
    if inserts:
        session.execute(insert(JOBS), inserts)
    if updates:
        session.execute(update(JOBS).where(JOBS.c.id == bindparam("job_id")), updates)
    if changes:
        session.execute(insert(JobChange.__table__), changes)
    if unchanged:
        session.execute(update(JOBS).where(JOBS.c.id.in_(unchanged)).values(last_synced_at=now))
    if inserts or updates:
        bump_jobs_version(session, integration_id)
    return PageCounts(created=len(inserts), updated=len(updates) - deleted, deleted=deleted, unchanged=len(unchanged))


def bump_jobs_version(session: Session, integration_id: str) -> None:
    """Tell caches of the integration's jobs (the API's indexes) that the jobs changed, in the same transaction."""
    session.execute(
        update(Integration).where(Integration.id == integration_id).values(jobs_version=Integration.jobs_version + 1)
    )


def mark_vanished(
    session: Session, integration_id: str, run_id: int, read_since: datetime, now: datetime, statuses: list[str] | None
) -> int:
    """After a complete full read that started at `read_since`: mark vanished every job of the integration it did
    not return, recording the change; the number marked.

    Every page write stamps `last_synced_at` on each job it returned, changed or not, so "not returned" is "not
    stamped since the read started": two statements over the integration's jobs instead of a set of ids. With a
    `statuses` filter only jobs last seen with one of those statuses were asked for; the others are left alone.
    """
    missing = (
        (JOBS.c.integration_id == integration_id) & JOBS.c.vanished_at.is_(None) & (JOBS.c.last_synced_at < read_since)
    )
    if statuses is not None:
        missing &= JOBS.c.status.in_(statuses)
    change = select(
        JOBS.c.id, literal(run_id), literal("vanished_at"), literal(now.isoformat(), JSONDocument), literal(now, UTC_TIME)
    ).where(missing)
    session.execute(
        insert(JobChange.__table__).from_select(["job_id", "sync_run_id", "field", "new_value", "changed_at"], change)
    )
    count = session.execute(update(JOBS).where(missing).values(vanished_at=now)).rowcount
    if count:
        bump_jobs_version(session, integration_id)
    return count


def vanished_ids(session: Session, integration_id: str) -> set[str]:
    """The integration's vanished jobs: few, so a run keeps them to tell which of its pages bring one back."""
    return set(session.scalars(select(JOBS.c.id).where(JOBS.c.integration_id == integration_id, JOBS.c.vanished_at.is_not(None))))


def restore_vanished(session: Session, integration_id: str, run_id: int, job_ids: list[str], now: datetime) -> int:
    """Clear `vanished_at` of those of `job_ids` (a page's, few) that had vanished: a read returned them again."""
    back = dict(
        session.execute(
            select(JOBS.c.id, JOBS.c.vanished_at).where(
                JOBS.c.integration_id == integration_id, JOBS.c.id.in_(job_ids), JOBS.c.vanished_at.is_not(None)
            )
        ).all()
    )
    if not back:
        return 0
    session.execute(update(JOBS).where(JOBS.c.id.in_(back)).values(vanished_at=None))
    session.execute(
        insert(JobChange.__table__),
        [
            {"job_id": job_id, "sync_run_id": run_id, "field": "vanished_at", "old_value": since.isoformat(),
             "new_value": None, "changed_at": now}
            for job_id, since in back.items()
        ],
    )
    bump_jobs_version(session, integration_id)
    return len(back)


def _without_id(columns: dict[str, Any]) -> dict[str, Any]:
    """An UPDATE's SET values: `id` is the row's key (bound as job_id), never rewritten."""
    return {key: value for key, value in columns.items() if key != "id"}

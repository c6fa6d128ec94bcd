"""Writing one page of Kombo jobs into the mirror: check each job, insert new jobs, update changed ones, record
each changed field.

A page is written in the caller's transaction, so a page is stored whole or not at all; the jobs it created or
changed carry the customer's next jobs version (the change feed, jobmatch.store.feed).
"""

import logging
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, literal, select, update
from sqlalchemy.orm import Session

from jobmatch.store import feed
from jobmatch.store.models import AtsJob, JobChange
from jobmatch.store.types import JSONDocument, UTCDateTime
from jobmatch.sync.validation import CheckedJob, check_page, job_label

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
    quarantined: int = 0  # of the jobs above, those stored quarantined (see validation.py)
    without_id: int = 0  # jobs that could not be stored at all: no usable id

    @property
    def total(self) -> int:
        return self.created + self.updated + self.deleted + self.unchanged + self.without_id

    def __add__(self, other: "PageCounts") -> "PageCounts":
        return PageCounts(*(mine + theirs for mine, theirs in zip(astuple(self), astuple(other))))


def parse_kombo_datetime(value: Any) -> datetime | None:
    """Kombo's `YYYY-MM-DDTHH:mm:ss.sssZ` (any ISO 8601 with an offset) -> aware datetime; None if unusable.

    The raw value stays in the job's JSON, so an odd format loses nothing; the column is only a convenience.
    """
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def job_columns(checked: CheckedJob) -> dict[str, Any]:
    """The columns of a checked job; `data` keeps the job as received (made storable)."""
    job = checked.values
    location = job.get("location") if isinstance(job.get("location"), dict) else {}
    remote_id = job.get("remote_id")
    return {
        "id": checked.id,
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
        "job_posting_identifiers": posting_identifiers(job.get("job_postings")),
        "quarantine": checked.quarantine,
        "data": checked.data,
    }


def posting_identifiers(postings: Any) -> list[dict[str, str | None]]:
    """What identifies the job in each of its job postings (id, remote_id, the public url), as text: the matcher
    reads these as the job's own identifiers."""
    if not isinstance(postings, list):
        return []
    return [{key: value if isinstance(value := posting.get(key), str) else None for key in POSTING_IDENTIFIERS}
            for posting in postings if isinstance(posting, dict)]


POSTING_IDENTIFIERS = ("id", "remote_id", "url")


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, old value, new value) for every top-level key whose value differs, in a stable order."""
    return [(key, old.get(key), new.get(key)) for key in sorted(old.keys() | new.keys()) if old.get(key) != new.get(key)]


# What matching compares of a job (jobmatch.matcher.jobs), and what decides whether it takes applications: a
# change of the first can make the job a candidate of any posting; one of the second alone can only when the job
# may take applications now (status open or untold, not deleted), as a closed or deleted job ranks below an open one.
MATCHED_FIELDS = frozenset({"name", "job_code", "remote_id", "post_url", "department", "employment_type", "location",
                            "job_postings"})
APPLICABILITY_FIELDS = frozenset({"status", "visibility", "remote_deleted_at"})


def reaches(fields: set[str], columns: dict[str, Any]) -> bool:
    """Whether a change of these fields of a job, now of these columns, can make it a candidate of a posting that
    did not have it (AtsJob.reach_version)."""
    if not fields.isdisjoint(MATCHED_FIELDS):
        return True
    return (not fields.isdisjoint(APPLICABILITY_FIELDS) and columns["status"] in (None, "OPEN")
            and columns["remote_deleted_at"] is None)


def write_page(session: Session, integration_id: str, run_id: int, jobs: list[Any], now: datetime) -> PageCounts:
    """Upsert a page of jobs as received by Kombo id; the last of duplicate ids wins. Each job is checked on its
    own (validation.py): one that cannot be read safely is stored quarantined, one without an id is logged and
    counted, and neither stops the rest of the page."""
    checked = check_page(jobs)
    for position, job in enumerate(checked, start=1):
        if job.id is None:
            log.warning("job #%d of a page of %s has no usable id and is skipped%s: %s", position, integration_id,
                        job_label(job.data), "; ".join(f"{p.field} {p.problem}" for p in job.problems))
    by_id = {job.id: job for job in checked if job.id is not None}
    stored = {
        row.id: row
        for row in session.execute(
            select(JOBS.c.id, JOBS.c.integration_id, JOBS.c.data, JOBS.c.remote_deleted_at, JOBS.c.quarantine,
                   JOBS.c.quarantined_at, JOBS.c.reach_version).where(JOBS.c.id.in_(by_id))
        )
    }
    inserts, updates, changes, unchanged = [], [], [], []
    deleted = 0
    for job_id, job in by_id.items():
        row = stored.get(job_id)
        columns = job_columns(job)
        quarantined_at = None if job.quarantine is None else (row.quarantined_at if row and row.quarantined_at else now)
        if row is None:
            inserts.append(columns | {"integration_id": integration_id, "quarantined_at": quarantined_at,
                                      "first_seen_at": now, "last_synced_at": now})
            continue
        if row.integration_id != integration_id:
            raise JobOwnershipError(f"job {job_id} came from integration {integration_id} but belongs to {row.integration_id}")
        if row.data == job.data and row.quarantine == job.quarantine:  # a rule change re-decides a quarantine
            unchanged.append(job_id)
            continue
        changed = changed_fields(row.data, job.data)
        reach = row.quarantine != job.quarantine or reaches({field for field, _, _ in changed}, columns)
        updates.append(_without_id(columns) | {"job_id": job_id, "quarantined_at": quarantined_at, "last_synced_at": now,
                                               "reach_version": None if reach else row.reach_version})
        changes.extend(
            {"job_id": job_id, "sync_run_id": run_id, "field": field, "old_value": old, "new_value": new, "changed_at": now}
            for field, old, new in changed
        )
        if row.remote_deleted_at is None and columns["remote_deleted_at"] is not None:
            deleted += 1
    if inserts or updates:  # taken after the reads: it locks the customer's row until the page commits
        version = bump_jobs_version(session, integration_id)
        for row in (*inserts, *updates):
            row["version"] = version
            if row.get("reach_version") is None:
                row["reach_version"] = version
    # Core statements run as one executemany each; the ORM's bulk paths cost several times more per row here.
    if inserts:
        session.execute(insert(JOBS), inserts)
    if updates:
        session.execute(update(JOBS).where(JOBS.c.id == bindparam("job_id")), updates)
    if changes:
        session.execute(insert(JobChange.__table__), changes)
    if unchanged:
        session.execute(update(JOBS).where(JOBS.c.id.in_(unchanged)).values(last_synced_at=now))
    return PageCounts(created=len(inserts), updated=len(updates) - deleted, deleted=deleted, unchanged=len(unchanged),
                      quarantined=sum(job.quarantine is not None for job in by_id.values()),
                      without_id=len(checked) - sum(job.id is not None for job in checked))


def bump_jobs_version(session: Session, integration_id: str) -> int:
    """The version to stamp on the integration's jobs that this transaction changes (see jobmatch.store.feed)."""
    return feed.next_version(session, feed.customer_of(integration_id))


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
    if session.scalar(select(JOBS.c.id).where(missing).limit(1)) is None:
        return 0
    version = bump_jobs_version(session, integration_id)  # before any job row: every writer locks in this order
    change = select(
        JOBS.c.id, literal(run_id), literal("vanished_at"), literal(now.isoformat(), JSONDocument), literal(now, UTC_TIME)
    ).where(missing)
    session.execute(
        insert(JobChange.__table__).from_select(["job_id", "sync_run_id", "field", "new_value", "changed_at"], change)
    )
    return session.execute(update(JOBS).where(missing).values(vanished_at=now, version=version)).rowcount


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
    version = bump_jobs_version(session, integration_id)  # before any job row: every writer locks in this order
    session.execute(update(JOBS).where(JOBS.c.id.in_(back)).values(vanished_at=None, version=version,
                                                                      reach_version=version))
    session.execute(
        insert(JobChange.__table__),
        [
            {"job_id": job_id, "sync_run_id": run_id, "field": "vanished_at", "old_value": since.isoformat(),
             "new_value": None, "changed_at": now}
            for job_id, since in back.items()
        ],
    )
    return len(back)


def _without_id(columns: dict[str, Any]) -> dict[str, Any]:
    """An UPDATE's SET values: `id` is the row's key (bound as job_id), never rewritten."""
    return {key: value for key, value in columns.items() if key != "id"}

"""Whether a posting's linked ATS job still takes applications. Derived from the mirrored job whenever a
posting is read, so it follows every sync and never goes stale."""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select

from jobmatch.store.models import AtsJob, Posting

OFFLINE_STATUSES = {"CLOSED": "closed", "ARCHIVED": "archived"}


def job_is_active() -> ColumnElement[bool]:
    """SQL for AtsJob.is_active: not deleted or vanished, and not closed or archived (an unknown status counts
    as open)."""
    present = AtsJob.remote_deleted_at.is_(None) & AtsJob.vanished_at.is_(None)
    return present & func.coalesce(AtsJob.status, "").not_in(list(OFFLINE_STATUSES))


def linked_to_inactive_job() -> ColumnElement[bool]:
    """SQL: the posting is linked to a job that was closed, archived or deleted in the ATS. Never NULL, so its
    negation holds for postings without a link."""
    linked = Posting.linked_job_id.is_not(None)
    return linked & Posting.linked_job_id.in_(select(AtsJob.id).where(~job_is_active()))


def deactivation(job: AtsJob) -> dict[str, Any] | None:
    """Why and since when the job takes no applications; None while it is active. Deletion wins: a deleted
    job keeps the status it had."""
    if job.remote_deleted_at is not None:
        return {"reason": "deleted", "since": job.remote_deleted_at}
    if job.vanished_at is not None:  # purged by Kombo: a deletion we learnt of by its absence
        return {"reason": "vanished", "since": job.vanished_at}
    if job.status in OFFLINE_STATUSES:
        since: datetime | None = job.closed_at if job.status == "CLOSED" and job.closed_at else job.changed_at
        return {"reason": OFFLINE_STATUSES[job.status], "since": since}
    return None

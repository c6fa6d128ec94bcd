"""Whether an ATS job takes applications, for rows of the store: the rule of jobmatch.matcher.applicability
read off an AtsJob, and the same rule in SQL. Derived whenever a job or posting is read, so it follows every
sync and every change of the customer's settings, and never goes stale."""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select

from jobmatch.matcher.applicability import GONE, KEYS, OPEN, PUBLIC, not_applicable as applicability
from jobmatch.store.models import AtsJob, Posting


def not_applicable(job: AtsJob) -> str | None:
    """Why the job takes no applications (a reason of applicability.REASONS), or None when it does."""
    return applicability({key: getattr(job, key) for key in KEYS}, public_only=job.only_public_jobs_applicable)


def not_applicable_sql() -> ColumnElement[bool]:
    """SQL of `not_applicable(job) is not None`, over AtsJob; never NULL."""
    status = AtsJob.status.is_not(None) & (AtsJob.status != OPEN)
    hidden = AtsJob.visibility.is_not(None) & (AtsJob.visibility != PUBLIC) & AtsJob.only_public_jobs_applicable
    return or_(*(getattr(AtsJob, key).is_not(None) for _, key in GONE), status, hidden)


def linked_to_inactive_job() -> ColumnElement[bool]:
    """SQL: the posting is linked to a job that takes no applications. Never NULL, so its negation holds for
    postings without a link."""
    linked = Posting.linked_job_id.is_not(None)
    return linked & Posting.linked_job_id.in_(select(AtsJob.id).where(not_applicable_sql()))


def deactivation(job: AtsJob) -> dict[str, Any] | None:
    """Why and since when the job takes no applications; None while it takes them."""
    reason = not_applicable(job)
    if reason is None:
        return None
    gone = dict(GONE).get(reason)
    since: datetime | None = getattr(job, gone) if gone else job.changed_at
    if reason == "closed" and job.closed_at:
        since = job.closed_at
    return {"reason": reason, "since": since}

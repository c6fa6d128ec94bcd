"""Identifiers a posting gave that the customer's mirror does not know (a job created in the ATS since the last
sync): recorded in `job_lookups` and asked of Kombo by one task per integration after a short wait, so that the
postings arriving meanwhile share its request (Kombo's guide: one request with comma-separated values)."""

from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.store.db import insert_unless_exists
from jobmatch.store.models import AtsJob, Integration, JobLookup
from jobmatch.sync.runner import SyncResult, SyncRunner

FIELDS = ("job_code", "remote_id")
MAX_VALUE_CHARS = 200  # longer is no identifier an ATS hands out


def wanted(posting: dict[str, Any]) -> dict[str, str]:
    """The posting's identifiers that a lookup can ask for: a comma would split the value in Kombo's list."""
    values = {field: (posting.get(field) or "").strip() for field in FIELDS}
    return {field: value for field, value in values.items() if value and "," not in value and len(value) <= MAX_VALUE_CHARS}


def request(session: Session, customer_id: int, posting: dict[str, Any]) -> list[str]:
    """Record the posting's identifiers that no job of the customer carries, for each of its integrations; the
    integrations whose lookup this request starts (none was waiting)."""
    identifiers = wanted(posting)
    if not identifiers:
        return []
    integration_ids = list(session.scalars(select(Integration.id).where(Integration.customer_id == customer_id)))
    known = session.execute(
        select(AtsJob.job_code, AtsJob.remote_id).where(
            AtsJob.integration_id.in_(integration_ids),
            or_(*(getattr(AtsJob, field) == value for field, value in identifiers.items())),
        )
    ).all()
    unknown = {
        field: value for field, value in identifiers.items() if all(getattr(row, field) != value for row in known)
    }
    if not unknown:
        return []
    insert = insert_unless_exists(session, JobLookup.__table__.c.id, "integration_id", "field", "value")
    started = []
    for integration_id in integration_ids:
        for field, value in unknown.items():
            session.execute(insert, {"integration_id": integration_id, "field": field, "value": value})
        flagged = session.execute(
            update(Integration)
            .where(Integration.id == integration_id, Integration.lookup_requested.is_(False))
            .values(lookup_requested=True)
        ).rowcount
        if flagged:
            started.append(integration_id)
    return started


def run(sessions: sessionmaker[Session], runner: SyncRunner, integration_id: str) -> SyncResult | None:
    """Look up every identifier waiting for the integration in one targeted run, then forget them (found or
    not: the next sync would bring a job a lookup missed). None when nothing was waiting."""
    with sessions.begin() as session:
        session.execute(update(Integration).where(Integration.id == integration_id).values(lookup_requested=False))
        waiting = session.execute(
            select(JobLookup.id, JobLookup.field, JobLookup.value)
            .where(JobLookup.integration_id == integration_id)
            .order_by(JobLookup.id)
        ).all()
    if not waiting:
        return None
    values = {field: tuple(row.value for row in waiting if row.field == field) for field in FIELDS}
    result = runner.lookup(integration_id, job_codes=values["job_code"], remote_ids=values["remote_id"])
    with sessions.begin() as session:
        session.execute(delete(JobLookup).where(JobLookup.id.in_([row.id for row in waiting])))
    return result

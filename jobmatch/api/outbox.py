"""The outbox: events about postings, written as deliveries (one per subscribed endpoint) in the transaction that
made the change, so a change that rolls back sends nothing and a crash after the commit loses nothing. A
customer without an endpoint writes no row: the insert selects the endpoints and finds none.

Changes made through the ORM are noted (`note`) and written when the session commits, after its last flush, so
the posting is stored as the transaction leaves it. A new posting is written by `store_new` in one statement on
PostgreSQL; `deliveries_insert` gives it the statement to embed.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Insert, bindparam, event, insert, literal, select, true
from sqlalchemy.orm import Session, object_session, selectinload

from jobmatch.api.deactivation import not_applicable_sql
from jobmatch.api.schemas import PostingSchema
from jobmatch.matcher.applicability import KEYS, not_applicable
from jobmatch.store.models import (
    AtsJob,
    DeliveryStatus,
    JobChange,
    Posting,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookSubscription,
)
from jobmatch.store.types import JSONDocument, UTCDateTime, utcnow

EVENT_TYPES = (
    "posting.auto_linked", "posting.needs_review", "posting.no_match", "posting.linked", "posting.unlinked",
    "posting.rejected", "posting.withdrawn", "posting.deactivated_in_ats", "posting.reactivated",
)
ALL_EVENTS = "*"
_NOTED, WRITTEN = "jobmatch.outbox.noted", "jobmatch.outbox.written"
# the posting as GET shows it, without its history; its id is added when sending (see body())
_SNAPSHOT = PostingSchema(exclude=("history", "id"))


def event_type(name: str) -> str | None:
    """The event of a posting action or matcher decision ('linked' -> 'posting.linked'); None for steps that
    are no event (a re-match that decides as before)."""
    candidate = f"posting.{name}"
    return candidate if candidate in EVENT_TYPES else None


def note(posting: Posting, name: str) -> None:
    """The posting's change is an event: its deliveries are written when the posting's session commits."""
    if (kind := event_type(name)) is None:
        return
    session = object_session(posting)
    if session is None:
        raise RuntimeError(f"posting {posting.id} has no session to write its {kind} event with")
    session.info.setdefault(_NOTED, []).append((posting, kind, utcnow()))


def snapshot(posting: Posting | dict[str, Any]) -> dict[str, Any]:
    return _SNAPSHOT.dump(posting)


def new_event_id() -> str:
    """The webhook-id: the same for every endpoint and attempt of one event."""
    return f"msg_{uuid.uuid4().hex}"


def event_values(customer_id: int, kind: str, posting: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Bind parameters of `deliveries_insert`, but for the posting id."""
    return {"outbox_event_id": new_event_id(), "outbox_customer_id": customer_id, "outbox_type": kind,
            "outbox_posting": posting, "outbox_at": at, "outbox_status": DeliveryStatus.PENDING}


def write(session: Session, posting_id: int, values: dict[str, Any]) -> int:
    """Write the event's deliveries in the session's transaction; how many endpoints receive it."""
    written = session.execute(deliveries_insert(), {**values, "outbox_posting_id": posting_id}).rowcount
    if written:
        session.info[WRITTEN] = True
    return written


@cache
def deliveries_insert(posting_id: ColumnElement[int] | None = None) -> Insert:
    """INSERT INTO webhook_deliveries SELECT one row per enabled endpoint of the customer subscribed to the
    event's type (or to all). The posting id is a bind parameter, or a column of a statement it is embedded in
    (a new posting's WITH)."""
    endpoints, subscriptions = WebhookEndpoint.__table__, WebhookSubscription.__table__
    source = endpoints.join(subscriptions, subscriptions.c.endpoint_id == endpoints.c.id)
    if posting_id is None:
        posting_id = bindparam("outbox_posting_id", type_=WebhookDelivery.posting_id.type)
    else:
        source = posting_id.table.join(source, true())
    rows = (
        select(
            bindparam("outbox_event_id"), endpoints.c.id, posting_id, bindparam("outbox_type"),
            bindparam("outbox_posting", type_=JSONDocument), bindparam("outbox_at", type_=UTCDateTime()),
            bindparam("outbox_status"), literal(0), bindparam("outbox_at", type_=UTCDateTime()),
        )
        .select_from(source)
        .where(endpoints.c.customer_id == bindparam("outbox_customer_id"), endpoints.c.disabled_at.is_(None),
               subscriptions.c.event_type.in_([bindparam("outbox_type"), literal(ALL_EVENTS)]))
    )
    columns = ["event_id", "endpoint_id", "posting_id", "type", "posting", "occurred_at", "status", "attempts",
               "next_attempt_at"]
    return insert(WebhookDelivery.__table__).from_select(columns, rows)


@event.listens_for(Session, "before_commit")
def _write_noted(session: Session) -> None:
    noted = session.info.pop(_NOTED, None)
    if not noted:
        return
    session.flush()  # the postings as the transaction leaves them, new ones with their ids
    for posting, kind, at in noted:
        write(session, posting.id, event_values(posting.customer_id, kind, snapshot(posting), at))


@event.listens_for(Session, "after_rollback")
def _forget_noted(session: Session) -> None:
    session.info.pop(_NOTED, None)
    session.info.pop(WRITTEN, None)


def job_states_changed(session: Session, job_ids: Iterable[str]) -> int:
    """The jobs were closed, archived, deleted or opened again: note posting.deactivated_in_ats or
    posting.reactivated, by each job's state now, for every posting linked to one of them and not withdrawn;
    the number noted. The caller commits."""
    ids = list(dict.fromkeys(job_ids))
    if not ids:
        return 0
    active = dict(session.execute(select(AtsJob.id, ~not_applicable_sql()).where(AtsJob.id.in_(ids))).all())
    postings = session.scalars(
        select(Posting).where(Posting.linked_job_id.in_(ids), Posting.withdrawn_at.is_(None))
        .options(selectinload(Posting.linked_job)).order_by(Posting.id)
    ).all()
    for posting in postings:
        note(posting, "reactivated" if active[posting.linked_job_id] else "deactivated_in_ats")
    return len(postings)


def jobs_whose_state_changed(session: Session, run_id: int) -> list[str]:
    """Jobs a sync run took from taking applications to not taking them or back, from the fields it changed:
    a job's state before the run is its state now with the changed fields' old values."""
    changes = session.execute(
        select(JobChange.job_id, JobChange.field, JobChange.old_value)
        .where(JobChange.sync_run_id == run_id, JobChange.field.in_(KEYS))
        .order_by(JobChange.id)
    ).all()
    before: dict[str, dict[str, Any]] = {}
    for job_id, field, old in changes:
        before.setdefault(job_id, {}).setdefault(field, old)  # the first change of the run holds the value before it
    if not before:
        return []
    jobs = session.execute(
        select(AtsJob.id, AtsJob.only_public_jobs_applicable, *(getattr(AtsJob, key) for key in KEYS))
        .where(AtsJob.id.in_(before))
    )
    changed = []
    for job_id, public_only, *values in jobs:
        state = dict(zip(KEYS, values))
        was = not_applicable(state | before[job_id], public_only=public_only) is None
        if was != (not_applicable(state, public_only=public_only) is None):
            changed.append(job_id)
    return sorted(changed)

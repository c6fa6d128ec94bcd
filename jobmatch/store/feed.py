"""The change feed of ATS jobs: every write that adds, changes or removes a job stamps the job with its customer's
next `jobs_version`, so any reader (a process's index, re-matching) asks "what changed after version v" in one
indexed query, however large the pool.

A version is handed out by an UPDATE of the customer's row, whose lock is held until the writing transaction
ends: a second writer of the same customer waits for the first to commit before it takes the next number. So
versions become visible in the order they were given, and a reader that sees version v has seen every version
before it: catching up from the highest version one has seen never skips a change. Jobs are never deleted from
the mirror (a deletion is a column), so every removal reaches readers as a changed row too.
"""

from typing import Any

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.orm import Session

from jobmatch.store.models import AtsJob, Customer, Integration

_CUSTOMERS, _JOBS, _INTEGRATIONS = Customer.__table__.c, AtsJob.__table__.c, Integration.__table__.c


def customer_of(integration_id: str) -> ColumnElement[int]:
    """SQL for the id of the customer owning the integration."""
    return select(_INTEGRATIONS.customer_id).where(_INTEGRATIONS.id == integration_id).scalar_subquery()


def next_version(session: Session, customer_id: int | ColumnElement[int]) -> int:
    """Raise the customer's jobs version and return it, in the session's transaction: stamp every job row the
    transaction changes with it. Take it after the transaction's reads, just before its writes: the customer's
    row stays locked until the transaction ends."""
    return session.execute(
        update(Customer.__table__)
        .where(_CUSTOMERS.id == customer_id)
        .values(jobs_version=_CUSTOMERS.jobs_version + 1)
        .returning(_CUSTOMERS.jobs_version)
    ).scalar_one()


def current_version(session: Session, customer_id: int) -> int:
    """The customer's latest jobs version: every job change up to it is committed."""
    return session.scalar(select(_CUSTOMERS.jobs_version).where(_CUSTOMERS.id == customer_id)) or 0


def changed_after(customer_id: int, version: int, *columns: Any) -> Select[Any]:
    """The customer's jobs (these columns of them) added, changed or removed after `version`, oldest change
    first. Served by the (integration_id, version) index whatever the pool's size."""
    integrations = select(_INTEGRATIONS.id).where(_INTEGRATIONS.customer_id == customer_id)
    return (
        select(*columns)
        .where(_JOBS.integration_id.in_(integrations), _JOBS.version > version)
        .order_by(_JOBS.version)
    )

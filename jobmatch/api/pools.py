"""Each customer's pools of ATS jobs as JobIndexes, built once per process and rebuilt when the pool may have
changed. Matching uses the customer's pool: every job, or only the exposed ones when the customer asked for that
(`match_exposed_only`). The reviewers' job search always uses every job."""

import threading
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from jobmatch.matcher import JobIndex
from jobmatch.store.models import AtsJob, Customer, Integration

_CUSTOMERS, _INTEGRATIONS = Customer.__table__.c, Integration.__table__.c
# built once, of table columns (no ORM entity to load): every posting runs it
_VERSIONS = (
    select(_CUSTOMERS.match_exposed_only, _CUSTOMERS.exposure_version, _INTEGRATIONS.id, _INTEGRATIONS.jobs_version)
    .select_from(Customer.__table__.outerjoin(Integration.__table__))
    .where(_CUSTOMERS.id == bindparam("customer_id"))
    .order_by(_INTEGRATIONS.id)
)


class Pools:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._indexes: dict[tuple[int, bool], tuple[tuple[Any, ...], JobIndex]] = {}

    def index(self, session: Session, customer_id: int) -> JobIndex:
        """The pool matching uses: only exposed jobs when the customer chose so, every job otherwise."""
        return self._index(session, customer_id, exposed_only=None)

    def search_index(self, session: Session, customer_id: int) -> JobIndex:
        """Every job of the customer, exposed or not: what reviewers search to find or expose a job."""
        return self._index(session, customer_id, exposed_only=False)

    def _index(self, session: Session, customer_id: int, exposed_only: bool | None) -> JobIndex:
        """A sync raises its integration's `jobs_version` with every page that changed jobs, and an exposure change
        raises the customer's `exposure_version`: together they change whenever the pool may have. One query reads
        them (and the customer's choice, when `exposed_only` is None): a few rows however large the pool."""
        rows = session.execute(_VERSIONS, {"customer_id": customer_id}).all()
        if exposed_only is None:
            exposed_only = bool(rows and rows[0].match_exposed_only)
        version: tuple[Any, ...] = tuple((row.id, row.jobs_version) for row in rows if row.id is not None)
        if exposed_only:
            version += (rows[0].exposure_version,)
        key = (customer_id, exposed_only)
        with self._lock:
            cached = self._indexes.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        jobs = _customer_jobs(customer_id, AtsJob.data)
        index = JobIndex(session.scalars(jobs.where(AtsJob.exposed) if exposed_only else jobs))
        with self._lock:
            self._indexes[key] = (version, index)
        return index


def _customer_jobs(customer_id: int, *columns: Any) -> Any:
    return select(*columns).select_from(AtsJob).join(Integration).where(Integration.customer_id == customer_id)


def customer_job(session: Session, customer_id: int, job_id: str) -> AtsJob | None:
    """The job when it belongs to one of the customer's integrations; None for unknown or foreign ids."""
    return session.scalar(
        select(AtsJob).join(Integration).where(AtsJob.id == job_id, Integration.customer_id == customer_id)
    )

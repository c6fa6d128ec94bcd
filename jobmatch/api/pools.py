"""Each customer's pools of ATS jobs as JobIndexes, built once per process and rebuilt when the pool may have
changed. Matching uses the customer's pool: every job, or only the exposed ones when the customer asked for that
(`match_exposed_only`). The reviewers' job search always uses every job."""

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from jobmatch.matcher import JobIndex
from jobmatch.store.models import AtsJob, Customer, Integration

_CUSTOMERS = Customer.__table__.c
# what a pool's version is read from: the customer's row (the API key's query reads them along)
VERSION_COLUMNS = (_CUSTOMERS.match_exposed_only, _CUSTOMERS.jobs_version, _CUSTOMERS.only_public_jobs_applicable)
_VERSIONS = select(*VERSION_COLUMNS).where(_CUSTOMERS.id == bindparam("customer_id"))  # built once


@dataclass(frozen=True, slots=True)
class PoolVersions:
    """What says whether a customer's cached pools are current: the customer's jobs version (the change feed,
    jobmatch.store.feed), raised by every change of one of its jobs, exposure included, and read in one row
    however large the pool."""

    exposed_only: bool  # the customer's choice: match against exposed jobs only
    jobs: int
    public_only: bool = False  # the customer's choice: only PUBLIC jobs take applications

    @classmethod
    def of(cls, row: Row[Any] | None) -> "PoolVersions":
        """From a row holding the VERSION_COLUMNS of one customer (None: no such customer)."""
        return cls(exposed_only=bool(row and row.match_exposed_only), jobs=row.jobs_version if row else 0,
                   public_only=bool(row and row.only_public_jobs_applicable))


class Pools:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._indexes: dict[tuple[int, bool], tuple[int, JobIndex]] = {}

    def index(self, session: Session, customer_id: int, versions: PoolVersions | None = None) -> JobIndex:
        """The pool matching uses: only exposed jobs when the customer chose so, every job otherwise. `versions`,
        when the caller read them already (with the API key), spare reading them again."""
        versions = versions or self._versions(session, customer_id)
        return self._index(session, customer_id, versions.exposed_only, versions)

    def search_index(self, session: Session, customer_id: int, versions: PoolVersions | None = None) -> JobIndex:
        """Every job of the customer, exposed or not: what reviewers search to find or expose a job."""
        return self._index(session, customer_id, False, versions or self._versions(session, customer_id))

    @staticmethod
    def _versions(session: Session, customer_id: int) -> PoolVersions:
        return PoolVersions.of(session.execute(_VERSIONS, {"customer_id": customer_id}).first())

    def _index(self, session: Session, customer_id: int, exposed_only: bool, versions: PoolVersions) -> JobIndex:
        version = (versions.jobs, versions.public_only)
        key = (customer_id, exposed_only)
        with self._lock:
            cached = self._indexes.get(key)
        if cached is not None and cached[0] == version:
            return cached[1]
        jobs = _customer_jobs(customer_id, AtsJob.data).where(AtsJob.quarantined_at.is_(None))  # unreadable: left out
        index = JobIndex(session.scalars(jobs.where(AtsJob.exposed) if exposed_only else jobs),
                         public_only=versions.public_only)
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

"""Each customer's pools of ATS jobs as JobIndexes, built once per process and rebuilt when the pool may have
changed. Matching uses the customer's pool: every job, or only the exposed ones when the customer asked for that
(`match_exposed_only`). The reviewers' job search always uses every job."""

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from jobmatch.matcher import JobIndex
from jobmatch.store.models import AtsJob, Customer, Integration

_CUSTOMERS, _INTEGRATIONS = Customer.__table__.c, Integration.__table__.c
# what a pool's version is read from: one row per integration of the customer (one of NULLs without any)
VERSION_COLUMNS = (_CUSTOMERS.match_exposed_only, _CUSTOMERS.exposure_version, _CUSTOMERS.only_public_jobs_applicable,
                   _INTEGRATIONS.id.label("integration_id"), _INTEGRATIONS.jobs_version)
VERSION_JOIN = Customer.__table__.outerjoin(Integration.__table__)
VERSION_ORDER = _INTEGRATIONS.id  # PoolVersions.of reads the rows in this order
_VERSIONS = (  # built once: every posting runs it
    select(*VERSION_COLUMNS).select_from(VERSION_JOIN)
    .where(_CUSTOMERS.id == bindparam("customer_id"))
    .order_by(VERSION_ORDER)
)


@dataclass(frozen=True, slots=True)
class PoolVersions:
    """What says whether a customer's cached pools are current. A sync raises its integration's `jobs_version`
    with every page that changed jobs, and an exposure change raises the customer's `exposure_version`: together
    they change whenever a pool may have, and reading them costs a few rows however large the pool."""

    exposed_only: bool  # the customer's choice: match against exposed jobs only
    jobs: tuple[tuple[str, int], ...]  # (integration id, jobs_version), by integration id
    exposure: int
    public_only: bool = False  # the customer's choice: only PUBLIC jobs take applications

    @classmethod
    def of(cls, rows: Sequence[Row[Any]]) -> "PoolVersions":
        """From the VERSION_COLUMNS rows of one customer, ordered by integration id."""
        first = rows[0] if rows else None
        return cls(
            exposed_only=bool(first and first.match_exposed_only),
            jobs=tuple((row.integration_id, row.jobs_version) for row in rows if row.integration_id is not None),
            exposure=first.exposure_version if first else 0,
            public_only=bool(first and first.only_public_jobs_applicable),
        )


class Pools:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._indexes: dict[tuple[int, bool], tuple[tuple[Any, ...], JobIndex]] = {}

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
        return PoolVersions.of(session.execute(_VERSIONS, {"customer_id": customer_id}).all())

    def _index(self, session: Session, customer_id: int, exposed_only: bool, versions: PoolVersions) -> JobIndex:
        version = (versions.jobs, versions.exposure, versions.public_only) if exposed_only else (
            versions.jobs, versions.public_only)
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

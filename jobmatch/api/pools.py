"""Each customer's pool of ATS jobs as a JobIndex, built once per process and rebuilt when a sync changed it."""

import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobmatch.matcher import JobIndex
from jobmatch.store.models import AtsJob, Integration


class Pools:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._indexes: dict[int, tuple[tuple[Any, ...], JobIndex]] = {}

    def index(self, session: Session, customer_id: int) -> JobIndex:
        """The customer's index; a sync touches `last_synced_at` of every job it sees, so the version
        (job count, latest sync time) changes whenever the pool may have."""
        version = tuple(session.execute(_customer_jobs(customer_id, func.count(), func.max(AtsJob.last_synced_at))).one())
        with self._lock:
            cached = self._indexes.get(customer_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        index = JobIndex(session.scalars(_customer_jobs(customer_id, AtsJob.data)))
        with self._lock:
            self._indexes[customer_id] = (version, index)
        return index


def _customer_jobs(customer_id: int, *columns: Any) -> Any:
    return select(*columns).select_from(AtsJob).join(Integration).where(Integration.customer_id == customer_id)


def customer_job(session: Session, customer_id: int, job_id: str) -> AtsJob | None:
    """The job when it belongs to one of the customer's integrations; None for unknown or foreign ids."""
    return session.scalar(
        select(AtsJob).join(Integration).where(AtsJob.id == job_id, Integration.customer_id == customer_id)
    )

"""Jobs kept out of matching because their data could not be read safely (jobmatch.sync.validation): how many
per integration, which ones and why, for the integrations API, its page and /metrics."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from jobmatch.store.models import AtsJob, Customer, Integration

QUARANTINED = AtsJob.quarantined_at.is_not(None)


def quarantined_jobs(integration_id: str) -> Select[tuple[AtsJob]]:
    """The integration's quarantined jobs, by id."""
    return select(AtsJob).where(AtsJob.integration_id == integration_id, QUARANTINED).order_by(AtsJob.id)


def metric_samples(db: Session, _now: datetime) -> Iterable[tuple[tuple[str, ...], int]]:
    """`jobmatch_quarantined_jobs`: quarantined jobs per integration (0 for an integration without any)."""
    rows = db.execute(
        select(Integration.id, Customer.slug, func.count(AtsJob.id))
        .join(Customer)
        .outerjoin(AtsJob, (AtsJob.integration_id == Integration.id) & QUARANTINED)
        .group_by(Integration.id, Customer.slug)
        .order_by(Integration.id)
    )
    for integration_id, slug, count in rows:
        yield (integration_id, slug), count


"""The outbound figures /metrics shows (jobmatch.api.metrics lists them): webhook deliveries by status, how long
the oldest undelivered event has waited, disabled endpoints, and feed fetches by outcome. Each reads the
database and yields (label values, value)."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobmatch.store.models import Customer, DeliveryStatus, Feed, FeedFetch, WebhookDelivery, WebhookEndpoint

Sample = tuple[tuple[str, ...], float]


def deliveries(db: Session, _now: datetime) -> Iterable[Sample]:
    """(customer, status)."""
    rows = db.execute(
        select(Customer.slug, WebhookDelivery.status, func.count())
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(Customer, Customer.id == WebhookEndpoint.customer_id)
        .group_by(Customer.slug, WebhookDelivery.status).order_by(Customer.slug, WebhookDelivery.status)
    )
    for slug, status, count in rows:
        yield (slug, status), count


def oldest_undelivered(db: Session, now: datetime) -> Iterable[Sample]:
    oldest = db.scalar(select(func.min(WebhookDelivery.occurred_at))
                       .where(WebhookDelivery.status == DeliveryStatus.PENDING))
    yield (), 0.0 if oldest is None else round(max(0.0, (now - oldest).total_seconds()), 3)


def endpoints_disabled(db: Session, _now: datetime) -> Iterable[Sample]:
    yield (), db.scalar(select(func.count()).where(WebhookEndpoint.disabled_at.is_not(None)))


def feed_fetches(db: Session, _now: datetime) -> Iterable[Sample]:
    """(customer, source, outcome)."""
    rows = db.execute(
        select(Customer.slug, Feed.source, FeedFetch.outcome, func.count())
        .join(Feed, Feed.id == FeedFetch.feed_id).join(Customer, Customer.id == Feed.customer_id)
        .where(FeedFetch.outcome.is_not(None))
        .group_by(Customer.slug, Feed.source, FeedFetch.outcome).order_by(Customer.slug, Feed.source, FeedFetch.outcome)
    )
    for slug, source, outcome, count in rows:
        yield (slug, source, outcome), count

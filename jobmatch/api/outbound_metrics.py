"""The outbound figures /metrics shows: webhook deliveries by status, how long the oldest undelivered event has
waited, disabled endpoints, and feed fetches by outcome. Each family is (name, type, help, samples), samples
being (labels, value), for the metrics module to expose."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobmatch.store.models import Customer, DeliveryStatus, Feed, FeedFetch, WebhookDelivery, WebhookEndpoint

Family = tuple[str, str, str, Iterable[tuple[dict[str, str], Any]]]


def families(db: Session, now: datetime) -> list[Family]:
    return [
        ("jobmatch_webhook_deliveries", "gauge",
         "Webhook deliveries per customer by status: pending (waiting for an attempt), delivered, failed "
         "(retried for three days).", _deliveries(db)),
        ("jobmatch_webhook_oldest_undelivered_seconds", "gauge",
         "Seconds since the oldest event still pending happened; 0 when none is.", [({}, _oldest(db, now))]),
        ("jobmatch_webhook_endpoints_disabled", "gauge", "Endpoints disabled after failing for three days.",
         [({}, db.scalar(select(func.count()).where(WebhookEndpoint.disabled_at.is_not(None))))]),
        ("jobmatch_feed_fetches_total", "counter", "Finished feed fetches per customer and source by outcome.",
         _fetches(db)),
    ]


def _deliveries(db: Session) -> Iterable[tuple[dict[str, str], int]]:
    rows = db.execute(
        select(Customer.slug, WebhookDelivery.status, func.count())
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(Customer, Customer.id == WebhookEndpoint.customer_id)
        .group_by(Customer.slug, WebhookDelivery.status).order_by(Customer.slug, WebhookDelivery.status)
    )
    for slug, status, count in rows:
        yield {"customer": slug, "status": status}, count


def _oldest(db: Session, now: datetime) -> float:
    oldest = db.scalar(select(func.min(WebhookDelivery.occurred_at))
                       .where(WebhookDelivery.status == DeliveryStatus.PENDING))
    return 0.0 if oldest is None else round(max(0.0, (now - oldest).total_seconds()), 3)


def _fetches(db: Session) -> Iterable[tuple[dict[str, str], int]]:
    rows = db.execute(
        select(Customer.slug, Feed.source, FeedFetch.outcome, func.count())
        .join(Feed, Feed.id == FeedFetch.feed_id).join(Customer, Customer.id == Feed.customer_id)
        .where(FeedFetch.outcome.is_not(None))
        .group_by(Customer.slug, Feed.source, FeedFetch.outcome).order_by(Customer.slug, Feed.source, FeedFetch.outcome)
    )
    for slug, source, outcome, count in rows:
        yield {"customer": slug, "source": source, "outcome": outcome}, count

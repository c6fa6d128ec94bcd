"""Sending the outbox: due deliveries are claimed in batches with a lease, signed (Standard Webhooks) and
posted; a 2xx answer ends one, anything else is retried with exponential backoff and jitter for three days.
Deliveries of one posting to one endpoint go in order: one waits while an earlier one is pending. A worker that
dies mid-attempt leaves its lease to expire; the delivery is then sent again, with the same webhook-id. The
lease covers an attempt's timeout; an attempt that outlasts it (connect, write and read each get 10 s) can be
sent twice, which receivers handle by deduplicating on webhook-id.
"""

import json
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import ColumnElement, Row, Select, bindparam, exists, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker
from standardwebhooks import Webhook

from jobmatch.api import outbound
from jobmatch.store.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from jobmatch.store.types import utcnow

log = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(days=3)  # a delivery is retried this long; an endpoint failing this long is disabled
MAX_DELAY = timedelta(hours=6)  # the longest wait between two attempts
LEASE = timedelta(seconds=outbound.TIMEOUT.read + 5)  # outlives an attempt, its timeout included
BATCH = 20  # claimed together: few statements per event, and a dead worker's batch waits one lease
MAX_ERROR = 500


@dataclass
class DrainResult:
    delivered: int = 0
    failed: int = 0
    next_retry_at: datetime | None = None  # the earliest retry this drain scheduled


def body(delivery: WebhookDelivery) -> str:
    """The event as sent, the same bytes on every attempt: type, when it happened, the posting."""
    posting = {"id": delivery.posting_id, **delivery.posting}
    return json.dumps({"type": delivery.type, "timestamp": delivery.occurred_at.isoformat().replace("+00:00", "Z"),
                       "data": {"posting": posting}}, separators=(",", ":"), ensure_ascii=False)


def headers(delivery: WebhookDelivery, secret: str, content: str, now: datetime) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": "jobmatch-webhooks",
        "webhook-id": delivery.event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(delivery.event_id, now, content),
    }


def retry_delay(attempts: int, first_seconds: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: first_seconds doubling, at most MAX_DELAY, each drawn
    from 80-120 % so that endpoints that failed together are not retried together."""
    seconds = min(first_seconds * 2.0 ** (attempts - 1), MAX_DELAY.total_seconds())
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


class Deliverer:
    def __init__(self, sessions: sessionmaker[Session], allow: frozenset[str], retry_seconds: int) -> None:
        self.sessions = sessions
        self.allow = allow
        self.retry_seconds = retry_seconds

    def drain(self, now: datetime | None = None) -> DrainResult:
        """Send every delivery that is due, a claimed batch at a time, until none is left; one client (and its
        connections) for the drain."""
        result = DrainResult()
        with outbound.client() as http:
            while batch := self._claim(now or utcnow()):
                self._send_batch(http, *batch, result)
        return result

    def _claim(self, now: datetime) -> tuple[datetime, list[Row[tuple[WebhookDelivery, WebhookEndpoint]]]] | None:
        """Lease a batch of due deliveries in one statement (another worker's claim of the same rows loses the
        race in the WHERE) and read them with their endpoints."""
        with self.sessions.begin() as session:
            ids = list(session.scalars(due(now).limit(BATCH)))
            if not ids:
                return None
            claimed_at = utcnow()
            claimed = list(session.scalars(
                update(_DELIVERIES)
                .where(_DELIVERIES.c.id.in_(ids), _DELIVERIES.c.status == DeliveryStatus.PENDING,
                       _lease_free(claimed_at))
                .values(lease_until=claimed_at + LEASE)
                .returning(_DELIVERIES.c.id)
            ))
            rows = session.execute(
                select(WebhookDelivery, WebhookEndpoint)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(WebhookDelivery.id.in_(claimed)).order_by(WebhookDelivery.id)
            ).all()
        return claimed_at, list(rows)

    def _send_batch(self, http: httpx.Client, claimed_at: datetime,
                    rows: list[Row[tuple[WebhookDelivery, WebhookEndpoint]]], result: DrainResult) -> None:
        """Attempt each delivery while the batch's lease still covers a whole attempt; release the rest (a slow
        endpoint used the time up) for the next claim. Successes are recorded together at the end."""
        last_start = claimed_at + LEASE - timedelta(seconds=outbound.TIMEOUT.read)
        delivered = []
        for position, (delivery, endpoint) in enumerate(rows):
            if utcnow() > last_start:
                self._release([d.id for d, _ in rows[position:]])
                break
            status, error = self._send(http, delivery, endpoint)
            if error is None:
                delivered.append({"b_id": delivery.id, "b_endpoint": endpoint.id, "b_status": status, "b_at": utcnow()})
            else:
                self._record_failure(delivery.id, endpoint.id, status, error, result)
        if delivered:
            self._record_delivered(delivered)
            result.delivered += len(delivered)

    def _send(self, http: httpx.Client, delivery: WebhookDelivery,
              endpoint: WebhookEndpoint) -> tuple[int | None, str | None]:
        content, now = body(delivery), utcnow()
        try:
            target = outbound.check(endpoint.url, self.allow)
            response = outbound.send(http, "POST", target, headers(delivery, endpoint.secret, content, now),
                                     content.encode())
        except outbound.OutboundRefused as refused:
            return None, f"refused: {refused}"
        except httpx.TimeoutException:
            return None, f"no answer within {outbound.TIMEOUT.read:.0f} s"
        except httpx.HTTPError as error:
            return None, f"{type(error).__name__}: {error}"[:MAX_ERROR]
        if response.is_success:
            return response.status_code, None
        return response.status_code, f"answered {response.status_code}"

    def _release(self, ids: list[int]) -> None:
        with self.sessions.begin() as session:
            session.execute(update(_DELIVERIES).where(_DELIVERIES.c.id.in_(ids)).values(lease_until=None))

    def _record_delivered(self, delivered: list[dict[str, object]]) -> None:
        with self.sessions.begin() as session:
            session.connection().execute(_DELIVERED, delivered)
            session.execute(update(_ENDPOINTS).where(
                _ENDPOINTS.c.id.in_({row["b_endpoint"] for row in delivered}), _ENDPOINTS.c.failing_since.is_not(None)
            ).values(failing_since=None))

    def _record_failure(self, delivery_id: int, endpoint_id: int, status: int | None, error: str,
                        result: DrainResult) -> None:
        now = utcnow()
        result.failed += 1
        with self.sessions.begin() as session:
            delivery = session.get_one(WebhookDelivery, delivery_id)
            endpoint = session.get_one(WebhookEndpoint, endpoint_id, with_for_update=True)
            delivery.attempts += 1
            delivery.last_attempt_at, delivery.last_status_code, delivery.last_error = now, status, error
            delivery.lease_until = None
            log.warning("webhook %s to endpoint %d failed (attempt %d): %s", delivery.event_id, endpoint_id,
                        delivery.attempts, error)
            endpoint.failing_since = endpoint.failing_since or now
            if endpoint.disabled_at is None and now - endpoint.failing_since >= GIVE_UP_AFTER:
                endpoint.disabled_at = now
                endpoint.disabled_reason = (f"every delivery failed since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC; "
                                            f"last: {error}")
                log.error("webhook endpoint %d disabled: %s", endpoint_id, endpoint.disabled_reason)
            if now - delivery.occurred_at >= GIVE_UP_AFTER:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
                return
            delivery.next_attempt_at = now + retry_delay(delivery.attempts, self.retry_seconds)
            if result.next_retry_at is None or delivery.next_attempt_at < result.next_retry_at:
                result.next_retry_at = delivery.next_attempt_at


_DELIVERIES, _ENDPOINTS = WebhookDelivery.__table__, WebhookEndpoint.__table__
_DELIVERED = (
    update(_DELIVERIES).where(_DELIVERIES.c.id == bindparam("b_id"))
    .values(status=DeliveryStatus.DELIVERED, attempts=_DELIVERIES.c.attempts + 1, last_attempt_at=bindparam("b_at"),
            delivered_at=bindparam("b_at"), last_status_code=bindparam("b_status"), last_error=None,
            next_attempt_at=None, lease_until=None)
)


def due(now: datetime) -> Select[tuple[int]]:
    """Ids of pending deliveries to send now, oldest first: their time has come, no worker holds them, their
    endpoint is enabled, and no earlier delivery of the same posting to the same endpoint is pending."""
    earlier = aliased(WebhookDelivery)
    return (
        select(WebhookDelivery.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= now,
            _lease_free(now), WebhookEndpoint.disabled_at.is_(None),
            ~exists().where(earlier.endpoint_id == WebhookDelivery.endpoint_id,
                            earlier.posting_id == WebhookDelivery.posting_id, earlier.id < WebhookDelivery.id,
                            earlier.status == DeliveryStatus.PENDING),
        )
        .order_by(WebhookDelivery.id)
    )


def _lease_free(now: datetime) -> ColumnElement[bool]:
    return or_(_DELIVERIES.c.lease_until.is_(None), _DELIVERIES.c.lease_until < now)

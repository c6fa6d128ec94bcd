"""Kombo webhooks: verify, deduplicate, and turn into sync requests or integration state.

Webhooks carry no job data; data-changed only says that a sync is worth running, sync-finished says how
Kombo's own sync of the ATS went. The HTTP route lives in the API; everything it decides is here.
"""

import base64
import hashlib
import hmac
import logging
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from jobmatch.store.db import insert_unless_exists
from jobmatch.store.models import Integration, SetupState, WebhookEvent
from jobmatch.store.types import utcnow

log = logging.getLogger(__name__)

JOB_MODELS = frozenset({"ats_jobs", "ats_job_postings", "ats_screening_questions", "ats_application_stages"})
USABLE_SYNC_STATES = frozenset({"SUCCEEDED", "PARTIALLY_FAILED"})
AUTHENTICATION_FAILED_REASON = (
    "Kombo could not read the ATS: the customer's credentials are invalid or lack permissions. "
    "Ask the customer to reconnect their ATS in Kombo or grant the missing permissions."
)


class WebhookPayloadError(ValueError):
    """The body is signed correctly but is not a webhook jobmatch understands; the message says what is missing."""


class WebhookOutcome(StrEnum):
    DUPLICATE = "duplicate"  # this event id was handled before
    SYNC_REQUESTED = "sync_requested"  # a sync of the integration is now queued (or already was)
    RECORDED = "recorded"  # integration state updated
    IGNORED = "ignored"  # unknown integration, unrelated models or event type


def sign(body: bytes, secret: str) -> str:
    """Kombo's signature: base64url HMAC-SHA256 of the raw body, without padding."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def verify_signature(body: bytes, signature: str | None, secret: str) -> bool:
    """Constant-time check of the `X-Kombo-Signature` header against the raw body."""
    if not signature or not secret:
        return False
    return hmac.compare_digest(sign(body, secret).encode(), signature.strip().encode())


def request_sync(session: Session, integration_id: str) -> bool:
    """Mark a sync of the integration as wanted. True when the caller must enqueue it; False when one is already
    queued and this request coalesces into it. Every sync run clears the flag as it starts (SyncRunner), so
    changes arriving during a run queue exactly one more."""
    result = session.execute(
        update(Integration)
        .where(Integration.id == integration_id, Integration.sync_requested.is_(False))
        .values(sync_requested=True)
    )
    return result.rowcount == 1


def handle_webhook(session: Session, payload: Any, *, enqueue_sync: Callable[[str], None]) -> WebhookOutcome:
    """Apply one verified webhook inside the caller's transaction; `enqueue_sync` is called at most once."""
    event_id, event_type, data = _parse(payload)
    integration_id = data.get("integration_id")
    if not isinstance(integration_id, str) or not integration_id:
        raise WebhookPayloadError("data.integration_id is missing or not a string")
    if not _first_time(session, event_id, event_type, integration_id):
        return WebhookOutcome.DUPLICATE
    integration = session.get(Integration, integration_id)
    if integration is None:
        log.warning("webhook %s for unknown integration %s ignored", event_id, integration_id)
        return WebhookOutcome.IGNORED
    if event_type == "data-changed":
        models = {m.get("name") for m in data.get("changed_models") or [] if isinstance(m, dict)}
        if not models & JOB_MODELS:
            return WebhookOutcome.IGNORED
        return _request(session, integration_id, enqueue_sync)
    if event_type == "sync-finished":
        state = data.get("sync_state")
        if not isinstance(state, str):
            raise WebhookPayloadError("data.sync_state is missing or not a string")
        integration.sync_state = state
        integration.sync_state_at = utcnow()
        if state == "AUTHENTICATION_FAILED":
            integration.needs_action_reason = AUTHENTICATION_FAILED_REASON
        elif state in USABLE_SYNC_STATES:
            integration.needs_action_reason = None
            if integration.setup_state == SetupState.WAITING:  # Kombo's first sync is done: data can be read now
                return _request(session, integration_id, enqueue_sync)
        return WebhookOutcome.RECORDED
    return WebhookOutcome.IGNORED


def _request(session: Session, integration_id: str, enqueue_sync: Callable[[str], None]) -> WebhookOutcome:
    if request_sync(session, integration_id):
        enqueue_sync(integration_id)
    return WebhookOutcome.SYNC_REQUESTED


def _parse(payload: Any) -> tuple[str, str, dict[str, Any]]:
    if not isinstance(payload, dict):
        raise WebhookPayloadError("the body must be a JSON object")
    event_id, event_type, data = payload.get("id"), payload.get("type"), payload.get("data")
    if not isinstance(event_id, str) or not event_id:
        raise WebhookPayloadError("id is missing or not a string")
    if not isinstance(event_type, str) or not event_type:
        raise WebhookPayloadError("type is missing or not a string")
    if not isinstance(data, dict):
        raise WebhookPayloadError("data is missing or not an object")
    return event_id, event_type, data


def _first_time(session: Session, event_id: str, event_type: str, integration_id: str) -> bool:
    """Record the event id; False when it was recorded before (also under a concurrent delivery)."""
    row = {"id": event_id, "type": event_type, "integration_id": integration_id, "received_at": utcnow()}
    return session.execute(insert_unless_exists(session, WebhookEvent.__table__.c.id, "id"), row).first() is not None

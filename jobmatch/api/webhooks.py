"""Kombo's webhooks: signed by Kombo rather than sent with an API key. The answer comes at once; the sync a
webhook asks for runs on the task queue."""

import json
import logging
from typing import Any

from flask import current_app, request
from sqlalchemy import delete

from jobmatch.api.database import session
from jobmatch.api.errors import fail
from jobmatch.api.schemas import ErrorSchema, WebhookAnswerSchema
from jobmatch.api.smorest import Blueprint
from jobmatch.api.tasks import current_tasks
from jobmatch.config import Settings
from jobmatch.store.models import WebhookEvent
from jobmatch.sync.webhooks import WebhookPayloadError, handle_webhook, verify_signature

log = logging.getLogger(__name__)

blp = Blueprint("webhooks", __name__, url_prefix="/webhooks", description="Webhooks from Kombo.")


def settings() -> Settings:
    return current_app.extensions["jobmatch.settings"]


@blp.route("/kombo", methods=["POST"])
@blp.doc(
    security=[],
    parameters=[{"in": "header", "name": "X-Kombo-Signature", "required": True, "schema": {"type": "string"},
                 "description": "base64url HMAC-SHA256 of the raw body, keyed with the webhook secret"}],
    requestBody={"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
)
@blp.response(200, WebhookAnswerSchema, description="Handled now or before (a repeated delivery).")
@blp.alt_response(400, schema=ErrorSchema, description="Signed, but not a webhook jobmatch understands.")
@blp.alt_response(401, schema=ErrorSchema, description="The signature is missing or wrong, or no secret is set.")
@blp.alt_response(503, schema=ErrorSchema, description="The sync could not be queued; Kombo delivers it again.")
@blp.errors(413)
def kombo_webhook() -> dict[str, Any]:
    """A data-changed webhook queues a sync of the integration (coalesced with one already queued); a
    sync-finished webhook records how Kombo's sync went and, after Kombo's first sync, queues ours."""
    body = request.get_data(cache=False)
    secret = settings().kombo_webhook_secret
    if not secret:
        fail(401, "webhooks are not accepted: KOMBO_WEBHOOK_SECRET is not set on this server")
    if not verify_signature(body, request.headers.get("X-Kombo-Signature"), secret):
        fail(401, "the X-Kombo-Signature header is missing or does not match the body")
    try:
        payload = json.loads(body)
    except ValueError as exc:  # includes bodies that are not UTF-8
        fail(400, f"the body is not JSON: {exc}")
    db = session()
    wanted: list[str] = []
    try:
        outcome = handle_webhook(db, payload, enqueue_sync=wanted.append)
    except WebhookPayloadError as exc:
        db.rollback()
        fail(400, f"not a Kombo webhook: {exc}")
    db.commit()  # before queueing: the sync must see what this webhook changed, and not wait for its lock
    for integration_id in wanted:
        try:
            current_tasks().enqueue_sync(integration_id)
        except Exception:
            log.exception("could not queue the sync of %s", integration_id)
            db.execute(delete(WebhookEvent).where(WebhookEvent.id == payload["id"]))  # so the redelivery counts
            db.commit()
            fail(503, "the sync could not be queued; deliver the webhook again later")
    return {"outcome": outcome.value, "sync_queued": bool(wanted)}

"""Webhook endpoints: where a customer's events go (Standard Webhooks), and what became of each delivery."""

import base64
import secrets
from typing import Any

from marshmallow import Schema, fields, validate, validates
from sqlalchemy import select

from jobmatch.api.auth import caller, requires
from jobmatch.api.database import session
from jobmatch.api.errors import fail
from jobmatch.api.outbound import MAX_URL, check_url_field
from jobmatch.api.outbox import ALL_EVENTS, EVENT_TYPES
from jobmatch.api.paging import MAX_ID, int_key, keyset_page
from jobmatch.api.schemas import PostingSchema
from jobmatch.api.smorest import Blueprint
from jobmatch.api.tasks import current_tasks
from jobmatch.store.models import DeliveryStatus, Role, WebhookDelivery, WebhookEndpoint, WebhookSubscription
from jobmatch.store.types import utcnow

blp = Blueprint("webhook_endpoints", __name__, url_prefix="/v1/webhook-endpoints",
                description="Endpoints the customer's events are sent to, signed by the Standard Webhooks spec.")


class EndpointInSchema(Schema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=MAX_URL),
                        metadata={"description": "https; its host must resolve to public addresses"})
    events = fields.List(fields.String(validate=validate.OneOf([ALL_EVENTS, *EVENT_TYPES])),
                         load_default=lambda: [ALL_EVENTS], validate=validate.Length(min=1, max=len(EVENT_TYPES)),
                         metadata={"description": f"event types, or ['*'] for all: {', '.join(EVENT_TYPES)}"})
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))

    @validates("url")
    def _public_https(self, url: str, **_: Any) -> None:
        check_url_field(url)


class EndpointSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    description = fields.String(allow_none=True)
    created_at = fields.DateTime()
    enabled = fields.Function(lambda endpoint: endpoint.disabled_at is None)
    failing_since = fields.DateTime(allow_none=True,
                                    metadata={"description": "first failed attempt since the last success"})
    disabled_at = fields.DateTime(allow_none=True, metadata={
        "description": "set when every delivery failed for three days; retrying a delivery enables it again"})
    disabled_reason = fields.String(allow_none=True)


class NewEndpointSchema(EndpointSchema):
    secret = fields.String(metadata={"description": "whsec_...: verifies the signatures; shown only now"})


class EndpointListSchema(Schema):
    items = fields.List(fields.Nested(EndpointSchema))


class DeliverySchema(Schema):
    id = fields.Integer()
    webhook_id = fields.String(attribute="event_id", metadata={"description": "the webhook-id header"})
    type = fields.String()
    posting_id = fields.Integer()
    occurred_at = fields.DateTime()
    status = fields.String(metadata={"description": ", ".join(DeliveryStatus.ALL)})
    attempts = fields.Integer()
    last_attempt_at = fields.DateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True, metadata={"description": "the endpoint's last answer"})
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)


class DeliveryPageSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "pass as `cursor` for the next page"})


class DeliveryQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(DeliveryStatus.ALL))
    cursor = fields.String(validate=validate.Length(max=100))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class EventPostingSchema(PostingSchema):
    class Meta:
        exclude = ("history",)


class WebhookEventDataSchema(Schema):
    posting = fields.Nested(EventPostingSchema,
                            metadata={"description": "the posting as GET shows it, without history, when it happened"})


class WebhookEventSchema(Schema):
    """What is POSTed to an endpoint, signed by the Standard Webhooks spec (headers webhook-id, the same on every
    retry, webhook-timestamp and webhook-signature)."""

    type = fields.String(validate=validate.OneOf(EVENT_TYPES))
    timestamp = fields.DateTime(metadata={"description": "when the change happened"})
    data = fields.Nested(WebhookEventDataSchema)


EVENT_CALLBACK = {"event": {"{$request.body#/url}": {"post": {
    "requestBody": {"required": True, "content": {"application/json": {"schema": WebhookEventSchema}}},
    "responses": {"2XX": {"description": "Received; any other answer, or none within 10 s, is retried."}},
}}}}


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@blp.route("", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(EndpointInSchema)
@blp.response(201, NewEndpointSchema)
@blp.doc(callbacks=EVENT_CALLBACK)
@blp.errors(400, 401, 403, 413)
def create_endpoint(body: dict[str, Any]) -> WebhookEndpoint:
    """Send the customer's events to a URL; the answer carries the signing secret, shown this once."""
    events = [ALL_EVENTS] if ALL_EVENTS in body["events"] else sorted(set(body["events"]))
    endpoint = WebhookEndpoint(customer_id=caller().customer_id, url=body["url"], description=body["description"],
                               secret=new_secret(),
                               subscriptions=[WebhookSubscription(event_type=kind) for kind in events])
    db = session()
    db.add(endpoint)
    db.commit()
    return endpoint


@blp.route("", methods=["GET"])
@requires(Role.ADMIN)
@blp.response(200, EndpointListSchema)
@blp.errors(401, 403)
def list_endpoints() -> dict[str, Any]:
    """The customer's endpoints, disabled ones with why."""
    return {"items": list(session().scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.customer_id == caller().customer_id).order_by(WebhookEndpoint.id)
    ))}


@blp.route("/<int:endpoint_id>", methods=["DELETE"])
@requires(Role.ADMIN)
@blp.response(204)
@blp.errors(401, 403, 404)
def delete_endpoint(endpoint_id: int) -> None:
    """Stop sending to the endpoint; its pending deliveries go with it."""
    db = session()
    db.delete(_owned(endpoint_id))
    db.commit()


@blp.route("/<int:endpoint_id>/deliveries", methods=["GET"])
@requires(Role.ADMIN)
@blp.arguments(DeliveryQuerySchema, location="query")
@blp.response(200, DeliveryPageSchema)
@blp.errors(401, 403, 404)
def list_deliveries(query: dict[str, Any], endpoint_id: int) -> dict[str, Any]:
    """The endpoint's deliveries, newest first: status, attempts, the last answer, the next try."""
    _owned(endpoint_id)
    statement = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if "status" in query:
        statement = statement.where(WebhookDelivery.status == query["status"])
    return keyset_page(statement.order_by(WebhookDelivery.id.desc()), WebhookDelivery.id, "delivery", query,
                       int_key, descending=True)


@blp.route("/<int:endpoint_id>/deliveries/<int:delivery_id>/retry", methods=["POST"])
@requires(Role.ADMIN)
@blp.response(202, DeliverySchema, description="Queued to be sent now.")
@blp.errors(401, 403, 404)
def retry_delivery(endpoint_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again now, whatever became of it (also a delivered one: receivers dedupe by
    webhook-id). A disabled endpoint is enabled again, and its waiting deliveries go too."""
    endpoint = _owned(endpoint_id)
    db = session()
    delivery = db.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id,
                                                       WebhookDelivery.endpoint_id == endpoint_id))
    if delivery is None:
        fail(404, f"delivery {delivery_id} of endpoint {endpoint_id} not found")
    delivery.status, delivery.next_attempt_at, delivery.delivered_at = DeliveryStatus.PENDING, utcnow(), None
    endpoint.disabled_at = endpoint.disabled_reason = endpoint.failing_since = None
    db.commit()
    current_tasks().outbound.deliver_soon()
    return delivery


def _owned(endpoint_id: int) -> WebhookEndpoint:
    endpoint = None if endpoint_id > MAX_ID else session().scalar(
        select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id,
                                      WebhookEndpoint.customer_id == caller().customer_id))
    if endpoint is None:
        fail(404, f"webhook endpoint {endpoint_id} not found")
    return endpoint


"""Job feeds: a customer's Indeed XML feed, fetched by the workers every JOBMATCH_FEED_MINUTES, its jobs the
postings of its source."""

import logging
from typing import Any

from marshmallow import Schema, fields, validate, validates
from sqlalchemy import exists, select

from jobmatch.api.auth import caller, requires
from jobmatch.api.database import session
from jobmatch.api.errors import fail
from jobmatch.api.outbound import MAX_URL, check_url_field
from jobmatch.api.paging import MAX_ID
from jobmatch.api.smorest import Blueprint
from jobmatch.api.tasks import current_tasks
from jobmatch.store.models import Feed, FeedOutcome, Role

log = logging.getLogger(__name__)

FORMATS = ("indeed",)

blp = Blueprint("feeds", __name__, url_prefix="/v1/feeds", description="Job feeds the workers fetch.")


class FeedInSchema(Schema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=MAX_URL),
                        metadata={"description": "https; its host must resolve to public addresses"})
    source = fields.String(required=True, validate=[validate.Length(min=1, max=64), validate.Regexp(r"^[^\x00]*$")],
                           metadata={"description": "the postings' source; one feed per source"})
    format = fields.String(required=True, validate=validate.OneOf(FORMATS))

    @validates("url")
    def _url(self, url: str, **_: Any) -> None:
        check_url_field(url)


class FeedFetchSchema(Schema):
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": f"{', '.join(FeedOutcome.ALL)}; null while running"})
    http_status = fields.Integer(allow_none=True)
    jobs = fields.Integer(metadata={"description": "jobs read"})
    created = fields.Integer()
    updated = fields.Integer(metadata={"description": "jobs stored already that changed, matched again; the "
                                                     "rest of the jobs read were unchanged"})
    refused = fields.Integer(metadata={"description": "jobs that failed their checks, skipped alone"})
    withdrawn = fields.Integer(metadata={"description": "postings the complete feed no longer lists"})
    error = fields.String(allow_none=True)


class FeedSchema(Schema):
    id = fields.Integer()
    url = fields.String()
    source = fields.String()
    format = fields.String()
    created_at = fields.DateTime()
    last_fetch = fields.Function(lambda feed: FeedFetchSchema().dump(feed.fetches[0]) if feed.fetches else None,
                                 metadata={"type": "object", "nullable": True, "description": "the latest fetch"})


class FeedListSchema(Schema):
    items = fields.List(fields.Nested(FeedSchema))


class FetchAnswerSchema(Schema):
    feed_id = fields.Integer()
    queued = fields.Boolean()


@blp.route("", methods=["POST"])
@requires(Role.ADMIN)
@blp.arguments(FeedInSchema)
@blp.response(201, FeedSchema)
@blp.errors(400, 401, 403, 409, 413)
def create_feed(body: dict[str, Any]) -> Feed:
    """Register a feed; the workers fetch it within a minute and then every JOBMATCH_FEED_MINUTES."""
    db, customer_id = session(), caller().customer_id
    if db.scalar(select(exists().where(Feed.customer_id == customer_id, Feed.source == body["source"]))):
        fail(409, f"a feed of source {body['source']} exists already: each source's postings come from one feed")
    feed = Feed(customer_id=customer_id, **body)
    db.add(feed)
    db.commit()
    return feed


@blp.route("", methods=["GET"])
@requires(Role.ADMIN)
@blp.response(200, FeedListSchema)
@blp.errors(401, 403)
def list_feeds() -> dict[str, Any]:
    """The customer's feeds with their latest fetch: a broken feed says here what broke."""
    return {"items": list(session().scalars(
        select(Feed).where(Feed.customer_id == caller().customer_id).order_by(Feed.id)))}


@blp.route("/<int:feed_id>/fetch", methods=["POST"])
@requires(Role.ADMIN)
@blp.response(202, FetchAnswerSchema, description="A fetch is queued for the workers.")
@blp.errors(401, 403, 404, 503)
def fetch_feed(feed_id: int) -> dict[str, Any]:
    """Fetch the feed now rather than at its next turn."""
    owned = None if feed_id > MAX_ID else session().scalar(
        select(Feed.id).where(Feed.id == feed_id, Feed.customer_id == caller().customer_id))
    if owned is None:
        fail(404, f"feed {feed_id} not found")
    try:
        current_tasks().outbound.fetch_feed_soon(feed_id)
    except Exception:
        log.exception("could not queue a fetch of feed %d", feed_id)
        fail(503, "the fetch could not be queued; try again later")
    return {"feed_id": feed_id, "queued": True}

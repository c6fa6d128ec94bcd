"""Postings: multiposters and back offices send them; the answer carries the decision and the candidates."""

import logging
from typing import Any

from flask import Response, current_app, jsonify, request
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from jobmatch.api import aliases, decisions, lookups
from jobmatch.api.auth import caller, requires
from jobmatch.api.database import session
from jobmatch.api.deactivation import linked_to_inactive_job
from jobmatch.api.errors import fail
from jobmatch.api.paging import MAX_ID, int_key, keyset_page
from jobmatch.api.pools import Pool, Pools
from jobmatch.api.schemas import (
    MAX_TITLE,
    PostingBatchInSchema,
    PostingBatchItemSchema,
    PostingBatchResultSchema,
    PostingInSchema,
    PostingPageSchema,
    PostingQuerySchema,
    PostingSchema,
)
from jobmatch.api.smorest import Blueprint
from jobmatch.api.versions import etag_header
from jobmatch.matcher import Posting as MatcherPosting
from jobmatch.matcher import title_key
from jobmatch.store.models import Posting, Role

log = logging.getLogger(__name__)

blp = Blueprint("postings", __name__, url_prefix="/v1/postings", description="Postings and their matches.")


def pools() -> Pools:
    return current_app.extensions["jobmatch.pools"]


def owned_posting(posting_id: int) -> Posting:
    """The caller's posting with its candidates and history; 404 for unknown ids and other customers' ones."""
    posting = None if posting_id > MAX_ID else session().scalar(
        select(Posting)
        .where(Posting.id == posting_id, Posting.customer_id == caller().customer_id)
        .options(joinedload(Posting.linked_job), selectinload(Posting.events))
    )
    if posting is None:
        fail(404, f"posting {posting_id} not found")
    return posting


def posted_title_key() -> str | None:
    """The title key of the posting in the request's JSON body, for the API key's query to read its learned
    aliases along (jobmatch.api.aliases): read before the body is checked, so it raises nothing, and none for a
    body that is no posting or larger than the app reads. The match compares it with the checked posting's."""
    length = request.content_length
    if not request.is_json or length is None or length > current_app.config["MAX_CONTENT_LENGTH"]:
        return None
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("title"), str) or len(body["title"]) > MAX_TITLE:
        return None
    try:
        return title_key(MatcherPosting.from_dict(body)) or None
    except ValueError:  # a field of the wrong type: the schema says which, once the key is checked
        return None


@blp.route("", methods=["POST"])
@requires(Role.POSTER, title_key=posted_title_key)
@blp.arguments(PostingInSchema)
@blp.response(201, PostingSchema, description="The posting is new; it was matched.")
@blp.alt_response(200, schema=PostingSchema, description="Known already (same source and external_id).")
@blp.errors(400, 401, 403, 413)
def create_posting(fields: dict[str, Any]) -> tuple[Posting, int]:
    """Store and match a posting; a repeat is answered with the same posting, matched again if it changed."""
    return store_posting(fields)


@blp.route("/batch", methods=["POST"])
@requires(Role.POSTER)
@blp.arguments(PostingBatchInSchema)
@blp.response(200, PostingBatchResultSchema)
@blp.errors(400, 401, 403, 413)
def create_postings(body: dict[str, Any]) -> Response:
    """Many postings in one request, each checked, stored and answered on its own (in order), as POST
    /v1/postings would: an invalid posting gets its 422 with the field errors and the others are stored. Each
    posting is committed before the next, so a request cut short has stored a prefix and can be sent again."""
    schema, item, results = PostingInSchema(), PostingBatchItemSchema(), []
    for raw in body["postings"]:
        try:
            fields = schema.load(raw)
        except ValidationError as error:
            results.append(item.dump({"status": 422, "posting": None, "errors": error.normalized_messages()}))
            continue
        posting, status = store_posting(fields)
        # answered as it is now: a later posting of the batch may change it again
        results.append(item.dump({"status": status, "posting": posting, "errors": None}))
    return jsonify(results=results)


def store_posting(fields: dict[str, Any]) -> tuple[Posting | dict[str, Any], int]:
    """`save_posting` for the request's caller, committed; identifiers the mirror may not know are looked up."""
    db, who = session(), caller()
    posting, status = save_posting(db, pools().index(db, who.customer_id, who.pool_versions), who.customer_id,
                                   who, fields, who.title_aliases)
    linked_job_id = posting["linked_job_id"] if isinstance(posting, dict) else posting.linked_job_id
    _look_up_unknown(who.customer_id, {**fields, "linked_job_id": linked_job_id})
    return posting, status


def save_posting(
    db: Session, index: Pool, customer_id: int, actor: decisions.Actor, fields: dict[str, Any],
    aliases_read: aliases.Read | None = None,
) -> tuple[Posting | dict[str, Any], int]:
    """Store and match a valid posting, committed; 201 when it is new, 200 when (source, external_id) is known
    already: then it is matched again if it changed or had been withdrawn. The posting is matched before it is
    known to be new: a repeat pays for a match it does not use, and a new one, the common case, saves the round
    trip of looking first. `aliases_read`: learned aliases read along with the API key."""
    created = decisions.store_new(db, customer_id, fields, index, aliases_read)
    if created is not None:
        db.commit()
        return created, 201
    posting = by_external_id(db, customer_id, fields["source"], fields["external_id"])
    if posting is None:  # cannot be: the insert met this row, or waited for the transaction inserting it to end
        raise RuntimeError(f"posting {fields['source']}/{fields['external_id']} is neither new nor stored")
    changed = [name for name, value in fields.items() if getattr(posting, name) != value]
    if changed or posting.withdrawn_at is not None:
        reason = f"changed: {', '.join(changed)}" if changed else "posted again after withdrawal"
        for name in changed:
            setattr(posting, name, fields[name])
        posting.withdrawn_at = None
        decisions.rematch(posting, index, actor, reason)
        db.commit()
    return posting, 200


def _look_up_unknown(customer_id: int, posting: dict[str, Any]) -> None:
    """An unlinked posting with an identifier the mirror may not know: ask Kombo for that job (see lookups).
    The posting is stored whatever happens here."""
    if posting["linked_job_id"] is not None or not lookups.wanted(posting):
        return
    try:
        current_app.extensions["jobmatch.tasks"].request_lookups(customer_id, posting)
    except Exception:
        log.exception("could not request a lookup of the identifiers of posting %s", posting.get("external_id"))


@blp.route("", methods=["GET"])
@requires(Role.POSTER, Role.REVIEWER)
@blp.arguments(PostingQuerySchema, location="query")
@blp.response(200, PostingPageSchema)
@blp.errors(401, 403)
def list_postings(query: dict[str, Any]) -> dict[str, Any]:
    """The caller's postings, oldest first, a page at a time."""
    statement = select(Posting).where(Posting.customer_id == caller().customer_id).order_by(Posting.id)
    if "decision" in query:
        statement = statement.where(Posting.decision == query["decision"])
    if "linked" in query:
        linked = Posting.linked_job_id.is_not(None)
        statement = statement.where(linked if query["linked"] else ~linked)
    if "withdrawn" in query:
        withdrawn = Posting.withdrawn_at.is_not(None)
        statement = statement.where(withdrawn if query["withdrawn"] else ~withdrawn)
    if "deactivated" in query:
        deactivated = linked_to_inactive_job()
        statement = statement.where(deactivated if query["deactivated"] else ~deactivated)
    return keyset_page(statement, Posting.id, "posting", query, int_key)


@blp.route("/<int:posting_id>", methods=["GET"])
@requires(Role.POSTER, Role.REVIEWER)
@blp.response(200, PostingSchema, headers={"ETag": {"description": "the posting's version, for If-Match",
                                                    "schema": {"type": "string"}}})
@blp.errors(401, 403, 404)
def get_posting(posting_id: int) -> tuple[Posting, dict[str, str]]:
    """A posting with its candidates, current link and decision history; its ETag names its version."""
    posting = owned_posting(posting_id)
    return posting, etag_header(posting)


@blp.route("/<int:posting_id>", methods=["DELETE"])
@requires(Role.POSTER)
@blp.response(204)
@blp.errors(401, 403, 404)
def withdraw_posting(posting_id: int) -> None:
    """The multiposter withdrew the posting; it stays readable, with `withdrawn_at` set."""
    posting = owned_posting(posting_id)
    decisions.withdraw(posting, caller())
    session().commit()


def by_external_id(db: Session, customer_id: int, source: str, external_id: str) -> Posting | None:
    return db.scalar(
        select(Posting).where(
            Posting.customer_id == customer_id, Posting.source == source, Posting.external_id == external_id
        )
    )

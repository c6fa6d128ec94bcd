"""Reviewers' decisions on a posting (link a job, reject one or say the job is not in the ATS, unlink, undo) and
the team's queue (the next posting, claimed). Every decision takes `If-Match` (see jobmatch.api.versions) and
ends the posting's claim."""

from collections.abc import Callable
from typing import Any

from flask import Response

from jobmatch.api import claims, decisions
from jobmatch.api.auth import caller, requires
from jobmatch.api.database import session
from jobmatch.api.errors import fail
from jobmatch.api.pools import customer_job
from jobmatch.api.postings import owned_posting, pools
from jobmatch.api.review_queue import QueueFilter
from jobmatch.api.schemas import LinkSchema, NextSchema, PostingSchema, RejectSchema
from jobmatch.api.smorest import Blueprint
from jobmatch.api.versions import decide, etag_header, expected_version
from jobmatch.store.models import AtsJob, Posting, Role

blp = Blueprint("review", __name__, url_prefix="/v1/postings", description="Reviewers' decisions.")
queue_blp = Blueprint("review_queue", __name__, url_prefix="/v1/review", description="The reviewers' queue.")

IF_MATCH = {"If-Match": {"description": "the posting's ETag as last read; 412 when it changed since",
                         "schema": {"type": "string"}}}
Answer = tuple[Posting, dict[str, str]]


@blp.route("/<int:posting_id>/link", methods=["POST"])
@requires(Role.REVIEWER)
@blp.arguments(LinkSchema)
@blp.response(200, PostingSchema)
@blp.errors(400, 401, 403, 404, 409, 412, 413)
def link_posting(body: dict[str, Any], posting_id: int) -> Answer:
    """Link the posting to a job of the customer: a candidate, or any job found by search."""
    return _decided(posting_id, lambda posting: decisions.link(posting, _job(body["job_id"]), caller()))


@blp.route("/<int:posting_id>/reject", methods=["POST"])
@requires(Role.REVIEWER)
@blp.arguments(RejectSchema)
@blp.response(200, PostingSchema)
@blp.errors(400, 401, 403, 404, 409, 412, 413)
def reject_posting(body: dict[str, Any], posting_id: int) -> Answer:
    """Reject a job (never suggested again for this posting) or, without `job_id`, say it is not in the ATS."""
    who = caller()

    def reject(posting: Posting) -> None:
        job = _job(body["job_id"]) if body["job_id"] is not None else None
        index = pools().index(session(), who.customer_id, who.pool_versions)
        decisions.reject(posting, job, body["reason"], who, index)

    return _decided(posting_id, reject)


@blp.route("/<int:posting_id>/unlink", methods=["POST"])
@requires(Role.REVIEWER)
@blp.response(200, PostingSchema)
@blp.errors(400, 401, 403, 404, 409, 412)
def unlink_posting(posting_id: int) -> Answer:
    """Remove the posting's link; it goes back to review."""
    return _decided(posting_id, unlink)


@blp.route("/<int:posting_id>/undo", methods=["POST"])
@requires(Role.REVIEWER)
@blp.response(200, PostingSchema)
@blp.errors(400, 401, 403, 404, 409, 412)
def undo_posting(posting_id: int) -> Answer:
    """Put the posting back as it was before its last decision, for the key that made it or an admin; 409
    when its last step is not a reviewer's decision."""
    return _decided(posting_id, undo)


def unlink(posting: Posting) -> None:
    if posting.linked_job_id is None:
        fail(409, f"posting {posting.id} is not linked")
    decisions.unlink(posting, caller())


def undo(posting: Posting) -> None:
    who = caller()
    try:
        decision = decisions.last_decision(posting)
    except decisions.NothingToUndo as nothing:
        fail(409, str(nothing))
    if who.role != Role.ADMIN and decision.actor_key_id != who.key_id:
        fail(403, f"the last decision on posting {posting.id} was {decision.actor_label}'s; only they or an admin "
                  "may undo it")
    decisions.undo(posting, who)


def decided(posting_id: int, apply: Callable[[Posting], None], expected: int | None) -> Posting:
    """Apply a reviewer's decision to the open posting at version `expected`, ending its claim; committed."""
    def apply_and_release(posting: Posting) -> None:
        apply(posting)
        claims.release(session(), posting.id)

    return decide(lambda: _open_posting(posting_id), apply_and_release, expected)


def _decided(posting_id: int, apply: Callable[[Posting], None]) -> Answer:
    posting = decided(posting_id, apply, expected_version())
    return posting, etag_header(posting)


@queue_blp.route("/next", methods=["POST"])
@requires(Role.REVIEWER)
@queue_blp.arguments(NextSchema, required=False)
@queue_blp.response(200, PostingSchema, description="The next posting, claimed for the caller's key.")
@queue_blp.alt_response(204, description="Nothing waits that someone else does not hold.")
@queue_blp.errors(400, 401, 403)
def next_posting(body: dict[str, Any] | None) -> Answer | Response:
    """Claim the caller's next posting for JOBMATCH_REVIEW_CLAIM_MINUTES: their own open claim, else the
    oldest waiting posting that no other key holds (the `skipped` ones only when no other is left)."""
    body = body or {}
    chosen = QueueFilter(source=body.get("source"), decision=body.get("decision"))
    found = claims.next_posting(session(), caller(), chosen, body.get("skipped") or ())
    if found is None:
        return Response(status=204)
    return found, etag_header(found)


@queue_blp.route("/claims/<int:posting_id>", methods=["DELETE"])
@requires(Role.REVIEWER)
@queue_blp.response(204)
@queue_blp.errors(401, 403, 404, 409)
def release_claim(posting_id: int) -> None:
    """Release the caller's claim on the posting (an admin: anyone's); nothing to release is no error."""
    posting, who, db = owned_posting(posting_id), caller(), session()
    held = claims.holder(db, posting.id)
    if held is not None and held[0] != who.key_id and who.role != Role.ADMIN:
        fail(409, f"posting {posting_id} is claimed by another reviewer; only they or an admin may release it")
    claims.release(db, posting.id, None if who.role == Role.ADMIN else who.key_id)
    db.commit()


def _open_posting(posting_id: int) -> Posting:
    posting = owned_posting(posting_id)
    if posting.withdrawn_at is not None:
        fail(409, f"posting {posting_id} was withdrawn; post it again to review it")
    return posting


def _job(job_id: str) -> AtsJob:
    job = customer_job(session(), caller().customer_id, job_id)
    if job is None:
        fail(404, f"ATS job {job_id} not found", {"json": {"job_id": ["no ATS job of this customer has this id"]}})
    return job

"""Reviewers' decisions on a posting: link a job, reject one (or say the job is not in the ATS), unlink."""

from typing import Any

from jobmatch.api import decisions
from jobmatch.api.auth import caller, requires
from jobmatch.api.database import session
from jobmatch.api.errors import fail
from jobmatch.api.pools import customer_job
from jobmatch.api.postings import owned_posting, pools
from jobmatch.api.schemas import LinkSchema, PostingSchema, RejectSchema
from jobmatch.api.smorest import Blueprint
from jobmatch.store.models import AtsJob, Posting, Role

blp = Blueprint("review", __name__, url_prefix="/v1/postings", description="Reviewers' decisions.")


@blp.route("/<int:posting_id>/link", methods=["POST"])
@requires(Role.REVIEWER)
@blp.arguments(LinkSchema)
@blp.response(200, PostingSchema)
@blp.errors(400, 401, 403, 404, 409, 413)
def link_posting(body: dict[str, Any], posting_id: int) -> Posting:
    """Link the posting to a job of the customer: a candidate, or any job found by search."""
    posting = _open_posting(posting_id)
    decisions.link(posting, _job(body["job_id"]), caller().prefix)
    session().commit()
    return posting


@blp.route("/<int:posting_id>/reject", methods=["POST"])
@requires(Role.REVIEWER)
@blp.arguments(RejectSchema)
@blp.response(200, PostingSchema)
@blp.errors(400, 401, 403, 404, 409, 413)
def reject_posting(body: dict[str, Any], posting_id: int) -> Posting:
    """Reject a job (never suggested again for this posting) or, without `job_id`, say it is not in the ATS."""
    posting = _open_posting(posting_id)
    job = _job(body["job_id"]) if body["job_id"] is not None else None
    db, who = session(), caller()
    decisions.reject(posting, job, body["reason"], who.prefix, pools().index(db, who.customer_id, who.pool_versions))
    db.commit()
    return posting


@blp.route("/<int:posting_id>/unlink", methods=["POST"])
@requires(Role.REVIEWER)
@blp.response(200, PostingSchema)
@blp.errors(401, 403, 404, 409)
def unlink_posting(posting_id: int) -> Posting:
    """Remove the posting's link; it goes back to review."""
    posting = _open_posting(posting_id)
    if posting.linked_job_id is None:
        fail(409, f"posting {posting_id} is not linked")
    decisions.unlink(posting, caller().prefix)
    session().commit()
    return posting


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

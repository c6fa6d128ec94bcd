"""The customer's mirrored ATS jobs for reviewers: search them, read one with its change history, and choose
which jobs matching may use (`exposed`)."""

import logging
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select, update
from sqlalchemy.orm import Session

from jobmatch.api.auth import caller, requires
from jobmatch.api.database import session
from jobmatch.api.errors import fail
from jobmatch.api.paging import keyset_page
from jobmatch.api.pools import customer_job
from jobmatch.api.postings import pools
from jobmatch.api.schemas import (
    AtsJobDetailSchema,
    AtsJobPageSchema,
    AtsJobQuerySchema,
    AtsJobSchema,
    BulkExposeResultSchema,
    BulkExposeSchema,
    ExposeSchema,
)
from jobmatch.api.smorest import Blueprint
from jobmatch.api.tasks import current_tasks
from jobmatch.matcher import Posting as Query
from jobmatch.store import feed
from jobmatch.store.models import AtsJob, Customer, Integration, JobChange, Role

log = logging.getLogger(__name__)
SEARCH_DEPTH = 500  # jobs the index ranks for a q when filters may drop some; they keep the best `limit`
IDENTIFIERS = ("job_code", "remote_id", "post_url")
FILTERS = (*IDENTIFIERS, "status", "exposed")
MAX_CHANGES = 500
UNKNOWN_SHOWN = 20  # unknown ids named in an error message; the details name all of them

blp = Blueprint("ats_jobs", __name__, url_prefix="/v1/ats-jobs", description="The customer's ATS jobs.")


@blp.route("", methods=["GET"])
@requires(Role.REVIEWER, Role.BACKOFFICE)
@blp.arguments(AtsJobQuerySchema, location="query")
@blp.response(200, AtsJobPageSchema)
@blp.errors(401, 403)
def list_jobs(query: dict[str, Any]) -> dict[str, Any]:
    """Without `q`: the jobs ordered by id, a page at a time. With `q`: the jobs whose title is most like it,
    best first, and those whose job code, remote id or post URL it is; then, while fewer than `limit` were
    found, the jobs whose title, job code or remote id contains it (a word half typed); `limit` at once."""
    if "q" in query:
        if "cursor" in query:
            fail(422, "a search answers its best results at once; `cursor` pages only the list without q",
                 {"query": {"cursor": ["not allowed with q"]}})
        return {"items": search_jobs(query), "next_cursor": None}
    return keyset_page(_filtered(query).order_by(AtsJob.id), AtsJob.id, "ats_job", query)


@blp.route("", methods=["PATCH"])
@requires(Role.REVIEWER)
@blp.arguments(BulkExposeSchema)
@blp.response(200, BulkExposeResultSchema)
@blp.errors(400, 401, 403, 404, 413)
def expose_jobs(body: dict[str, Any]) -> dict[str, Any]:
    """Expose (or hide) many jobs at once: all of them, or none when any id is not one of the customer's jobs."""
    ids = list(dict.fromkeys(body["ids"]))
    db, customer_id = session(), caller().customer_id
    known = set(db.scalars(
        select(AtsJob.id).where(AtsJob.id.in_(ids), AtsJob.integration_id.in_(_integrations(customer_id)))
    ))
    unknown = [job_id for job_id in ids if job_id not in known]
    if unknown:
        shown = ", ".join(unknown[:UNKNOWN_SHOWN]) + (f" and {len(unknown) - UNKNOWN_SHOWN} more"
                                                      if len(unknown) > UNKNOWN_SHOWN else "")
        fail(404, f"no ATS job of this customer has these ids, so nothing was changed: {shown}",
             {"json": {"ids": {"unknown": unknown}}})
    changed = set_exposed(db, customer_id, ids, body["exposed"])
    db.commit()
    rematch_if_matching_changed(db, customer_id, changed)
    return {"exposed": body["exposed"], "jobs": len(ids), "changed": changed}


@blp.route("/<string:job_id>", methods=["GET"])
@requires(Role.REVIEWER)
@blp.response(200, AtsJobDetailSchema)
@blp.errors(401, 403, 404)
def get_job(job_id: str) -> "_Annotated":
    """One job with what syncs changed in it, newest first."""
    job = _owned_job(job_id)
    changes = session().scalars(
        select(JobChange).where(JobChange.job_id == job.id).order_by(JobChange.id.desc()).limit(MAX_CHANGES)
    )
    return _Annotated(job, changes=list(changes))


@blp.route("/<string:job_id>", methods=["PATCH"])
@requires(Role.REVIEWER)
@blp.arguments(ExposeSchema)
@blp.response(200, AtsJobSchema)
@blp.errors(400, 401, 403, 404, 413)
def expose_job(body: dict[str, Any], job_id: str) -> AtsJob:
    """Expose the job to matching, or hide it from matching."""
    job = _owned_job(job_id)
    db = session()
    changed = set_exposed(db, caller().customer_id, [job.id], body["exposed"])
    db.commit()
    rematch_if_matching_changed(db, caller().customer_id, changed)
    db.refresh(job)
    return job


def search_jobs(query: dict[str, Any]) -> list["_Annotated"]:
    """Ranked by the matcher over every job of the customer; `q` is tried as a title and as each identifier (the
    matcher normalizes them, so a word that is no code simply finds nothing as one). When that finds fewer than
    `limit`, jobs containing `q` follow, by title, without a score: a reviewer's list narrows as they type."""
    db, customer_id, q, limit = session(), caller().customer_id, query["q"].strip(), query["limit"]
    index = pools().search_index(db, customer_id, caller().pool_versions)
    depth = SEARCH_DEPTH if any(name in query for name in FILTERS) else limit
    candidates = index.match(Query(title=q, job_code=q, remote_id=q, post_url=q if "/" in q else None),
                             limit=depth).candidates
    scores = {candidate.job_id: candidate.score for candidate in candidates if not candidate.weak}  # jobs containing
    # q say more to a reviewer typing than pieces of words alike
    found = {job.id: job for job in db.scalars(_filtered(query, ids=list(scores)))}
    hits = [_Annotated(found[job_id], score=score) for job_id, score in scores.items() if job_id in found][:limit]
    if len(hits) < limit:
        containing = db.scalars(
            _filtered(query).where(contains_text(q), AtsJob.id.not_in([hit.id for hit in hits]))
            .order_by(AtsJob.name, AtsJob.id).limit(limit - len(hits))
        )
        hits += [_Annotated(job, score=None) for job in containing]
    return hits


def contains_text(q: str) -> ColumnElement[bool]:
    """The job's title, job code or ATS id contains `q`, ignoring case (LIKE's wildcards in `q` are literal)."""
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(*(func.lower(column).like(f"%{escaped}%", escape="\\")
                 for column in (AtsJob.name, AtsJob.job_code, AtsJob.remote_id)))


class _Annotated:
    """A job with what an answer adds to it (a search score, the change history); the job's own attributes
    read through."""

    def __init__(self, job: AtsJob, **extra: Any) -> None:
        self._job = job
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._job, name)


def _filtered(query: dict[str, Any], ids: list[str] | None = None) -> Select[tuple[AtsJob]]:
    """The customer's jobs that pass the query's filters (and are among `ids`, when given), without the job JSON:
    answers show columns only. Ownership is written so that the planner starts from the selective index: the ids,
    or an identifier with its (integration_id, identifier) index; else the primary key, walked in the list's
    order, so that a page costs no sort of every job of the customer."""
    customer_id = caller().customer_id
    if ids is not None or any(name in query for name in IDENTIFIERS):
        ownership = AtsJob.integration_id.in_(_integrations(customer_id))
    else:
        ownership = exists().where(Integration.id == AtsJob.integration_id, Integration.customer_id == customer_id)
    statement = select(AtsJob).where(ownership)
    if ids is not None:
        statement = statement.where(AtsJob.id.in_(ids))
    for name in FILTERS:
        if name in query:
            statement = statement.where(getattr(AtsJob, name) == query[name])
    return statement


def _integrations(customer_id: int) -> Select[tuple[str]]:
    return select(Integration.id).where(Integration.customer_id == customer_id)


def _owned_job(job_id: str) -> AtsJob:
    job = customer_job(session(), caller().customer_id, job_id)
    if job is None:
        fail(404, f"ATS job {job_id} not found")
    return job


def rematch_if_matching_changed(db: Session, customer_id: int, changed: int) -> None:
    """After `set_exposed` committed: exposure decides what matches only for a customer who matches against
    exposed jobs alone, and then the waiting postings the jobs concern are re-matched, on the queue. Should the
    queue refuse, the safety net re-matches them (the customer's jobs version is ahead of its re-matching)."""
    if not changed or not db.scalar(select(Customer.match_exposed_only).where(Customer.id == customer_id)):
        return
    try:
        current_tasks().enqueue_rematch(customer_id, "ATS jobs exposed to matching or hidden from it")
    except Exception:
        log.exception("could not queue the re-match of customer %s after an exposure change", customer_id)


def set_exposed(db: Session, customer_id: int, ids: list[str], exposed: bool) -> int:
    """Set `exposed` on the customer's jobs among `ids`, stamping the changed ones with the customer's next jobs
    version, so that every process's pools of exposed jobs catch up with them (an exposed job may become anyone's
    candidate: its reach_version too). The version is taken first, as a sync page takes it before writing its
    jobs: both lock the customer's row before job rows, never the other way round."""
    version = feed.next_version(db, customer_id)
    return db.execute(
        update(AtsJob)
        .where(AtsJob.id.in_(ids), AtsJob.integration_id.in_(_integrations(customer_id)), AtsJob.exposed != exposed)
        .values(exposed=exposed, version=version, **({"reach_version": version} if exposed else {}))
        .execution_options(synchronize_session=False)
    ).rowcount

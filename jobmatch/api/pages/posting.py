"""One posting beside its candidates, and the reviewer's decisions on it. Decisions go through the same
`decisions` functions as the JSON API; after each one the reviewer moves on to the next posting."""

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from jobmatch.api import decisions
from jobmatch.api.ats_jobs import search_jobs
from jobmatch.api.auth import caller
from jobmatch.api.database import session
from jobmatch.api.deactivation import deactivation
from jobmatch.api.errors import fail
from jobmatch.api.pages import bp
from jobmatch.api.pages.queue import QueueFilter, next_posting
from jobmatch.api.pages.search import query_text
from jobmatch.api.pages.words import marked, normalized_words
from jobmatch.api.pools import customer_job
from jobmatch.api.postings import owned_posting, pools
from jobmatch.store.models import AtsJob, Integration, Posting

SEARCH_LIMIT = 10


@bp.route("/postings/<int:posting_id>")
def posting(posting_id: int) -> str:
    found = owned_posting(posting_id)
    jobs = {job.id: job for job in _jobs([c["job_id"] for c in found.candidates] + [found.linked_job_id])}
    posting_words = normalized_words(found.title)
    candidate_words = set().union(*(normalized_words(jobs[c["job_id"]].name) for c in found.candidates))
    linked = jobs.get(found.linked_job_id) if found.linked_job_id else None
    q = query_text(request.args)
    return render_template(
        "posting.html", posting=found, jobs=jobs, linked=linked, deactivated=deactivation(linked) if linked else None,
        title=marked(found.title, candidate_words) if found.candidates else marked(found.title, posting_words),
        job_titles={c["job_id"]: marked(jobs[c["job_id"]].name, posting_words) for c in found.candidates},
        chosen=QueueFilter.read(request.args), q=q, results=_results(q),
    )


@bp.route("/postings/<int:posting_id>/search")
def search(posting_id: int) -> str:
    """The search results alone, as an HTML fragment: the page's search box fetches it as the reviewer types."""
    found = owned_posting(posting_id)
    q = query_text(request.args)
    return render_template("_search_results.html", posting=found, q=q, chosen=QueueFilter.read(request.args),
                           results=_results(q))


@bp.route("/postings/<int:posting_id>/link", methods=["POST"])
def link(posting_id: int) -> Response:
    """Confirm a candidate, or link any job of the customer found by search."""
    found, job = _open_posting(posting_id), _job(request.form.get("job_id"))
    decisions.link(found, job, caller().prefix)
    session().commit()
    return _next(found, f"Linked to “{job.name}” ({_code(job)}).")


@bp.route("/postings/<int:posting_id>/reject", methods=["POST"])
def reject(posting_id: int) -> Response:
    """Reject one candidate (never suggested again; the posting is matched anew) or, without a job, say that
    none of the customer's jobs is the posting's job."""
    found = _open_posting(posting_id)
    job = _job(request.form["job_id"]) if request.form.get("job_id") else None
    db = session()
    decisions.reject(found, job, request.form.get("reason") or None, caller().prefix,
                     pools().index(db, caller().customer_id))
    db.commit()
    if job is None:
        return _next(found, "Marked as not in the ATS.")
    flash(f"Rejected “{job.name}” ({_code(job)}); it will not be suggested again for this posting.")
    return redirect(url_for("pages.posting", posting_id=found.id, **_chosen().args()))


@bp.route("/postings/<int:posting_id>/unlink", methods=["POST"])
def unlink(posting_id: int) -> Response:
    found = _open_posting(posting_id)
    if found.linked_job_id is None:
        fail(409, f"posting {posting_id} is not linked")
    decisions.unlink(found, caller().prefix)
    session().commit()
    flash("Unlinked; the posting is back in review.")
    return redirect(url_for("pages.posting", posting_id=found.id, **_chosen().args()))


def _results(q: str) -> list[Any] | None:
    """The search box's results, the JSON API's search; None while nothing was typed."""
    return search_jobs({"q": q, "limit": SEARCH_LIMIT}) if q else None


def _open_posting(posting_id: int) -> Posting:
    found = owned_posting(posting_id)
    if found.withdrawn_at is not None:
        fail(409, f"posting {posting_id} was withdrawn by its sender; there is nothing to decide")
    return found


def _job(job_id: str | None) -> AtsJob:
    if not job_id:
        fail(400, "choose a job: the form sent no job_id")
    job = customer_job(session(), caller().customer_id, job_id)
    if job is None:
        fail(404, f"ATS job {job_id} not found among this customer's jobs")
    return job


def _jobs(ids: list[str | None]) -> list[AtsJob]:
    wanted = [job_id for job_id in ids if job_id]
    return list(session().scalars(select(AtsJob).join(Integration).where(
        AtsJob.id.in_(wanted), Integration.customer_id == caller().customer_id)))


def _chosen() -> QueueFilter:
    return QueueFilter.read(request.form)


def _next(done: Posting, message: str) -> Response:
    flash(message)
    chosen = _chosen()
    following = next_posting(done.id, chosen)
    if following is None:
        flash("The queue is empty.")
        return redirect(url_for("pages.queue", **chosen.args()))
    return redirect(url_for("pages.posting", posting_id=following.id, **chosen.args()))


def _code(job: AtsJob) -> str:
    return job.job_code or job.remote_id or job.id

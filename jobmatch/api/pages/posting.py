"""One posting beside its candidates, and the reviewer's decisions on it. Decisions go through the JSON API's
own path (jobmatch.api.review.decided): the version the page showed is sent along, and a posting that changed
meanwhile is shown again with what changed instead of being overwritten. After each decision the reviewer gets
their next claimed posting, an Undo, and, after a confirmation, the same-looking postings to confirm at once.

A posting is shown for deciding only while it is the reviewer's claim (jobmatch.api.claims): opening one claims
it unless another reviewer holds it, and then it is shown without its decisions, saying who holds it. Moving on
(a decision, Skip, Next) claims the next posting, and Back claims again the last one the reviewer left, so two
reviewers moving through one queue never stand on the same posting."""

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask import session as cookie
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from jobmatch.api import claims, decisions, review
from jobmatch.api.ats_jobs import search_jobs
from jobmatch.api.auth import caller
from jobmatch.api.database import session
from jobmatch.api.deactivation import deactivation
from jobmatch.api.errors import fail
from jobmatch.api.pages import bp
from jobmatch.api.pages.alike import alike_waiting
from jobmatch.api.pages.search import query_text
from jobmatch.api.pages.words import marked, normalized_words
from jobmatch.api.pools import customer_job
from jobmatch.api.postings import owned_posting, pools
from jobmatch.api.review_queue import QueueFilter
from jobmatch.api.schemas import MAX_SKIPPED
from jobmatch.api.versions import expected_version
from jobmatch.store.models import ApiKey, AtsJob, Integration, Posting

SEARCH_LIMIT = 10
TRAIL = 20  # postings the reviewer left, most recent first, that Back returns to


@bp.route("/postings/<int:posting_id>")
def posting(posting_id: int) -> str:
    found = owned_posting(posting_id)
    deciding = found.withdrawn_at is None and claims.claim(session(), caller(), found.id)
    jobs = {job.id: job for job in _jobs([c["job_id"] for c in found.candidates] + [found.linked_job_id])}
    posting_words = normalized_words(found.title)
    candidate_words = set().union(*(normalized_words(jobs[c["job_id"]].name) for c in found.candidates))
    linked = jobs.get(found.linked_job_id) if found.linked_job_id else None
    q = query_text(request.args)
    return render_template(
        "posting.html", posting=found, jobs=jobs, linked=linked, deactivated=deactivation(linked) if linked else None,
        title=marked(found.title, candidate_words) if found.candidates else marked(found.title, posting_words),
        job_titles={c["job_id"]: marked(jobs[c["job_id"]].name, posting_words) for c in found.candidates},
        job_states={job_id: deactivation(job) for job_id, job in jobs.items()},
        chosen=QueueFilter.read(request.args), q=q, results=_results(q), deciding=deciding,
        held_by=None if deciding else _held_by(found.id),
        changed=_changed_since(found, request.args.get("changed_since")),
        confirming=_confirming(found) if deciding else None,
        seen=found.events[-1].id if found.events else 0,
    )


@bp.route("/postings/<int:posting_id>/search")
def search(posting_id: int) -> str:
    """The search results alone, as an HTML fragment: the page's search box fetches it as the reviewer types."""
    found = owned_posting(posting_id)
    q = query_text(request.args)
    return render_template("_search_results.html", posting=found, q=q, chosen=QueueFilter.read(request.args),
                           results=_results(q), job_states={})


@bp.route("/postings/<int:posting_id>/link", methods=["POST"])
def link(posting_id: int) -> Response:
    """Confirm a candidate, or link any job of the customer found by search. A job that takes no applications
    (closed, archived, deleted, ...) is linked only once the reviewer confirmed it a second time."""
    owned_posting(posting_id)  # an unknown posting is not found before an unknown job
    job = _job(request.form.get("job_id"))
    if deactivation(job) is not None and not request.form.get("inactive_ok"):
        return redirect(url_for("pages.posting", posting_id=posting_id, confirm=job.id,
                                version=request.form.get("version", ""), **_chosen().args()))
    found = _decide(posting_id, lambda posting: decisions.link(posting, job, caller()))
    cookie["alike"] = {"job_id": job.id, "name": job.name,
                       "postings": [[p.id, p.version] for p in alike_waiting(found, job.id)]}
    return _next(f"Linked to “{job.name}” ({_code(job)}).", found.id)


@bp.route("/postings/<int:posting_id>/reject", methods=["POST"])
def reject(posting_id: int) -> Response:
    """Reject one candidate (never suggested again; the posting is matched anew) or, without a job, say that
    none of the customer's jobs is the posting's job."""
    owned_posting(posting_id)
    job = _job(request.form["job_id"]) if request.form.get("job_id") else None
    who = caller()
    index = pools().index(session(), who.customer_id)
    found = _decide(posting_id, lambda posting: decisions.reject(
        posting, job, request.form.get("reason") or None, who, index))
    if job is None:
        return _next("Marked as not in the ATS.", found.id)
    flash(f"Rejected “{job.name}” ({_code(job)}); it will not be suggested again for this posting.")
    return redirect(url_for("pages.posting", posting_id=found.id, **_chosen().args()))


@bp.route("/postings/<int:posting_id>/unlink", methods=["POST"])
def unlink(posting_id: int) -> Response:
    found = _decide(posting_id, review.unlink)
    flash("Unlinked; the posting is back in review.")
    return redirect(url_for("pages.posting", posting_id=found.id, **_chosen().args()))


@bp.route("/postings/<int:posting_id>/undo", methods=["POST"])
def undo(posting_id: int) -> Response:
    found = _decide(posting_id, review.undo)
    cookie.pop("undo", None)
    cookie.pop("alike", None)
    flash(f"Undone: #{found.id} is back as it was before your decision.")
    return redirect(url_for("pages.posting", posting_id=found.id, **_chosen().args()))


@bp.route("/postings/<int:posting_id>/skip", methods=["POST"])
def skip(posting_id: int) -> Response:
    """Leave the posting for someone else: the claim ends, and it comes back only when no other one waits."""
    owned_posting(posting_id)
    db = session()
    claims.release(db, posting_id, caller().key_id)
    db.commit()
    cookie["skipped"] = [posting_id, *(done for done in cookie.get("skipped", []) if done != posting_id)][:MAX_SKIPPED]
    _left(posting_id)
    return _claim_next(_chosen())


@bp.route("/postings/<int:posting_id>/forward", methods=["POST"])
def forward(posting_id: int) -> Response:
    """Next (j): the first posting after this one in the queue that no other reviewer holds, claimed; this one
    is released and kept for Back."""
    owned_posting(posting_id)
    chosen = _chosen()
    following = claims.following(session(), caller(), chosen, posting_id)
    if following is None:
        flash(f"Nothing after #{posting_id} waits here that another reviewer is not working on.")
        return redirect(url_for("pages.posting", posting_id=posting_id, **chosen.args()))
    _left(posting_id)
    return redirect(url_for("pages.posting", posting_id=following.id, **chosen.args()))


@bp.route("/postings/<int:posting_id>/back", methods=["POST"])
def back(posting_id: int) -> Response:
    """Back (k): the last posting the reviewer left (decided, skipped or passed), claimed again, passing over
    those another reviewer holds now."""
    owned_posting(posting_id)
    chosen, db, who = _chosen(), session(), caller()
    trail, passed = list(cookie.get("trail", [])), []
    while trail:
        previous = trail.pop(0)
        known = db.scalar(select(Posting.id).where(Posting.id == previous, Posting.customer_id == who.customer_id))
        if known is None or previous == posting_id:
            continue
        if claims.claim(db, who, previous):
            cookie["trail"] = trail
            if passed:
                flash(f"Passed over {', '.join(passed)}: another reviewer is working on it now.")
            return redirect(url_for("pages.posting", posting_id=previous, **chosen.args()))
        passed.append(f"#{previous} ({_held_by(previous)})")
    cookie["trail"] = []
    flash("No posting you left before this one is free to go back to"
          + (f": {', '.join(passed)} another reviewer is working on." if passed else "."))
    return redirect(url_for("pages.posting", posting_id=posting_id, **chosen.args()))


@bp.route("/next", methods=["POST"])
def next_one() -> Response:
    """The reviewer's next posting, claimed for them: the queue's "Start" and "Next"."""
    return _claim_next(_chosen())


@bp.route("/alike", methods=["POST"])
def confirm_alike() -> Response:
    """Confirm the same job for the same-looking postings offered after a confirmation, each only while it is
    at the version it was offered at."""
    offered = cookie.pop("alike", None)
    chosen = {int(value) for value in request.form.getlist("posting_id") if value.isdigit()}
    if not offered or not chosen:
        fail(400, "nothing to confirm: the offer was used already, or no posting was ticked")
    job = _job(offered["job_id"])
    linked, changed = 0, []
    for posting_id, version in offered["postings"]:
        if posting_id not in chosen:
            continue
        try:
            review.decided(posting_id, lambda posting: decisions.link(posting, job, caller()), version)
            linked += 1
        except HTTPException:  # changed, withdrawn or gone since it was offered: left as it is
            session().rollback()
            changed.append(f"#{posting_id}")
    flash(f"Linked {linked} more posting{'s' if linked != 1 else ''} to “{job.name}”."
          + (f" Left alone, as they changed since: {', '.join(changed)}." if changed else ""))
    return redirect(request.form.get("back") if _own_path(request.form.get("back")) else url_for("pages.queue"))


@bp.errorhandler(412)
def changed_meanwhile(exc: HTTPException) -> Response:
    """Another decision (or a new match) came first: show the posting as it is now, and what changed."""
    posting_id = request.view_args.get("posting_id") if request.view_args else None
    if posting_id is None:
        return render_template("error.html", status=412, title="Changed", message=exc.description), 412
    flash("Nothing was saved: this posting changed while you looked at it. Here it is as it is now.")
    return redirect(url_for("pages.posting", posting_id=posting_id, changed_since=request.form.get("seen", "0"),
                            **_chosen().args()))


def _decide(posting_id: int, apply: Callable[[Posting], None]) -> Posting:
    found = review.decided(posting_id, apply, expected_version(request.form.get("version", "")))
    if apply is not review.undo:
        cookie["undo"] = {"posting_id": found.id, "title": found.title}
    return found


def _claim_next(chosen: QueueFilter) -> Response:
    following = claims.next_posting(session(), caller(), chosen, cookie.get("skipped", []))
    if following is None:
        flash("The queue is empty: nothing waits that another reviewer is not working on.")
        return redirect(url_for("pages.queue", **chosen.args()))
    return redirect(url_for("pages.posting", posting_id=following.id, **chosen.args()))


def _next(message: str, decided: int) -> Response:
    flash(message)
    _left(decided)
    return _claim_next(_chosen())


def _left(posting_id: int) -> None:
    """Remember that the reviewer left this posting, for Back."""
    cookie["trail"] = [posting_id, *(done for done in cookie.get("trail", []) if done != posting_id)][:TRAIL]


def _results(q: str) -> list[Any] | None:
    """The search box's results, the JSON API's search; None while nothing was typed."""
    return search_jobs({"q": q, "limit": SEARCH_LIMIT}) if q else None


def _held_by(posting_id: int) -> str | None:
    """The name of another reviewer working on the posting now, if one is."""
    held = claims.holder(session(), posting_id)
    if held is None or held[0] == caller().key_id:
        return None
    key = session().get(ApiKey, held[0])
    return f"{key.label if key else 'another reviewer'} (until {held[1]:%H:%M} UTC)"


def _changed_since(found: Posting, seen: str | None) -> list[Any] | None:
    """The steps recorded after the last one the reviewer had seen; None unless the page was asked for them."""
    if seen is None or not seen.isdigit():
        return None
    return [event for event in found.events if event.id > int(seen)]


def _confirming(found: Posting) -> dict[str, Any] | None:
    """The job a reviewer asked to confirm though it takes no applications, with why, and the version shown."""
    job_id = request.args.get("confirm")
    job = customer_job(session(), caller().customer_id, job_id) if job_id else None
    state = deactivation(job) if job is not None else None
    if state is None:
        return None
    rank = next((c["rank"] for c in found.candidates if c["job_id"] == job.id), None)
    return {"job": job, "state": state, "rank": rank, "version": request.args.get("version") or found.version}


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


def _own_path(target: str | None) -> bool:
    return bool(target) and target.startswith("/review/") and not target.startswith("//")


def _code(job: AtsJob) -> str:
    return job.job_code or job.remote_id or job.id

"""What happens to a stored posting: matching, reviewers' link/reject/unlink, withdrawal; each step recorded.

A reviewer's verdict (linked, rejected) stands through later re-matches, which only refresh the candidates;
jobs a reviewer rejected are never suggested again for that posting.
"""

from functools import cache
from typing import Any, Protocol

from sqlalchemy import Insert, bindparam, insert, select
from sqlalchemy.orm import Session, object_session

from jobmatch.matcher import Candidate, JobIndex, Location, MatchResult
from jobmatch.matcher import Posting as MatcherPosting
from jobmatch.store.db import insert_unless_exists, on_its_own
from jobmatch.store.models import AtsJob, Posting, PostingAction, PostingDecision, PostingEvent
from jobmatch.store.types import utcnow

CANDIDATES = 5
SYSTEM = "system"
REVIEWER_METHOD = "reviewer"
_POSTINGS, _EVENTS = Posting.__table__, PostingEvent.__table__
_POSTING_KEY = ("customer_id", "source", "external_id")  # what identifies a posting: its unique constraint
_INSERT_EVENTS = insert(_EVENTS)
_RESTORED = ("decision", "linked_job_id", "link_method", "link_evidence", "candidates")  # what undo puts back


class Person(Protocol):
    """An API key acting (jobmatch.api.auth.Caller): recorded by prefix, id and its holder's name."""

    prefix: str
    key_id: int | None
    name: str | None


Actor = Person | str  # a key, or a word like "system"


class NothingToUndo(Exception):
    """The posting's last step is not a decision a reviewer can take back; the message says what it is."""


def store_new(session: Session, customer_id: int, fields: dict[str, Any], index: JobIndex) -> dict[str, Any] | None:
    """Match a posting and store it with its candidates and, when linked automatically, that event, written as
    rows rather than ORM objects since every multiposter's posting passes here. None when the customer's
    (source, external_id) is stored already, also by a concurrent request; nothing is written then. Returns the
    posting as the API shows it, from the values in hand."""
    result = index.match(_matcher_posting(fields), limit=CANDIDATES)
    now, linked = utcnow(), _auto_link(result)
    row = {
        **fields, "customer_id": customer_id, "decision": result.decision, "withdrawn_at": None,
        "linked_job_id": linked.job_id if linked else None, "link_method": linked.method if linked else None,
        "link_evidence": list(linked.reasons) if linked else None, "candidates": _candidate_rows(result),
        "created_at": now, "updated_at": now, "version": 1,
    }
    event = None
    if linked:
        event = {"action": PostingAction.AUTO_LINKED, "actor": SYSTEM, "job_id": linked.job_id,
                 "reason": _evidence(linked), "at": now}
    posting_id = _write_new(session, row, event)
    if posting_id is None:
        return None
    # only an active job is linked automatically, so a new posting's link always takes applications
    events = [{**event, "posting_id": posting_id, "actor_name": None}] if event else []
    return {**row, "id": posting_id, "events": events, "deactivated_in_ats": None, "can_apply": linked is not None}


def _write_new(session: Session, row: dict[str, Any], event: dict[str, Any] | None) -> int | None:
    """Insert the posting unless the customer's (source, external_id) is stored, and its auto-link event; the
    new posting's id, or None. On PostgreSQL one statement (the posting's INSERT inside a WITH) committed as it
    runs: one round trip, where BEGIN, two INSERTs and COMMIT take four. SQLite, in process, has no round trips
    to spare and cannot put an INSERT in a WITH: both go into the session's transaction, which the caller
    commits."""
    new_posting = insert_unless_exists(session, _POSTINGS.c.id, *_POSTING_KEY)
    if session.get_bind().dialect.name != "postgresql":
        posting_id = session.execute(new_posting, row).scalar()
        if posting_id is not None and event is not None:
            session.execute(_INSERT_EVENTS, {**event, "posting_id": posting_id})
        return posting_id
    with on_its_own(session) as connection:
        if event is None:
            return connection.execute(new_posting, row).scalar()
        events = {f"event_{name}": value for name, value in event.items()}
        return connection.execute(_with_event(new_posting), {**row, **events}).scalar()


@cache
def _with_event(new_posting: Insert) -> Insert:
    """PostgreSQL: WITH new_posting AS (`new_posting`, its values as bind parameters) INSERT INTO posting_events
    SELECT new_posting.id, ... RETURNING posting_id; no row when the posting is stored already."""
    new = new_posting.values({column.key: bindparam(column.key, type_=column.type, required=False)
                              for column in _POSTINGS.c if column.key != "id"}).cte("new_posting")
    fields = ("action", "actor", "job_id", "reason", "at")
    event = select(new.c.id, *(bindparam(f"event_{name}", type_=_EVENTS.c[name].type) for name in fields))
    return insert(_EVENTS).from_select(["posting_id", *fields], event).returning(_EVENTS.c.posting_id)


def match(posting: Posting, index: JobIndex) -> None:
    """Store the candidates of a fresh match and, unless a reviewer decided, the matcher's decision. A match
    that finds what the posting holds already writes nothing, so its version stays (jobmatch.api.versions)."""
    result = index.match(_matcher_posting(posting), limit=CANDIDATES, exclude=rejected_jobs(posting))
    candidates = _candidate_rows(result)
    if candidates != posting.candidates:
        posting.candidates = candidates
        posting.updated_at = utcnow()
    if posting.decision in PostingDecision.BY_REVIEWER:
        return
    linked = _auto_link(result)
    if linked is not None:
        if posting.linked_job_id != linked.job_id:
            _set_link(posting, linked.job_id, linked.method, list(linked.reasons))
            _record(posting, PostingAction.AUTO_LINKED, SYSTEM, linked.job_id, _evidence(linked))
    elif posting.linked_job_id is not None:
        _record(posting, PostingAction.UNLINKED, SYSTEM, posting.linked_job_id, "the new match no longer links it")
        _set_link(posting, None, None, None)
    posting.decision = result.decision


def rematch(posting: Posting, index: JobIndex, actor: Actor, reason: str) -> None:
    _record(posting, PostingAction.REMATCHED, actor, None, reason)
    match(posting, index)


def link(posting: Posting, job: AtsJob, actor: Actor) -> None:
    """A reviewer confirms the job (a candidate or any job of the customer); repeating it changes nothing."""
    if posting.decision == PostingDecision.LINKED and posting.linked_job_id == job.id:
        return
    before = _state(posting)
    evidence = next((list(c["reasons"]) for c in posting.candidates if c["job_id"] == job.id), [])
    _set_link(posting, job.id, REVIEWER_METHOD, evidence)
    posting.decision = PostingDecision.LINKED
    _record(posting, PostingAction.LINKED, actor, job.id, None, before=before)


def reject(posting: Posting, job: AtsJob | None, reason: str | None, actor: Actor, index: JobIndex) -> None:
    """Reject one job (never suggested again; the posting is matched anew without it), or, without a job,
    say the posting's job is not in the ATS at all."""
    _record(posting, PostingAction.REJECTED, actor, job.id if job else None, reason, before=_state(posting))
    if job is None:
        _set_link(posting, None, None, None)
        posting.decision = PostingDecision.REJECTED
        posting.updated_at = utcnow()
        return
    if posting.linked_job_id == job.id:
        _set_link(posting, None, None, None)
        posting.decision = PostingDecision.NEEDS_REVIEW  # the verdict was about this job: let the matcher decide
    match(posting, index)


def unlink(posting: Posting, actor: Actor) -> None:
    _record(posting, PostingAction.UNLINKED, actor, posting.linked_job_id, None, before=_state(posting))
    _set_link(posting, None, None, None)
    posting.decision = PostingDecision.NEEDS_REVIEW if posting.candidates else PostingDecision.NO_MATCH


def last_decision(posting: Posting) -> PostingEvent:
    """The reviewer's decision an undo would take back: the posting's last step, if it is one."""
    last = posting.events[-1] if posting.events else None
    if last is None or last.action not in PostingAction.BY_REVIEWER or last.before is None:
        what = "nothing happened to it yet" if last is None else f"its last step was {last.action.replace('_', ' ')}"
        raise NothingToUndo(f"posting {posting.id} has no decision to undo: {what}")
    return last


def undo(posting: Posting, actor: Actor) -> PostingEvent:
    """Put the posting back as it was before its last decision (candidates too), recorded as a step of its own."""
    decision = last_decision(posting)
    before = decision.before or {}
    _set_link(posting, before["linked_job_id"], before["link_method"], before["link_evidence"])
    posting.decision, posting.candidates = before["decision"], before["candidates"]
    _record(posting, PostingAction.UNDONE, actor, decision.job_id, f"undid {decision.action}", undoes=decision)
    return decision


def withdraw(posting: Posting, actor: Actor) -> None:
    if posting.withdrawn_at is None:
        posting.withdrawn_at = posting.updated_at = utcnow()
        _record(posting, PostingAction.WITHDRAWN, actor, None, None)


def rejected_jobs(posting: Posting) -> set[str]:
    """Jobs rejected for this posting and not linked by a reviewer since."""
    rejected: set[str] = set()
    undone = {event.undoes_id for event in posting.events if event.undoes_id is not None}
    for event in posting.events:
        if event.job_id is None or event.id in undone:
            continue
        if event.action == PostingAction.REJECTED:
            rejected.add(event.job_id)
        elif event.action == PostingAction.LINKED:
            rejected.discard(event.job_id)
    return rejected


def _auto_link(result: MatchResult) -> Candidate | None:
    return result.best if result.decision == PostingDecision.AUTO_LINKED else None


def _evidence(candidate: Candidate) -> str:
    return "; ".join(candidate.reasons)


def _candidate_rows(result: MatchResult) -> list[dict[str, Any]]:
    return [
        {"job_id": c.job_id, "rank": rank, "score": c.score, "method": c.method, "reasons": list(c.reasons),
         "active": c.active}
        for rank, c in enumerate(result.candidates, start=1)
    ]


def _matcher_posting(posting: Posting | dict[str, Any]) -> MatcherPosting:
    """The matcher's view of a stored posting, or of a posting's validated fields."""
    fields = posting if isinstance(posting, dict) else {name: getattr(posting, name) for name in _MATCHED_FIELDS}
    location = fields.get("location")
    return MatcherPosting(
        title=fields["title"],
        job_code=fields.get("job_code"),
        remote_id=fields.get("remote_id"),
        post_url=fields.get("post_url"),
        location=Location(**location) if location else None,
        department=fields.get("department"),
        employment_type=fields.get("employment_type"),
    )


_MATCHED_FIELDS = ("title", "job_code", "remote_id", "post_url", "location", "department", "employment_type")


def _set_link(posting: Posting, job_id: str | None, method: str | None, evidence: list[str] | None) -> None:
    if job_id != posting.linked_job_id and (session := object_session(posting)) is not None:
        session.expire(posting, ["linked_job"])  # read again, for the new id, when the answer needs it
    posting.linked_job_id, posting.link_method, posting.link_evidence = job_id, method, evidence
    posting.updated_at = utcnow()


def _state(posting: Posting) -> dict[str, Any]:
    return {name: getattr(posting, name) for name in _RESTORED}


def _record(posting: Posting, action: str, actor: Actor, job_id: str | None, reason: str | None, *,
            before: dict[str, Any] | None = None, undoes: PostingEvent | None = None) -> None:
    who = {"actor": actor} if isinstance(actor, str) else {
        "actor": actor.prefix, "actor_key_id": actor.key_id, "actor_name": actor.name}
    posting.events.append(PostingEvent(action=action, job_id=job_id, reason=reason, at=utcnow(), before=before,
                                       undoes_id=undoes.id if undoes else None, **who))

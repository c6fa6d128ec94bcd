"""What happens to a stored posting: matching, reviewers' link/reject/unlink, withdrawal; each step recorded.

A reviewer's verdict (linked, rejected) stands through later re-matches, which only refresh the candidates;
jobs a reviewer rejected are never suggested again for that posting. A posting a reviewer found no job for
("not in the ATS") is never linked automatically: when a match finds a job it did not have before, the posting
returns to review. Every step keeps the posting's keys (jobmatch.api.posting_keys) current.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from sqlalchemy import Connection, Insert, Select, Text, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, object_session

from jobmatch.api import aliases, outbox, posting_keys
from jobmatch.api.pools import Pool
from jobmatch.matcher import Alias, Candidate, Location, MatchResult, title_key
from jobmatch.matcher import Posting as MatcherPosting
from jobmatch.store.db import insert_unless_exists, on_its_own
from jobmatch.store.models import AtsJob, Posting, PostingAction, PostingDecision, PostingEvent, WebhookDelivery
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


def store_new(session: Session, customer_id: int, fields: dict[str, Any], index: Pool,
              aliases_read: aliases.Read | None = None) -> dict[str, Any] | None:
    """Match a posting and store it with its candidates and, when linked automatically, that event, written as
    rows rather than ORM objects since every multiposter's posting passes here. None when the customer's
    (source, external_id) is stored already, also by a concurrent request; nothing is written then. Returns the
    posting as the API shows it, from the values in hand. The aliases are read on a connection in autocommit,
    the one that writes the posting on PostgreSQL: the session starts no transaction for a read, which would
    cost BEGIN and COMMIT, and on SQLite the session's transaction does not begin with a read it would later
    have to turn into a write; `aliases_read` (with the API key) spare reading them when of the posting's title."""
    with on_its_own(session) as connection:
        return _store_new(session, connection, customer_id, fields, index, aliases_read)


def _store_new(session: Session, connection: Connection, customer_id: int, fields: dict[str, Any], index: Pool,
               aliases_read: aliases.Read | None) -> dict[str, Any] | None:
    matched = _matcher_posting(fields)
    learned = aliases.for_posting(connection, customer_id, matched, aliases_read)
    result = index.match(matched, limit=CANDIDATES, aliases=learned)
    now, linked = utcnow(), _auto_link(result)
    candidates = _candidate_rows(result)
    title_words, keys = posting_keys.of(fields, candidates) if linked is None else (None, set())
    row = {
        **fields, "customer_id": customer_id, "decision": result.decision, "withdrawn_at": None,
        "linked_job_id": linked.job_id if linked else None, "link_method": linked.method if linked else None,
        "link_evidence": list(linked.reasons) if linked else None, "candidates": candidates,
        "title_words": title_words, "created_at": now, "updated_at": now, "matched_version": index.version,
        "version": 1,
    }
    event = None
    if linked:
        event = {"action": PostingAction.AUTO_LINKED, "actor": SYSTEM, "job_id": linked.job_id,
                 "reason": _evidence(linked), "at": now}
    # only an active job is linked automatically, so a new posting's link always takes applications
    answer = {**row, "deactivated_in_ats": None, "can_apply": linked is not None}
    published = outbox.event_values(customer_id, f"posting.{result.decision}", outbox.snapshot(answer), now)
    posting_id = _write_new(session, connection, row, event, published, keys)
    if posting_id is None:
        return None
    return {**answer, "id": posting_id,
            "events": [{**event, "posting_id": posting_id, "actor_name": None}] if event else []}


def _write_new(
    session: Session, connection: Connection, row: dict[str, Any], event: dict[str, Any] | None,
    published: dict[str, Any], keys: set[str]
) -> int | None:
    """Insert the posting unless the customer's (source, external_id) is stored, its auto-link event, the
    outbox's deliveries of its decision and, while it waits, its keys; the new posting's id, or None. On
    PostgreSQL one statement (the INSERTs inside a WITH) on `connection`, in autocommit, committed as it runs:
    one round trip, where BEGIN, four INSERTs and COMMIT take six. SQLite, in process, has no round trips to
    spare and cannot put an INSERT in a WITH: all go into the session's transaction, which the caller commits."""
    new_posting = insert_unless_exists(session, _POSTINGS.c.id, *_POSTING_KEY)
    if session.get_bind().dialect.name != "postgresql":
        posting_id = session.execute(new_posting, row).scalar()
        if posting_id is not None:
            if event is not None:
                session.execute(_INSERT_EVENTS, {**event, "posting_id": posting_id})
            outbox.write(session, posting_id, published)
            if keys:
                session.execute(insert(posting_keys.TABLE), posting_keys.rows(row["customer_id"], posting_id, keys))
        return posting_id
    events = {f"event_{name}": value for name, value in (event or {}).items()}
    statement = _with_events(new_posting, event is not None, bool(keys))
    written = connection.execute(statement, {**row, **events, **published, "keys": sorted(keys)}).first()
    if written is None:
        return None
    if written.deliveries:
        session.info[outbox.WRITTEN] = True
    return written.id


@cache
def _with_events(new_posting: Insert, auto_linked: bool, keys: bool) -> Select[tuple[int, int]]:
    """PostgreSQL: WITH new_posting AS (`new_posting`, its values as bind parameters), the outbox's INSERT, the
    auto-link event's INSERT and one INSERT INTO posting_keys SELECT new_posting.id, unnest(keys), each selecting
    from new_posting, SELECT the new id and the deliveries written; no row when the posting is stored already,
    and then no INSERT writes one (PostgreSQL runs every INSERT of a WITH, read or not)."""
    new = new_posting.values({column.key: bindparam(column.key, type_=column.type, required=False)
                              for column in _POSTINGS.c if column.key != "id"}).cte("new_posting")
    deliveries = outbox.deliveries_insert(new.c.id).returning(WebhookDelivery.id).cte("new_deliveries")
    statement = select(new.c.id, select(func.count()).select_from(deliveries).scalar_subquery().label("deliveries"))
    if auto_linked:
        fields = ("action", "actor", "job_id", "reason", "at")
        event = select(new.c.id, *(bindparam(f"event_{name}", type_=_EVENTS.c[name].type) for name in fields))
        statement = statement.add_cte(insert(_EVENTS).from_select(["posting_id", *fields], event).cte("new_event"))
    if keys:
        key = func.unnest(bindparam("keys", type_=ARRAY(Text)))
        values = select(new.c.id, bindparam("customer_id"), key)
        statement = statement.add_cte(
            insert(posting_keys.TABLE).from_select(["posting_id", "customer_id", "key"], values).cte("new_keys"))
    return statement


def match(posting: Posting, index: Pool) -> None:
    """Store the candidates of a fresh match and, unless a reviewer decided, the matcher's decision."""
    _apply(posting, _outcome(posting, _fresh_match(posting, index)), index)


def rematch(posting: Posting, index: Pool, actor: Actor, reason: str) -> None:
    """Match again because the posting itself changed: recorded whatever the match finds."""
    outcome = _outcome(posting, _fresh_match(posting, index))
    _record(posting, PostingAction.REMATCHED, actor, None, _with_note(reason, outcome.note))
    _apply(posting, outcome, index)


def refresh(postings: Sequence[Posting], index: Pool, reason: str, verdicts: Mapping[int, Sequence[Alias]],
            fresh: Mapping[int, "Fresh"] | None = None) -> int:
    """Match these postings of one session again because the pool changed, each with the reviewers' `verdicts`
    for its title (`verdicts_of`); each recorded, and stored, only when its candidates, decision or link change,
    the candidate keys of those that did written together (a few statements for the batch, not four per posting). `fresh`:
    matches made against `index` already (`would_refresh`), used for a posting that still reads the same. How
    many changed."""
    changed = []
    for posting in postings:
        matched, rejected, known = _matcher_posting(posting), rejected_jobs(posting), (fresh or {}).get(posting.id)
        if known is not None and known.posting == matched and known.rejected == rejected:
            result = known.result
        else:
            result = index.match(matched, limit=CANDIDATES, exclude=rejected, aliases=verdicts.get(posting.id, ()))
        outcome = _outcome(posting, result)
        if _changes(posting, outcome):
            _record(posting, PostingAction.REMATCHED, SYSTEM, None, _with_note(reason, outcome.note))
            _apply(posting, outcome, index, keys=False)
            changed.append(posting)
    if changed:
        posting_keys.store_candidates(object_session(changed[0]), changed)
    return len(changed)


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What a fresh match leaves a posting with, before it is applied."""

    candidates: list[dict[str, Any]]
    decision: str
    linked: Candidate | None  # the job the posting is linked to automatically, if any
    linked_job_id: str | None  # the posting's link afterwards, automatic or a reviewer's
    note: str | None  # why a reviewer's verdict was reopened


class Stored(Protocol):
    """What a refresh reads of a stored posting: a Posting, or a row of its columns (STORED_COLUMNS)."""

    id: int
    customer_id: int
    title: str
    job_code: str | None
    remote_id: str | None
    post_url: str | None
    location: dict[str, Any] | None
    department: str | None
    employment_type: str | None
    candidates: list[dict[str, Any]]
    decision: str
    linked_job_id: str | None
    title_words: str | None  # as posting_keys stores them: its title key, read without normalizing the title


STORED_COLUMNS = tuple(_POSTINGS.c[name] for name in Stored.__annotations__)


@dataclass(frozen=True, slots=True)
class Fresh:
    """A stored posting's match against a pool, and what it was made of: `refresh` against the same pool takes
    it for the posting while the posting reads the same (the matcher is a pure function of these and the pool)."""

    posting: MatcherPosting
    rejected: frozenset[str]
    result: MatchResult


def would_refresh(posting: Stored, index: Pool, rejected: set[str], verdicts: Sequence[Alias]) -> Fresh | None:
    """The match `refresh` would store, when it would change the posting, read as a row: `rejected` its
    `rejected_jobs`, `verdicts` the reviewers' for its title. Nothing is written, and no ORM object made."""
    matched = _matcher_posting(posting)
    result = index.match(matched, limit=CANDIDATES, exclude=rejected, aliases=verdicts)
    if not _changes(posting, _outcome(posting, result)):
        return None
    return Fresh(matched, frozenset(rejected), result)


def may_change(posting: Stored, index: Pool, job_ids: Collection[str], rejected: set[str],
               verdicts: Sequence[Alias]) -> bool:
    """Whether these jobs, which can at most enter the posting's match by their titles, can change it: not when its
    candidates were all found by their titles or worded otherwise, no reviewer's verdict stands for its title and
    none of the jobs can enter (JobIndex.could_enter)."""
    candidates = posting.candidates
    if verdicts or any(candidate["method"] not in ("title", "wording") for candidate in candidates):
        return True
    kept = [Candidate(c["job_id"], c["score"], c["method"], tuple(c["reasons"]), c["active"], bool(c.get("weak")))
            for c in candidates]
    return index.could_enter(_matcher_posting(posting), job_ids, kept, CANDIDATES, rejected)


def verdicts_of(session: Session, customer_id: int, postings: Iterable[Stored]) -> dict[int, list[Alias]]:
    """The reviewers' verdicts for each posting's title (aliases.for_posting), in one query for them all."""
    keys = {posting.id: title_key(_matcher_posting(posting)) if posting.title_words is None
            else posting_keys.title_key(posting.title_words) for posting in postings}
    found = aliases.by_title_key(session, customer_id, {key for key in keys.values() if key})
    return {posting_id: found.get(key, []) for posting_id, key in keys.items()}


def _changes(posting: Stored, outcome: "_Outcome") -> bool:
    return (outcome.candidates != posting.candidates or outcome.decision != posting.decision
            or outcome.linked_job_id != posting.linked_job_id)


def _fresh_match(posting: Posting, index: Pool) -> MatchResult:
    matched = _matcher_posting(posting)
    return _match(posting, index, rejected_jobs(posting),
                  aliases.for_posting(object_session(posting), posting.customer_id, matched))


def _match(posting: Stored, index: Pool, rejected: set[str], verdicts: Sequence[Alias]) -> MatchResult:
    return index.match(_matcher_posting(posting), limit=CANDIDATES, exclude=rejected, aliases=verdicts)


def _outcome(posting: Stored, result: MatchResult) -> _Outcome:
    candidates = _candidate_rows(result)
    if posting.decision == PostingDecision.LINKED:
        return _Outcome(candidates, posting.decision, None, posting.linked_job_id, None)
    if posting.decision == PostingDecision.REJECTED:  # a reviewer found the posting's job not in the ATS
        before = {candidate["job_id"] for candidate in posting.candidates}
        new = [c.job_id for c in result.candidates if c.active and not c.weak and c.job_id not in before]
        if not new:
            return _Outcome(candidates, posting.decision, None, None, None)
        note = f"{', '.join(new)} may be its job, which a reviewer had not found in the ATS: to review again"
        return _Outcome(candidates, PostingDecision.NEEDS_REVIEW, None, None, note)  # never linked automatically
    linked = _auto_link(result)
    return _Outcome(candidates, result.decision, linked, linked.job_id if linked else None, None)


def _apply(posting: Posting, outcome: _Outcome, index: Pool, *, keys: bool = True) -> None:
    """Store the outcome; one that finds what the posting holds writes nothing, so the posting's version (its
    ETag, jobmatch.api.versions) stays. `keys=False`: the caller stores the posting's keys."""
    if outcome.candidates != posting.candidates or outcome.decision != posting.decision:
        posting.candidates = outcome.candidates
        posting.updated_at, posting.matched_version, posting.seen_by_rematch = utcnow(), index.version, None
    linked = outcome.linked
    if linked is not None and posting.linked_job_id != linked.job_id:
        _set_link(posting, linked.job_id, linked.method, list(linked.reasons))
        _record(posting, PostingAction.AUTO_LINKED, SYSTEM, linked.job_id, _evidence(linked))
    elif outcome.linked_job_id is None and posting.linked_job_id is not None:
        _record(posting, PostingAction.UNLINKED, SYSTEM, posting.linked_job_id, "the new match no longer links it")
        _set_link(posting, None, None, None)
    if linked is None and outcome.decision != posting.decision:
        outbox.note(posting, outcome.decision)
    posting.decision = outcome.decision
    if keys:
        _store_keys(posting)


def _with_note(reason: str, note: str | None) -> str:
    return f"{reason}; {note}" if note else reason


def link(posting: Posting, job: AtsJob, actor: Actor) -> None:
    """A reviewer confirms the job (a candidate or any job of the customer); repeating it changes nothing."""
    if posting.decision == PostingDecision.LINKED and posting.linked_job_id == job.id:
        return
    before = _state(posting)
    evidence = next((list(c["reasons"]) for c in posting.candidates if c["job_id"] == job.id), [])
    aliases.record(posting, _matcher_posting(posting), job.id, linked=True)
    _set_link(posting, job.id, REVIEWER_METHOD, evidence)
    posting.decision = PostingDecision.LINKED
    _record(posting, PostingAction.LINKED, actor, job.id, None, before=before)
    _store_keys(posting)


def reject(posting: Posting, job: AtsJob | None, reason: str | None, actor: Actor, index: Pool) -> None:
    """Reject one job (never suggested again; the posting is matched anew without it), or, without a job,
    say the posting's job is not in the ATS at all."""
    _record(posting, PostingAction.REJECTED, actor, job.id if job else None, reason, before=_state(posting))
    if job is None:
        _set_link(posting, None, None, None)
        posting.decision = PostingDecision.REJECTED
        posting.updated_at = utcnow()
        _store_keys(posting)
        return
    aliases.record(posting, _matcher_posting(posting), job.id, linked=False)
    if posting.linked_job_id == job.id:
        _set_link(posting, None, None, None)
        posting.decision = PostingDecision.NEEDS_REVIEW  # the verdict was about this job: let the matcher decide
    match(posting, index)


def unlink(posting: Posting, actor: Actor) -> None:
    _record(posting, PostingAction.UNLINKED, actor, posting.linked_job_id, None, before=_state(posting))
    _set_link(posting, None, None, None)
    plausible = any(not candidate.get("weak") for candidate in posting.candidates)
    posting.decision = PostingDecision.NEEDS_REVIEW if plausible else PostingDecision.NO_MATCH
    _store_keys(posting)


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
    outbox.note(posting, posting.decision)  # the state it is back in: posting.needs_review, .linked, ...
    _store_keys(posting)
    return decision


def withdraw(posting: Posting, actor: Actor) -> None:
    if posting.withdrawn_at is None:
        posting.withdrawn_at = posting.updated_at = utcnow()
        _record(posting, PostingAction.WITHDRAWN, actor, None, None)
        _store_keys(posting)


def rejected_jobs(posting: Posting) -> set[str]:
    """Jobs rejected for this posting and not linked by a reviewer since."""
    return rejected_by(posting.events)


def rejected_by(events: Iterable[Any]) -> set[str]:
    """`rejected_jobs` of a posting's events in their order (PostingEvents, or rows of their columns); those
    without a job may be left out (an undo of a decision on a job names the job too)."""
    rejected: set[str] = set()
    events = list(events)
    undone = {event.undoes_id for event in events if event.undoes_id is not None}
    for event in events:
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
         "active": c.active, **({"weak": True} if c.weak else {})}  # rows stored before weak suggestions stay equal
        for rank, c in enumerate(result.candidates, start=1)
    ]


def _matcher_posting(posting: Stored | dict[str, Any]) -> MatcherPosting:
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


def _store_keys(posting: Posting) -> None:
    session = object_session(posting)
    if session is not None:
        posting_keys.store(session, [posting])


def _record(posting: Posting, action: str, actor: Actor, job_id: str | None, reason: str | None, *,
            before: dict[str, Any] | None = None, undoes: PostingEvent | None = None) -> None:
    who = {"actor": actor} if isinstance(actor, str) else {
        "actor": actor.prefix, "actor_key_id": actor.key_id, "actor_name": actor.name}
    posting.events.append(PostingEvent(action=action, job_id=job_id, reason=reason, at=utcnow(), before=before,
                                       undoes_id=undoes.id if undoes else None, **who))
    outbox.note(posting, action)

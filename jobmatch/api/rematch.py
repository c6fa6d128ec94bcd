"""Re-matching after ATS jobs changed: the postings waiting for a link that a change can concern, and only those.

Every path that changes jobs (queued syncs, `jobmatch sync`, `jobmatch lookup`, exposure changes, and the
safety net, which finishes what a crash left) ends in `rematch_changes` or `rematch_customer`. A run reads the
jobs changed after the customer's `rematched_version` from the change feed (jobmatch.store.feed), looks up the
waiting postings that share a key with them (jobmatch.matcher.keys, stored by jobmatch.api.posting_keys; one
indexed query), keeps those a changed job's title or identifiers can concern, and matches them again, except those
that a job concerning them by its title cannot enter (jobmatch.matcher.index.JobIndex.could_enter); a
REMATCHED event is written only when the candidates, the decision or the link changed (the match that found it
is the one stored, jobmatch.api.decisions.refresh).
Then `rematched_version` moves forward. Runs are idempotent and may overlap: a second run finds nothing to change.
A job's change reaches beyond the postings that have it as a candidate or share an identifier with it only when
it can make the job a candidate of another posting (AtsJob.reach_version): closing, deleting or hiding a job
cannot.

A posting matched against a pool that was behind (its `matched_version` older than a change it shares a key
with) and committed after a run read the postings is looked at by the next run: each run also reads the postings
updated since the previous run started (less a margin) whose `matched_version` is older than what that run
re-matched up to and that no run has seen committed (`seen_by_rematch`), and checks them against every change
after their match. A run marks each posting it re-matched or checked as seen, with the version its match holds up
to: every later run's key lookup covers it, so none is looked at twice.
The safety net runs a customer's re-match when such postings wait, so none waits for the next change.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import Row, or_, select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from jobmatch.api import decisions, posting_keys
from jobmatch.api.pools import VERSION_COLUMNS, Pool, Pools, PoolVersions
from jobmatch.matcher import Alias
from jobmatch.matcher.keys import JobKeys, Readings, concerned_titles, job_keys, readings_of
from jobmatch.matcher.places import CityNames
from jobmatch.store import feed
from jobmatch.store.models import AtsJob, Customer, Integration, Posting, PostingEvent, PostingKey
from jobmatch.store.types import utcnow

log = logging.getLogger(__name__)

BATCH = 100  # postings re-matched per transaction: short write locks, few commits
MAX_CHANGES = 500  # more changed jobs than this (a first sync): every waiting posting is matched again
KEYS_PER_QUERY = 5000  # bound parameters per lookup, well inside every backend's limit
BEHIND_MARGIN = timedelta(minutes=5)  # how long a posting may take from its match to its commit
_CUSTOMERS, _KEYS, _EVENTS = Customer.__table__.c, PostingKey.__table__.c, PostingEvent.__table__.c
_POSTINGS = Posting.__table__.c
_NOT_SEEN = Posting.seen_by_rematch.is_not(True)


@dataclass(frozen=True, slots=True)
class Changed:
    """A changed job's keys, the version of its change and that of its last change reaching beyond its
    candidates (AtsJob.reach_version)."""

    keys: JobKeys
    version: int
    reach_version: int


@dataclass(frozen=True, slots=True)
class Rematched:
    changed_jobs: int  # jobs changed since the last run (MAX_CHANGES + 1: more)
    touched: int  # postings matched again
    changed: int  # of which the candidates, the decision or the link changed


def rematch_changes(sessions: sessionmaker[Session], pools: Pools, integration_id: str, reason: str) -> Rematched:
    """Re-match what the job changes of the integration's customer can concern (see the module); `reason` goes
    on each REMATCHED event."""
    with sessions() as session:
        customer_id = session.scalar(select(Integration.customer_id).where(Integration.id == integration_id))
    if customer_id is None:
        return Rematched(0, 0, 0)
    return rematch_customer(sessions, pools, customer_id, reason)


def rematch_customer(sessions: sessionmaker[Session], pools: Pools, customer_id: int, reason: str) -> Rematched:
    """`rematch_changes` for a customer."""
    started = utcnow()
    with sessions() as session:
        customer = session.execute(
            select(_CUSTOMERS.rematched_version, _CUSTOMERS.recheck_from, *VERSION_COLUMNS)
            .where(_CUSTOMERS.id == customer_id)
        ).one()
        since, versions = customer.rematched_version, PoolVersions.of(customer)
        changes = session.execute(_changes(customer_id, since).limit(MAX_CHANGES + 1)).all()
        every_waiting = len(changes) > MAX_CHANGES
        upto = (feed.current_version(session, customer_id) if every_waiting
                else max((change.version for change in changes), default=since))
        # asked for when first needed, caught up with the changes read (committed after the versions were)
        pool = cache(lambda: pools.index(session, customer_id, replace(versions, jobs=max(versions.jobs, upto)),
                                         wait=True))
        cities = cache(lambda: pool().city_names())  # as the pool reads titles
        if every_waiting:
            examined = {}
            concerned = dict.fromkeys(session.scalars(select(Posting.id).where(Posting.customer_id == customer_id,
                                                                                posting_keys.WAITING)))
        else:
            jobs = _keyed(changes, customer.match_exposed_only)
            concerned = _sharing_keys(session, customer_id, since, jobs, cities)
            behind, examined = _behind(session, customer_id, since, upto, customer.recheck_from,
                                       customer.match_exposed_only, cities)
            _merge(concerned, behind)
        index = pool() if concerned else None
        looked = _look(session, index, customer_id, concerned)
    changed = 0
    batches = [looked.stale[start : start + BATCH] for start in range(0, len(looked.stale), BATCH)] or [[]]
    for n, batch in enumerate(batches):  # the bookmark moves in the last batch's transaction
        with sessions.begin() as session:
            if batch:
                changed += _refresh(session, index, customer_id, batch, looked, reason)
            if n == len(batches) - 1:
                _mark_seen(session, examined | looked.matched, upto)
                session.execute(  # only forward: a run that read less must not move it back
                    update(Customer.__table__)
                    .where(_CUSTOMERS.id == customer_id, _CUSTOMERS.rematched_version <= upto)
                    .values(rematched_version=upto, recheck_from=started - BEHIND_MARGIN)
                )
    if looked.touched:
        log.info("re-matched %d postings of customer %s after %d changed jobs: %d changed",
                 looked.touched, customer_id, len(changes), changed, extra={"customer_id": customer_id})
    return Rematched(len(changes), looked.touched, changed)


def due(session: Session) -> list[int]:
    """Customers whose re-match is behind their jobs (a run was cut off, or exposure changed what no run
    followed) or who have postings matched against a pool older than their last run: the safety net's work."""
    behind_jobs = select(_CUSTOMERS.id).where(_CUSTOMERS.jobs_version > _CUSTOMERS.rematched_version)
    behind_postings = (
        select(Posting.customer_id).join(Customer, Customer.id == Posting.customer_id)
        .where(posting_keys.WAITING, Posting.updated_at >= Customer.recheck_from,
               Posting.matched_version < Customer.rematched_version, _NOT_SEEN)
    )
    return sorted(set(session.scalars(behind_jobs)) | set(session.scalars(behind_postings)))


_JOBS = AtsJob.__table__.c
_KEYED = (_JOBS.id, _JOBS.name, _JOBS.job_code, _JOBS.remote_id, _JOBS.post_url, _JOBS.location_city,
          _JOBS.location_raw, _JOBS.exposed, _JOBS.version, _JOBS.reach_version)  # what a job is keyed by


def _changes(customer_id: int, after: int) -> Any:
    return feed.changed_after(customer_id, after, *_KEYED)


def _keyed(changes: Iterable[Row[Any]], exposed_only: bool) -> list[Changed]:
    return [Changed(job_keys({"id": change.id, "name": change.name, "job_code": change.job_code,
                              "remote_id": change.remote_id, "post_url": change.post_url,
                              "location": {"city": change.location_city, "raw": change.location_raw}},
                             in_pool=change.exposed or not exposed_only), change.version, change.reach_version)
            for change in changes]


def _sharing_keys(session: Session, customer_id: int, since: int, jobs: list[Changed],
                  cities: Callable[[], CityNames]) -> "Concerned":
    """The waiting postings that share a key with a changed job, and that the job can concern. A job's title keys
    are looked up only when its change reaches beyond its candidates (a posting matched before that, and not yet
    re-matched, is one `_behind` finds)."""
    wanted = sorted({key for job in jobs for key in (job.keys.candidate, *job.keys.identifiers,
                                                      *(job.keys.titles if job.reach_version > since else ()))})
    return _concerned(jobs, _stored_keys(session, _KEYS.key, wanted, _KEYS.customer_id == customer_id), cities)


def _behind(session: Session, customer_id: int, since: int, upto: int, recheck_from: Any,
            exposed_only: bool, cities: Callable[[], CityNames]) -> tuple["Concerned", dict[int, int | None]]:
    """Waiting postings updated since the last run started (less the margin) and matched against a pool older
    than what it re-matched up to, which that run may not have seen: (those the changes after their match, up to
    `upto`, concern; all of them looked at, with their matched_version)."""
    if recheck_from is None:
        return {}, {}
    behind = dict(session.execute(behind_postings(customer_id, since, recheck_from)).all())
    if not behind:
        return {}, {}
    oldest = min((version or 0) for version in behind.values())
    changes = session.execute(_changes(customer_id, oldest).where(AtsJob.version <= upto).limit(MAX_CHANGES + 1)).all()
    if len(changes) > MAX_CHANGES:
        return dict.fromkeys(behind), behind
    postings = _stored_keys(session, _KEYS.posting_id, sorted(behind))
    return _concerned(_keyed(changes, exposed_only), postings, cities), behind


def behind_postings(customer_id: int, since: int, recheck_from: Any) -> Any:
    """(id, matched_version) of the waiting postings no run has seen, updated since `recheck_from` and matched
    before `since`: read from the index of unseen postings (ix_postings_unseen_updated_at), not from every
    posting updated lately, which a busy customer has thousands of."""
    return select(Posting.id, Posting.matched_version).where(
        Posting.customer_id == customer_id, posting_keys.WAITING, _NOT_SEEN, Posting.updated_at >= recheck_from,
        or_(Posting.matched_version < since, Posting.matched_version.is_(None)))


def _stored_keys(session: Session, chosen: Any, values: list[Any], *where: Any
                 ) -> list[tuple[int, int | None, str, set[str]]]:
    """(id, matched_version, title words, keys) of the waiting postings whose stored keys have `chosen` (a
    column of posting_keys) among `values`: those keys only. One query per KEYS_PER_QUERY values."""
    found: dict[int, tuple[int | None, str, set[str]]] = {}
    for start in range(0, len(values), KEYS_PER_QUERY):
        rows = session.execute(
            select(_KEYS.posting_id, _KEYS.key, Posting.matched_version, Posting.title_words)
            .join(Posting, Posting.id == _KEYS.posting_id)
            .where(chosen.in_(values[start : start + KEYS_PER_QUERY]), posting_keys.WAITING, *where)
        )
        for posting_id, key, matched_version, title_words in rows:
            if (held := found.get(posting_id)) is None:  # one row per shared key, most postings share one or two
                held = found[posting_id] = (matched_version, title_words or "", set())
            held[2].add(key)
    return [(posting_id, *posting) for posting_id, posting in found.items()]


def _mark_seen(session: Session, matches: dict[int, int | None], upto: int) -> None:
    """Record that a run has seen these postings' matches (posting id -> its matched_version as the run read
    or left it) committed: re-matched against a pool that far, or found unconcerned by every change up to
    `upto`. Every later run's key lookup covers them, so neither the next runs nor the safety net look at them
    again. A posting matched again meanwhile (its matched_version moved) is left for the next run. (Not through
    the ORM: the posting's version, its ETag, is what a reviewer saw, and this changes nothing a reviewer sees.)"""
    by_version: dict[int | None, list[int]] = defaultdict(list)
    for posting_id, version in sorted(matches.items()):
        by_version[version].append(posting_id)
    for version, ids in by_version.items():
        same = _POSTINGS.matched_version.is_(None) if version is None else _POSTINGS.matched_version == version
        for start in range(0, len(ids), KEYS_PER_QUERY):
            session.execute(
                update(Posting.__table__).where(_POSTINGS.id.in_(ids[start : start + KEYS_PER_QUERY]), same)
                .values(seen_by_rematch=True, matched_version=max(version or 0, upto))
            )


# A posting a run looks at -> None when a changed job may change anything in its match (an identifier, a
# candidate, a city its title names), else the jobs that can at most enter it by their titles (concerned_titles)
Concerned = dict[int, list[JobKeys] | None]


def _merge(into: Concerned, more: Concerned) -> None:
    for posting_id, jobs in more.items():
        held = into.get(posting_id, [])
        into[posting_id] = None if held is None or jobs is None else held + jobs


def _concerned(jobs: list[Changed], postings: Iterable[tuple[int, int | None, str, set[str]]],
               cities: Callable[[], CityNames]) -> Concerned:
    """Of these postings (id, matched_version, title words, keys), those that a job changed after their
    matched_version concerns: outright by an identifier or as a candidate, by its title when the change reaching
    beyond its candidates came after their match too and `concerned_titles` says so."""
    by_key: dict[str, list[tuple[int, int, bool]]] = defaultdict(list)  # key -> (job, version, outright)
    for position, job in enumerate(jobs):
        for key in (job.keys.candidate, *job.keys.identifiers):
            by_key[key].append((position, job.version, True))
        for key in job.keys.titles:
            by_key[key].append((position, job.reach_version, False))
    concerned: Concerned = {}
    by_title: dict[int, list[tuple[int, Readings, set[str]]]] = defaultdict(list)  # job -> postings
    for posting_id, matched_version, title_words, keys in postings:  # sharing a title key: (id, words, keys)
        sharing: dict[int, bool] = {}
        for key in keys:
            for position, version, outright in by_key.get(key, ()):
                if matched_version is None or matched_version < version:
                    sharing[position] = sharing.get(position, False) or outright
        if any(sharing.values()):
            concerned[posting_id] = None
            continue
        for position in sharing:
            by_title[position].append((posting_id, readings_of(title_words), keys))
    pool_cities = cities() if by_title else CityNames()
    for position, candidates in by_title.items():
        job = jobs[position].keys
        found = concerned_titles(job.words, job.city,
                                 [(readings, keys & job.titles) for _, readings, keys in candidates],
                                 pool_cities)
        _merge(concerned, {candidates[i][0]: None if reads else [job] for i, reads in found.items()})
    return concerned


@dataclass(slots=True)
class _Looked:
    """What the read pass of a run found: how many postings it matched again, those whose match changed, with the
    match made and the reviewers' verdicts for their titles, and the others (id -> matched_version)."""

    touched: int = 0
    stale: list[int] = field(default_factory=list)
    fresh: dict[int, decisions.Fresh] = field(default_factory=dict)
    verdicts: dict[int, list[Alias]] = field(default_factory=dict)
    matched: dict[int, int | None] = field(default_factory=dict)


def _look(session: Session, index: Pool | None, customer_id: int, concerned: Concerned) -> _Looked:
    """Match these postings again against `index`, as rows, without a lock or a write, except those that no job
    concerning them by its title can change (`decisions.may_change`)."""
    ids, looked = sorted(concerned), _Looked()
    for start in range(0, len(ids), KEYS_PER_QUERY):
        chunk = ids[start : start + KEYS_PER_QUERY]
        rows = session.execute(select(*decisions.STORED_COLUMNS, _POSTINGS.matched_version)
                               .where(_POSTINGS.id.in_(chunk), posting_keys.WAITING)).all()
        events: dict[int, list[Row[Any]]] = defaultdict(list)
        for event in session.execute(select(_EVENTS.posting_id, _EVENTS.id, _EVENTS.action, _EVENTS.job_id,
                                            _EVENTS.undoes_id)
                                     .where(_EVENTS.posting_id.in_(chunk), _EVENTS.job_id.is_not(None))
                                     .order_by(_EVENTS.id)):
            events[event.posting_id].append(event)
        verdicts = decisions.verdicts_of(session, customer_id, rows)
        for row in rows:
            jobs, rejected = concerned[row.id], decisions.rejected_by(events[row.id])
            if jobs is not None and not decisions.may_change(row, index, [job.job_id for job in jobs], rejected,
                                                             verdicts[row.id]):
                looked.matched[row.id] = row.matched_version
                continue
            looked.touched += 1
            fresh = decisions.would_refresh(row, index, rejected, verdicts[row.id])
            if fresh is None:
                looked.matched[row.id] = row.matched_version
            else:
                looked.stale.append(row.id)
                looked.fresh[row.id], looked.verdicts[row.id] = fresh, verdicts[row.id]
    return looked


def _refresh(session: Session, index: Pool | None, customer_id: int, ids: list[int], looked: _Looked,
             reason: str) -> int:
    """Lock these postings whose match changed, and store their match (the read pass's, while a posting reads the
    same); one linked or withdrawn meanwhile, by a reviewer, is left alone. How many changed."""
    postings = session.scalars(
        select(Posting)
        .where(Posting.customer_id == customer_id, posting_keys.WAITING, Posting.id.in_(ids))
        .order_by(Posting.id)
        .options(selectinload(Posting.events))
        .with_for_update(of=Posting)
    ).all()
    changed = decisions.refresh(postings, index, reason, looked.verdicts, looked.fresh)
    session.flush()
    looked.matched.update((posting.id, posting.matched_version) for posting in postings)
    return changed

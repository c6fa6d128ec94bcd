"""From identifier hits, similar titles, differently worded titles and reviewers' verdicts to ranked candidates
and a decision.

An identifier that pins exactly one open job whose title and place agree with the posting links it
automatically. Everything else is a suggestion for a reviewer: a title alone is never enough, nor a title worded
otherwise, nor what a reviewer decided for another posting.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from heapq import heappush, heapreplace, nsmallest
from itertools import compress
from operator import itemgetter

from jobmatch.matcher.jobs import JobRecord
from jobmatch.matcher.model import Alias, Candidate, Decision, MatchResult, Method
from jobmatch.matcher.scoring import (
    CLEARLY_BETTER,
    INACTIVE,
    REVIEW_FLOOR,
    SEARCH_CUTOFF,
    TITLE_CONSISTENT,
    Side,
    display,
    evidence,
    lift,
    most_evidence,
    title_similarity,
    wording_score,
)
from jobmatch.matcher.search import TitleSearch
from jobmatch.matcher.text import fold, words
from jobmatch.matcher.titles import Title, says_no_more_than
from jobmatch.matcher.wording import Found

Pins = list[tuple[Method, str, set[str]]]  # (method, what matched, the jobs it matched)
# a job found, as ranked: (weak, -score with evidence, -work-time words agreed, inactive, -title score,
# -likeness as written, job id, reason, its title as written)
Ranked = tuple[bool, float, int, bool, float, float, str, str, str]
_TIE, _JOB_ID, _NAME = itemgetter(0, 1, 2, 3, 4), itemgetter(6), itemgetter(8)

_CUT_END = re.compile(r"[\s.\u2026]+$")  # the ellipsis a board cuts a title with
_WORDED_MOST = wording_score(1.0) + 1e-9  # strengths are cosines and shares: at most 1, but for rounding
_TITLES_EXPANDED = 25  # distinct titles whose jobs are scored; more than `limit` can ever need
# Tiers, best first: an identifier agreed by everything else; a job a reviewer linked for a posting of this title;
# the rest; weak suggestions; a job a reviewer rejected for one
_AGREED, _ALIAS, _REST, _WEAK, _REJECTED = range(5)


@dataclass(slots=True)
class _Scored:
    tier: int
    raw: float  # unclipped score, for ranking
    similarity: float
    candidate: Candidate
    work_time_agreed: int = 0
    written_alike: float = 0.0  # of jobs otherwise equal, the one whose title as written is most alike comes first

    def key(self) -> tuple[int, float, int, bool, float, float, str]:
        return (self.tier, -self.raw, -self.work_time_agreed, not self.candidate.active, -self.similarity,
                -self.written_alike, self.candidate.job_id)


@dataclass(frozen=True, slots=True)
class Pool:
    """What the ranking reads of an index."""

    jobs: Mapping[str, JobRecord]
    titles: Mapping[str, Title]
    search: TitleSearch


def rank(
    posting: Side,
    title: Title,
    pins: Pins,
    worded: Callable[[float], list[Found]],
    pool: Pool,
    *,
    limit: int,
    exclude: set[str],
    aliases: Sequence[Alias] = (),
    written: str = "",
) -> MatchResult:
    """`written`: the posting's title as written, which tells apart jobs that are otherwise equal."""
    pinned = set().union(*(ids for _, _, ids in pins))
    verdicts = {alias.job_id: alias for alias in aliases if alias.job_id in pool.jobs and alias.job_id not in exclude}
    skip = exclude | pinned | set(verdicts)
    similar = pool.search.similar(title.text, title.words, SEARCH_CUTOFF, title.cut)[:_TITLES_EXPANDED]
    most = most_evidence(posting)
    scored = _found_jobs(posting, title, pool, "title", [(text, score, f"title {score:.0f}% similar", False)
                                                           for text, score in similar], REVIEW_FLOOR, limit, skip,
                         most, written)
    rival = max(scored, key=lambda s: s.similarity, default=None)
    # a title worded otherwise scores at most _WORDED_MOST with evidence: below `limit` jobs found by their title,
    # it cannot enter, and the wording search is spared
    if len(scored) < limit or min(s.raw for s in scored) <= _WORDED_MOST + most:
        skip |= {s.candidate.job_id for s in scored}
        scored += _found_jobs(posting, title, pool, "wording", [(text, wording_score(strength), reason, weak)
                                                                 for text, strength, reason, weak in
                                                                 worded(similar[0][1] if similar else 0.0)],
                              0.0, limit, skip, most, written)
    scored += [_pinned_candidate(posting, title, pins, pool, job_id, len(pinned), rival, verdicts.get(job_id))
               for job_id in pinned]
    scored += [_verdict_candidate(posting, title, pool, alias) for job_id, alias in verdicts.items()
               if job_id not in pinned]
    ranked = sorted(scored, key=_Scored.key)
    decision: Decision = "no_match"  # nothing plausible, weak suggestions at most
    if any(s.tier != _WEAK for s in ranked):
        decision = "needs_review"
        top = ranked[0]
        if len(pinned) == 1 and top.tier == _AGREED and top.candidate.active:
            decision = "auto_linked"
    return MatchResult(decision, [s.candidate for s in ranked[:limit]])


def _found_jobs(
    posting: Side, title: Title, pool: Pool, method: Method, found: Iterable[tuple[str, float, str, bool]],
    floor: float, limit: int, skip: set[str], most: float, written: str = "",
) -> list[_Scored]:
    """The best `limit` jobs of the titles found (normalized title, score, reason, whether a weak suggestion; best
    first) scoring at least `floor`. Ranking runs on
    plain tuples and candidates are built for the winners only: a common title is carried by hundreds of jobs.
    Once `limit` jobs beat anything the next title could reach with the `most` evidence can add, the rest
    cannot enter. Jobs of
    equal score are told apart by the work-time words both titles say ("Verkäufer Teilzeit" first for a posting
    in Teilzeit), then by the words their titles as written share with the posting's (`_tell_ties_apart`)."""
    jobs, titles, search = pool.jobs, pool.titles, pool.search
    lifts: dict[int, float] = {}  # evidence per job side (shared objects): many jobs, one place
    ranked: list[Ranked] = []
    top: list[float] = []  # the `limit` best scores of plausible jobs so far, the lowest first (a heap)
    work_time = title.work_time
    for text, score, reason, weak in found:
        if len(top) >= limit and top[0] > score + most:
            break
        for job_id in search.jobs(text):
            if skip and job_id in skip:
                continue
            job = jobs[job_id]
            if most:
                delta = lifts.get(id(job.side))
                if delta is None:
                    delta = lifts[id(job.side)] = lift(posting, job.side)
            else:  # a posting that says nothing but its title lifts no job
                delta = 0.0
            raw = score + delta + (0.0 if job.active else INACTIVE)
            if raw >= floor:
                agreed = work_time_agreement(work_time, titles[job_id].work_time) if work_time else 0
                ranked.append((weak, -raw, -agreed, not job.active, -score, 0.0, job_id, reason, job.name))
                if weak:
                    continue
                if len(top) < limit:
                    heappush(top, raw)
                elif raw > top[0]:
                    heapreplace(top, raw)
    out = []
    for weak, minus_raw, minus_agreed, _, minus_score, minus_alike, job_id, reason, _ in _tell_ties_apart(
            ranked, limit, written, title.cut):
        job, raw, agreed = jobs[job_id], -minus_raw, -minus_agreed
        reasons = [reason, *evidence(posting, job.side)[1]]
        if agreed > 0:
            reasons.append(f"both say {', '.join(sorted(work_time & titles[job_id].work_time))}")
        if job.state_reason:
            reasons.append(job.state_reason)
        candidate = Candidate(job.id, display(raw), method, tuple(reasons), job.active, weak)
        out.append(_Scored(_WEAK if weak else _REST, raw, -minus_score if method == "title" else 0.0, candidate,
                           agreed, -minus_alike))
    return out


def _tell_ties_apart(ranked: list[Ranked], limit: int, written: str, cut: bool = False) -> list[Ranked]:
    """The best `limit` of `ranked`; jobs equal in everything the ranking weighs are told apart by how many of the
    words their titles are written with the posting's title says too, of all either says (`written_alike`): what
    normalization drops as noise still says which of twins is meant ("SERVICETECHNIKER (GN)" is the pool's
    "Servicetechniker (gn)" of many "Servicetechniker (m/w/d)"; "Pflegefachkraft Meiningen & Sonneberg" the one
    naming both towns). Scored only where a tie reaches the best `limit`: a common title has hundreds of jobs."""
    best = nsmallest(limit + 1, ranked)
    if not written or len(best) < 2:
        return best[:limit]
    ties = Counter(entry[:5] for entry in best)
    tied = {key for key, count in ties.items() if count > 1}
    if not tied:
        return best[:limit]
    entries = list(compress(ranked, map(tied.__contains__, map(_TIE, ranked))))  # C loops: a tie can be a
    names = list(map(_NAME, entries))  # thousand jobs of one title, most of them of a few names
    posting = written_words(written)
    shown = len(_CUT_END.sub("", written)) if cut else 0  # a title cut short is compared with each one's start
    alike = {name: -written_alike(posting, written_words(name[:shown] if shown else name)) for name in set(names)}
    likeness = list(map(alike.__getitem__, names))
    near: Iterable[int] = range(len(entries))
    if len(tied) == 1:  # of one tie, no job less alike than the limit-th can enter
        enough = sorted(likeness)[min(limit, len(likeness)) - 1]
        near = compress(near, map(enough.__ge__, likeness))
    winners = nsmallest(limit, ((_TIE(entries[i]), likeness[i], entries[i][6], i) for i in near))
    told = [(*entries[i][:5], minus_alike, *entries[i][6:]) for _, minus_alike, _, i in winners]
    # a job outside `best` that is not tied ranks below all of `best` as it did
    return nsmallest(limit, [entry for entry in best if entry[:5] not in tied] + told)


@lru_cache(maxsize=1 << 16)  # the pool's names come back query after query
def written_words(title: str) -> frozenset[str]:
    """The words a title is written with, markers, towns and work-time words too, folded; not single letters, as
    a gender marker's are ("(m/f/d)" shares m and d with every "(m/w/d)" and none with a title written without)."""
    return frozenset(word for word in words(fold(title)) if len(word) > 1)


def written_alike(a: frozenset[str], b: frozenset[str]) -> float:
    """The share of the words either title is written with that both are (Jaccard): word order does not matter
    ("Beikoch sofort (m/w/div)" is "Beikoch (m/w/d) sofort" more than "Beikoch (m/w/d)"), and a title saying
    more than the posting counts against it as much as one saying less."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def work_time_agreement(posting: frozenset[str], job: frozenset[str]) -> int:
    """Work-time words both say, less those only the job says."""
    return len(posting & job) - len(job - posting)


def _verdict_candidate(posting: Side, title: Title, pool: Pool, alias: Alias) -> _Scored:
    """A job a reviewer linked for an earlier posting of this title (first of all but an agreed identifier,
    unless it is in another place than this posting), or rejected for one (last)."""
    job = pool.jobs[alias.job_id]
    similarity = title_similarity(title.text, pool.titles[job.id].text, title.cut) if title.text else 0.0
    delta, place_reasons = evidence(posting, job.side)
    raw = similarity + delta + (0.0 if job.active else INACTIVE)
    reasons = [_verdict_reason(alias), f"title {similarity:.0f}% similar", *place_reasons]
    if job.state_reason:
        reasons.append(job.state_reason)
    candidate = Candidate(job.id, display(raw), "alias", tuple(reasons), job.active)
    if not alias.linked:
        return _Scored(_REJECTED, raw, similarity, candidate)
    elsewhere = posting.place.same_as(job.side.place) is False  # "Koch" linked to Bamberg's job, now in Erlangen
    return _Scored(_REST if elsewhere else _ALIAS, raw, similarity, candidate)


def _verdict_reason(alias: Alias) -> str:
    return f"{'linked' if alias.linked else 'rejected'} by a reviewer for posting #{alias.posting_id}"


def _pinned_candidate(
    posting: Side, title: Title, pins: Pins, pool: Pool, job_id: str, pinned: int, rival: _Scored | None,
    verdict: Alias | None,
) -> _Scored:
    job, job_title = pool.jobs[job_id], pool.titles[job_id]
    hits = [(method, what, ids) for method, what, ids in pins if job.id in ids]
    reasons = [f"{what} matches" + (f" {len(ids)} jobs" if len(ids) > 1 else "") for _, what, ids in hits]
    doubts = []
    if pinned > 1:
        doubts.append(f"the posting's identifiers point to {pinned} different jobs")
    similarity = 100.0
    if title.text and job_title.text:
        similarity = title_similarity(title.text, job_title.text, title.cut)
        reasons.append(f"title {similarity:.0f}% similar")
        if similarity < TITLE_CONSISTENT and not says_no_more_than(job_title, title):  # more words: the employer's
            doubts.append("the posting's title describes another job than this one")
        elif (rival and rival.similarity >= similarity + CLEARLY_BETTER
              and not says_no_more_than(title, job_title)):  # "Verkäufer Metzgerei" coded as the plain "Verkäufer"
            doubts.append(f"the posting's title is that of job {rival.candidate.job_id} "
                          f"({rival.similarity:.0f}% similar, this job {similarity:.0f}%)")
    delta, place_reasons = evidence(posting, job.side)
    reasons.extend(place_reasons)
    if posting.place.same_as(job.side.place) is False:
        doubts.append("the posting is for another place than this job")
    if job.state_reason:
        reasons.append(job.state_reason)
    if verdict is not None:
        (reasons if verdict.linked else doubts).append(_verdict_reason(verdict))
    reasons.extend(doubts)
    agreed = not doubts
    raw = 100.0 if agreed else similarity + delta + (0.0 if job.active else INACTIVE)
    candidate = Candidate(job.id, display(raw), hits[0][0], tuple(reasons), job.active)
    return _Scored(_AGREED if agreed else _REST, raw, similarity, candidate)

"""From identifier hits and similar titles to ranked candidates and a decision.

An identifier that pins exactly one open job whose title and place agree with the posting links it
automatically. Everything else is a suggestion for a reviewer: a title alone is never enough.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from heapq import nsmallest

from jobmatch.matcher.jobs import JobRecord
from jobmatch.matcher.model import Candidate, Decision, MatchResult, Method
from jobmatch.matcher.scoring import (
    CLEARLY_BETTER,
    INACTIVE,
    MOST_EVIDENCE,
    REVIEW_FLOOR,
    SEARCH_CUTOFF,
    TITLE_CONSISTENT,
    Side,
    display,
    evidence,
    title_similarity,
)
from jobmatch.matcher.search import TitleSearch
from jobmatch.matcher.titles import Title, says_no_more_than

Pins = list[tuple[Method, str, set[str]]]  # (method, what matched, the jobs it matched)

_TITLES_EXPANDED = 25  # distinct titles whose jobs are scored; more than `limit` can ever need


@dataclass(slots=True)
class _Scored:
    tier: int  # 0: an identifier agreed by everything else; 1: the rest
    raw: float  # unclipped score, for ranking
    similarity: float
    candidate: Candidate
    work_time_agreed: int = 0

    def key(self) -> tuple[int, float, int, bool, float, str]:
        return (self.tier, -self.raw, -self.work_time_agreed, not self.candidate.active, -self.similarity,
                self.candidate.job_id)


def rank(
    posting: Side,
    title: Title,
    pins: Pins,
    jobs: Mapping[str, JobRecord],
    titles: Mapping[str, Title],
    search: TitleSearch,
    *,
    limit: int,
    exclude: set[str],
) -> MatchResult:
    pinned = set().union(*(ids for _, _, ids in pins))
    scored = _title_candidates(posting, title, jobs, titles, search, limit, exclude | pinned)
    rival = max(scored, key=lambda s: s.similarity, default=None)
    pinned_scored = [_pinned_candidate(posting, title, pins, jobs[job_id], titles[job_id], len(pinned), rival)
                     for job_id in pinned]
    ranked = sorted(scored + pinned_scored, key=_Scored.key)
    decision: Decision = "no_match"
    if ranked:
        decision = "needs_review"
        top = ranked[0]
        if len(pinned) == 1 and top.tier == 0 and top.candidate.active:
            decision = "auto_linked"
    return MatchResult(decision, [s.candidate for s in ranked[:limit]])


def _title_candidates(
    posting: Side, title: Title, jobs: Mapping[str, JobRecord], titles: Mapping[str, Title], search: TitleSearch,
    limit: int, skip: set[str],
) -> list[_Scored]:
    """The best `limit` jobs found by title. Ranking runs on plain tuples and candidates are built for the
    winners only: a common title is carried by hundreds of jobs. Titles come best first, so once `limit` jobs
    beat anything the next title could reach with every bonus, the rest cannot enter. Jobs of equal score are
    told apart by the work-time words both titles say ("Verkäufer Teilzeit" first for a posting in Teilzeit)."""
    found: dict[int, tuple[float, list[str]]] = {}  # evidence per job side (shared objects): many jobs, one place
    ranked: list[tuple[float, int, bool, float, str]] = []
    work_time = title.work_time
    for text, similarity in search.similar(title.text, title.words, SEARCH_CUTOFF, title.cut)[:_TITLES_EXPANDED]:
        if len(ranked) >= limit and -nsmallest(limit, ranked)[-1][0] > similarity + MOST_EVIDENCE:
            break
        for job_id in search.jobs(text):
            if job_id in skip:
                continue
            job = jobs[job_id]
            delta = found.get(id(job.side))
            if delta is None:
                delta = found[id(job.side)] = evidence(posting, job.side)
            raw = similarity + delta[0] + (0.0 if job.active else INACTIVE)
            if raw >= REVIEW_FLOOR:
                agreed = work_time_agreement(work_time, titles[job_id].work_time) if work_time else 0
                ranked.append((-raw, -agreed, not job.active, -similarity, job_id))
    return [_title_candidate(jobs[job_id], -similarity, -raw, -agreed, found[id(jobs[job_id].side)][1], work_time)
            for raw, agreed, _, similarity, job_id in nsmallest(limit, ranked)]


def work_time_agreement(posting: frozenset[str], job: frozenset[str]) -> int:
    """Work-time words both say, less those only the job says."""
    return len(posting & job) - len(job - posting)


def _title_candidate(job: JobRecord, similarity: float, raw: float, agreed: int, evidence_reasons: list[str],
                     work_time: frozenset[str]) -> _Scored:
    reasons = [f"title {similarity:.0f}% similar", *evidence_reasons]
    if agreed > 0:
        reasons.append(f"both say {', '.join(sorted(work_time))}")
    if job.state_reason:
        reasons.append(job.state_reason)
    return _Scored(1, raw, similarity, Candidate(job.id, display(raw), "title", tuple(reasons), job.active), agreed)


def _pinned_candidate(
    posting: Side, title: Title, pins: Pins, job: JobRecord, job_title: Title, pinned: int, rival: "_Scored | None"
) -> _Scored:
    hits = [(method, what, ids) for method, what, ids in pins if job.id in ids]
    reasons = [f"{what} matches" + (f" {len(ids)} jobs" if len(ids) > 1 else "") for _, what, ids in hits]
    doubts = []
    if pinned > 1:
        doubts.append(f"the posting's identifiers point to {pinned} different jobs")
    similarity = 100.0
    if title.text and job_title.text:
        similarity = title_similarity(title.text, job_title.text, title.cut)
        reasons.append(f"title {similarity:.0f}% similar")
        if similarity < TITLE_CONSISTENT:
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
    reasons.extend(doubts)
    agreed = not doubts
    raw = 100.0 if agreed else similarity + delta + (0.0 if job.active else INACTIVE)
    candidate = Candidate(job.id, display(raw), hits[0][0], tuple(reasons), job.active)
    return _Scored(0 if agreed else 1, raw, similarity, candidate)

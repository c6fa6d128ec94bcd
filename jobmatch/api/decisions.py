"""What happens to a stored posting: matching, reviewers' link/reject/unlink, withdrawal; each step recorded.

A reviewer's verdict (linked, rejected) stands through later re-matches, which only refresh the candidates;
jobs a reviewer rejected are never suggested again for that posting.
"""

from sqlalchemy.orm import Session

from jobmatch.matcher import JobIndex, Location
from jobmatch.matcher import Posting as MatcherPosting
from jobmatch.store.models import AtsJob, Posting, PostingAction, PostingCandidate, PostingDecision, PostingEvent
from jobmatch.store.types import utcnow

CANDIDATES = 5
SYSTEM = "system"
REVIEWER_METHOD = "reviewer"


def match(session: Session, posting: Posting, index: JobIndex) -> None:
    """Store the candidates of a fresh match and, unless a reviewer decided, the matcher's decision."""
    result = index.match(_matcher_posting(posting), limit=CANDIDATES, exclude=rejected_jobs(posting))
    posting.candidates.clear()
    session.flush()  # old ranks leave before new ones arrive: (posting_id, rank) is unique
    posting.candidates.extend(
        PostingCandidate(job_id=c.job_id, rank=rank, score=c.score, method=c.method, reasons=list(c.reasons),
                         active=c.active)
        for rank, c in enumerate(result.candidates, start=1)
    )
    posting.updated_at = utcnow()
    if posting.decision in PostingDecision.BY_REVIEWER:
        return
    best = result.best
    if result.decision == PostingDecision.AUTO_LINKED and best is not None:
        if posting.linked_job_id != best.job_id:
            _set_link(posting, best.job_id, best.method, list(best.reasons))
            _record(posting, PostingAction.AUTO_LINKED, SYSTEM, best.job_id, "; ".join(best.reasons))
    elif posting.linked_job_id is not None:
        _record(posting, PostingAction.UNLINKED, SYSTEM, posting.linked_job_id, "the new match no longer links it")
        _set_link(posting, None, None, None)
    posting.decision = result.decision


def rematch(session: Session, posting: Posting, index: JobIndex, actor: str, reason: str) -> None:
    _record(posting, PostingAction.REMATCHED, actor, None, reason)
    match(session, posting, index)


def link(posting: Posting, job: AtsJob, actor: str) -> None:
    """A reviewer confirms the job (a candidate or any job of the customer); repeating it changes nothing."""
    if posting.decision == PostingDecision.LINKED and posting.linked_job_id == job.id:
        return
    evidence = next((list(c.reasons) for c in posting.candidates if c.job_id == job.id), [])
    _set_link(posting, job.id, REVIEWER_METHOD, evidence)
    posting.decision = PostingDecision.LINKED
    _record(posting, PostingAction.LINKED, actor, job.id, None)


def reject(session: Session, posting: Posting, job: AtsJob | None, reason: str | None, actor: str,
           index: JobIndex) -> None:
    """Reject one job (never suggested again; the posting is matched anew without it), or, without a job,
    say the posting's job is not in the ATS at all."""
    _record(posting, PostingAction.REJECTED, actor, job.id if job else None, reason)
    if job is None:
        _set_link(posting, None, None, None)
        posting.decision = PostingDecision.REJECTED
        posting.updated_at = utcnow()
        return
    if posting.linked_job_id == job.id:
        _set_link(posting, None, None, None)
        posting.decision = PostingDecision.NEEDS_REVIEW  # the verdict was about this job: let the matcher decide
    match(session, posting, index)


def unlink(posting: Posting, actor: str) -> None:
    _record(posting, PostingAction.UNLINKED, actor, posting.linked_job_id, None)
    _set_link(posting, None, None, None)
    posting.decision = PostingDecision.NEEDS_REVIEW if posting.candidates else PostingDecision.NO_MATCH


def withdraw(posting: Posting, actor: str) -> None:
    if posting.withdrawn_at is None:
        posting.withdrawn_at = posting.updated_at = utcnow()
        _record(posting, PostingAction.WITHDRAWN, actor, None, None)


def rejected_jobs(posting: Posting) -> set[str]:
    """Jobs rejected for this posting and not linked by a reviewer since."""
    rejected: set[str] = set()
    for event in posting.events:
        if event.job_id is None:
            continue
        if event.action == PostingAction.REJECTED:
            rejected.add(event.job_id)
        elif event.action == PostingAction.LINKED:
            rejected.discard(event.job_id)
    return rejected


def _matcher_posting(posting: Posting) -> MatcherPosting:
    return MatcherPosting(
        title=posting.title,
        job_code=posting.job_code,
        remote_id=posting.remote_id,
        post_url=posting.post_url,
        location=Location(**posting.location) if posting.location else None,
        department=posting.department,
        employment_type=posting.employment_type,
    )


def _set_link(posting: Posting, job_id: str | None, method: str | None, evidence: list[str] | None) -> None:
    posting.linked_job_id, posting.link_method, posting.link_evidence = job_id, method, evidence
    posting.updated_at = utcnow()


def _record(posting: Posting, action: str, actor: str, job_id: str | None, reason: str | None) -> None:
    posting.events.append(PostingEvent(action=action, actor=actor, job_id=job_id, reason=reason, at=utcnow()))

"""Which postings wait for a reviewer: the queue's buckets, and a reviewer's choice of bucket and source."""

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_

from jobmatch.api.deactivation import linked_to_inactive_job
from jobmatch.api.errors import fail
from jobmatch.store.models import Posting, PostingDecision

DEACTIVATED = "deactivated"  # linked, but the ATS job was closed, archived or deleted since
BUCKETS = {
    PostingDecision.NEEDS_REVIEW: "Needs review",
    PostingDecision.NO_MATCH: "No match",
    DEACTIVATED: "Linked job closed or deleted",
}
REVIEW = (PostingDecision.NEEDS_REVIEW, PostingDecision.NO_MATCH)  # the queue without a decision filter


@dataclass(frozen=True)
class QueueFilter:
    source: str | None = None
    decision: str | None = None

    @classmethod
    def read(cls, values: Mapping[str, str]) -> "QueueFilter":
        decision = values.get("decision") or None
        if decision is not None and decision not in BUCKETS:
            fail(400, f"decision must be one of {', '.join(BUCKETS)}, not {decision!r}")
        return cls(source=values.get("source") or None, decision=decision)

    def args(self) -> dict[str, str]:
        """As query arguments, for links that keep the reviewer in the same queue."""
        return {name: value for name, value in (("source", self.source), ("decision", self.decision)) if value}

    def where(self) -> ColumnElement[bool]:
        if self.decision == DEACTIVATED:
            clause = and_(Posting.withdrawn_at.is_(None), linked_to_inactive_job())
        else:
            clause = and_(waiting(), Posting.decision.in_([self.decision] if self.decision else REVIEW))
        return and_(clause, Posting.source == self.source) if self.source else clause


def waiting() -> ColumnElement[bool]:
    """Not withdrawn and not linked: what the queue's index (ix_postings_waiting) holds."""
    return and_(Posting.withdrawn_at.is_(None), Posting.linked_job_id.is_(None))

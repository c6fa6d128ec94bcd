"""What the review team sees of its work: decisions per reviewer per day, the median time a decision takes,
the backlog by age, and how often reviewers confirmed the matcher's first suggestion (its real precision),
per method and score band. Read from the decisions' history; a decision later undone does not count."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobmatch.api.review_queue import QueueFilter
from jobmatch.store.models import Posting, PostingAction, PostingEvent
from jobmatch.store.types import utcnow

DAYS = 14
# a gap longer than this between two decisions of one reviewer is a pause, not the time the second one took
PAUSE = timedelta(minutes=15)
BACKLOG_AGES = (("under an hour", timedelta(hours=1)), ("under a day", timedelta(days=1)),
                ("under a week", timedelta(days=7)))
SCORE_BANDS = (90.0, 80.0, 70.0)  # a first candidate's score falls in the first band it reaches, else "below 70"


@dataclass(frozen=True)
class Precision:
    method: str
    band: str
    decisions: int
    confirmed_first: int

    @property
    def share(self) -> float:
        return self.confirmed_first / self.decisions


def review_stats(db: Session, customer_id: int, now: datetime | None = None) -> dict[str, Any]:
    now = now or utcnow()
    decided = _decisions(db, customer_id, now - timedelta(days=DAYS))
    per_day: Counter[tuple[date, str]] = Counter((event.at.date(), _who(event)) for event in decided)
    return {
        "days": DAYS,
        "per_day": sorted(per_day.items(), key=lambda item: (item[0][0], item[0][1]), reverse=True),
        "median_seconds": _median_seconds(decided),
        "backlog": _backlog(db, customer_id, now),
        "precision": _precision(decided),
    }


def _decisions(db: Session, customer_id: int, since: datetime) -> list[Any]:
    rows = db.execute(
        select(PostingEvent.id, PostingEvent.at, PostingEvent.action, PostingEvent.actor, PostingEvent.actor_name,
               PostingEvent.actor_key_id, PostingEvent.job_id, PostingEvent.before, PostingEvent.undoes_id)
        .join(Posting, Posting.id == PostingEvent.posting_id)
        .where(Posting.customer_id == customer_id, PostingEvent.at >= since, PostingEvent.actor_key_id.is_not(None),
               PostingEvent.action.in_([*PostingAction.BY_REVIEWER, PostingAction.UNDONE]))
        .order_by(PostingEvent.at, PostingEvent.id)
    ).all()
    undone = {row.undoes_id for row in rows if row.undoes_id is not None}
    return [row for row in rows if row.action != PostingAction.UNDONE and row.id not in undone]


def _who(event: Any) -> str:
    return event.actor_name or f"{event.actor}…"


def _median_seconds(decided: list[Any]) -> dict[str, float]:
    """Per reviewer, and for everyone ("all"): the median gap between one decision and their previous one."""
    last: dict[int, datetime] = {}
    gaps: dict[str, list[float]] = defaultdict(list)
    for event in decided:
        previous = last.get(event.actor_key_id)
        last[event.actor_key_id] = event.at
        if previous is not None and event.at - previous <= PAUSE:
            seconds = (event.at - previous).total_seconds()
            gaps[_who(event)].append(seconds)
            gaps["all"].append(seconds)
    return {who: median(values) for who, values in sorted(gaps.items())}


def _backlog(db: Session, customer_id: int, now: datetime) -> list[tuple[str, int]]:
    """Waiting postings by how long they have waited, in one query."""
    ages = [func.count().filter(Posting.created_at > now - age) for _, age in BACKLOG_AGES]
    row = db.execute(select(func.count(), *ages).where(Posting.customer_id == customer_id,
                                                       QueueFilter().where())).one()
    total, younger = row[0], list(row[1:])
    counts, previous = [], 0
    for (label, _), within in zip(BACKLOG_AGES, younger, strict=True):
        counts.append((label, within - previous))
        previous = within
    counts.append(("a week or more", total - previous))
    return counts


def _precision(decided: list[Any]) -> list[Precision]:
    """Of the decisions on a posting that had candidates: how many linked its first one."""
    seen: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for event in decided:
        candidates = (event.before or {}).get("candidates") or []
        if event.action == PostingAction.UNLINKED or not candidates:
            continue
        first = candidates[0]
        tally = seen[(first["method"], _band(first["score"]))]
        tally[0] += 1
        tally[1] += event.action == PostingAction.LINKED and event.job_id == first["job_id"]
    return [Precision(method, band, n, confirmed) for (method, band), (n, confirmed) in sorted(seen.items())]


def _band(score: float) -> str:
    for low in SCORE_BANDS:
        if score >= low:
            return f"{low:.0f}+"
    return f"below {SCORE_BANDS[-1]:.0f}"

"""The queue: the customer's postings a reviewer should look at, oldest first, a keyset page at a time, with
the counts of each bucket and source: the waiting ones as the few rows of `queue_counts` (kept on write), the
deactivated ones in a grouped query. "Start reviewing" claims the next posting (jobmatch.api.claims); the list
shows which postings other reviewers are working on."""

from typing import Any

from flask import render_template, request
from sqlalchemy import ColumnElement, Select, and_, exists, func, select

from jobmatch.api.auth import caller
from jobmatch.api.database import session
from jobmatch.api.deactivation import linked_to_inactive_job
from jobmatch.api.errors import fail
from jobmatch.api.pages import bp
from jobmatch.api.postings import MAX_ID
from jobmatch.api.review_queue import BUCKETS, DEACTIVATED, REVIEW, QueueFilter
from jobmatch.store.models import ApiKey, Posting, QueueCount, ReviewClaim
from jobmatch.store.types import utcnow

PAGE_SIZE = 50


@bp.route("/")
def queue() -> str:
    chosen = QueueFilter.read(request.args)
    after, before = _id_arg("after"), _id_arg("before")
    where = chosen.where()
    if before is not None:
        rows = list(session().scalars(_postings(and_(where, Posting.id < before)).order_by(Posting.id.desc())
                                      .limit(PAGE_SIZE)))[::-1]
    else:
        later = and_(where, Posting.id > after) if after is not None else where
        rows = list(session().scalars(_postings(later).order_by(Posting.id).limit(PAGE_SIZE)))
    counts = _counts()
    return render_template(
        "queue.html", postings=rows, chosen=chosen, buckets=BUCKETS, held=_held([p.id for p in rows]),
        earlier=bool(rows) and _any(and_(where, Posting.id < rows[0].id)),
        later=bool(rows) and _any(and_(where, Posting.id > rows[-1].id)),
        bucket_counts={name: sum(n for (bucket, source), n in counts.items()
                                 if bucket == name and chosen.source in (None, source)) for name in BUCKETS},
        source_counts=_by_source(counts, chosen.decision),
    )


def _id_arg(name: str) -> int | None:
    value = request.args.get(name)
    if value is None:
        return None
    if not value.isdigit() or int(value) > MAX_ID:
        fail(400, f"{name} must be a posting id (a whole number), not {value!r}")
    return int(value)


def _postings(where: ColumnElement[bool]) -> Select[Any]:
    return select(Posting).where(Posting.customer_id == caller().customer_id, where)


def _any(where: ColumnElement[bool]) -> bool:
    return bool(session().scalar(select(exists(_postings(where).with_only_columns(Posting.id)))))


def _counts() -> dict[tuple[str, str], int]:
    """Postings per (bucket, source): the waiting ones as counted on write, the deactivated ones counted now."""
    waiting = select(QueueCount.decision, QueueCount.source, func.sum(QueueCount.waiting)).where(
        QueueCount.customer_id == caller().customer_id, QueueCount.decision.in_(REVIEW)
    ).group_by(QueueCount.decision, QueueCount.source).having(func.sum(QueueCount.waiting) > 0)
    deactivated = _postings(and_(Posting.withdrawn_at.is_(None), linked_to_inactive_job())).with_only_columns(
        Posting.source, func.count())
    db = session()
    counts = {(decision, source): n for decision, source, n in db.execute(waiting)}
    counts.update({(DEACTIVATED, source): n for source, n in db.execute(deactivated.group_by(Posting.source))})
    return counts


def _by_source(counts: dict[tuple[str, str], int], decision: str | None) -> dict[str, int]:
    wanted = [decision] if decision else [name for name in BUCKETS if name != DEACTIVATED]
    totals: dict[str, int] = {}
    for (bucket, source), n in sorted(counts.items(), key=lambda item: item[0][1]):
        if bucket in wanted:
            totals[source] = totals.get(source, 0) + n
    return totals


def _held(posting_ids: list[int]) -> dict[int, str]:
    """Who else works on which of these postings now: their key's name, else its prefix."""
    if not posting_ids:
        return {}
    rows = session().execute(
        select(ReviewClaim.posting_id, ApiKey.name, ApiKey.prefix).join(ApiKey, ApiKey.id == ReviewClaim.api_key_id)
        .where(ReviewClaim.posting_id.in_(posting_ids), ReviewClaim.expires_at > utcnow(),
               ReviewClaim.api_key_id != caller().key_id))
    return {posting_id: name or f"{prefix}…" for posting_id, name, prefix in rows}

"""The queue: the customer's postings a reviewer should look at, oldest first, a page at a time."""

from typing import Any

from flask import render_template, request
from sqlalchemy import ColumnElement, Select, and_, func, select

from jobmatch.api.auth import caller
from jobmatch.api.database import session
from jobmatch.api.errors import fail
from jobmatch.api.pages import bp
from jobmatch.api.review_queue import BUCKETS, QueueFilter
from jobmatch.store.models import Posting

PAGE_SIZE = 50


@bp.route("/")
def queue() -> str:
    chosen = QueueFilter.read(request.args)
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        fail(400, f"page must be a whole number from 1, not {page!r}")
    page_number = int(page)
    postings = list(session().scalars(
        _postings(chosen.where()).order_by(Posting.id).limit(PAGE_SIZE + 1).offset((page_number - 1) * PAGE_SIZE)))
    return render_template(
        "queue.html", postings=postings[:PAGE_SIZE], more=len(postings) > PAGE_SIZE, page=page_number,
        chosen=chosen, buckets=BUCKETS, bucket_counts=_bucket_counts(chosen.source),
        source_counts=_source_counts(chosen.decision), total=_count(chosen.where()),
    )


def next_posting(after_id: int, chosen: QueueFilter) -> Posting | None:
    """The posting to review after this one: the next in the queue, else the oldest one left."""
    later = session().scalar(_postings(and_(chosen.where(), Posting.id > after_id)).order_by(Posting.id))
    return later or session().scalar(_postings(and_(chosen.where(), Posting.id != after_id)).order_by(Posting.id))


def _postings(where: ColumnElement[bool]) -> Select[Any]:
    return select(Posting).where(Posting.customer_id == caller().customer_id, where)


def _count(where: ColumnElement[bool]) -> int:
    return session().scalar(_postings(where).with_only_columns(func.count(Posting.id))) or 0


def _bucket_counts(source: str | None) -> dict[str, int]:
    return {name: _count(QueueFilter(source, name).where()) for name in BUCKETS}


def _source_counts(decision: str | None) -> dict[str, int]:
    where = QueueFilter(None, decision).where()
    rows = session().execute(_postings(where).with_only_columns(Posting.source, func.count(Posting.id))
                             .group_by(Posting.source).order_by(Posting.source))
    return {source: count for source, count in rows}

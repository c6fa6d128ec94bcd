"""Learned aliases: what a reviewer decided for one posting, offered for the customer's later postings of the
same title (`jobmatch.matcher.title_key`). A link to a job the matcher did not rank first puts that job first
for them; a rejection puts the job last. The matcher reads them as `Alias`es and never links by them alone."""

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import ColumnElement, Connection, FromClause, Join, Row, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, object_session

from jobmatch.matcher import Alias, title_key
from jobmatch.matcher import Posting as MatcherPosting
from jobmatch.store.models import Posting, TitleAlias
from jobmatch.store.types import utcnow

_KEY = ("customer_id", "title_key", "job_id")
_ALIASES = TitleAlias.__table__.c
# built once, of table columns (no ORM entity to load): every new posting runs it
_FOR_TITLE = select(_ALIASES.job_id, _ALIASES.posting_id, _ALIASES.linked).where(
    _ALIASES.customer_id == bindparam("customer_id"), _ALIASES.title_key == bindparam("title_key"))
# the verdicts on the title bound as `title_key`, as columns of another query of the customer (`outer_join`)
ALONG = (_ALIASES.job_id.label("alias_job_id"), _ALIASES.posting_id.label("alias_posting_id"),
         _ALIASES.linked.label("alias_linked"))

Read = tuple[str, list[Alias]]  # the verdicts on one title key, read already


def record(posting: Posting, matched: MatcherPosting, job_id: str, linked: bool) -> None:
    """Remember a reviewer's verdict on `job_id` for the posting's title; a link only where the matcher did not
    rank the job first as a plausible candidate (otherwise there is nothing to learn). The latest verdict on a job
    replaces the one before."""
    first = posting.candidates[0] if posting.candidates else None
    if linked and first and first["job_id"] == job_id and not first.get("weak"):
        return
    session = object_session(posting)
    key = title_key(matched)
    if session is None or not key:
        return
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(TitleAlias)
    values = {"customer_id": posting.customer_id, "title_key": key, "job_id": job_id, "posting_id": posting.id,
              "linked": linked, "at": utcnow()}
    session.execute(insert.values(values).on_conflict_do_update(
        index_elements=list(_KEY), set_={name: values[name] for name in ("posting_id", "linked", "at")}))


def outer_join(left: FromClause, customer_id: ColumnElement[int]) -> Join:
    """`left` with the customer's verdicts on the title bound as `title_key`, selected as ALONG: a query that reads
    a customer's row reads them in the same round trip, one row per verdict (or one of nulls)."""
    return left.outerjoin(TitleAlias.__table__,
                          (_ALIASES.customer_id == customer_id) & (_ALIASES.title_key == bindparam("title_key")))


def along(key: str, rows: Iterable[Row[Any]]) -> Read:
    """The verdicts on `key` in the rows of a query joined by `outer_join`."""
    return key, [Alias(row.alias_job_id, row.alias_posting_id, row.alias_linked) for row in rows
                 if row.alias_job_id is not None]


def for_posting(session: Session | Connection, customer_id: int, matched: MatcherPosting,
                read: Read | None = None) -> list[Alias]:
    """The verdicts on the customer's earlier postings of this posting's title; those `read` along with the
    request's API key when they are of its title key."""
    key = title_key(matched)
    if not key:
        return []
    if read is not None and read[0] == key:
        return read[1]
    rows = session.execute(_FOR_TITLE, {"customer_id": customer_id, "title_key": key})
    return [Alias(job_id, posting_id, linked) for job_id, posting_id, linked in rows]


def by_title_key(session: Session, customer_id: int, keys: Collection[str]) -> dict[str, list[Alias]]:
    """The verdicts on the customer's earlier postings of these titles (`title_key`s), in one query."""
    found: dict[str, list[Alias]] = defaultdict(list)
    if keys:
        for key, job_id, posting_id, linked in session.execute(
            select(TitleAlias.title_key, TitleAlias.job_id, TitleAlias.posting_id, TitleAlias.linked)
            .where(TitleAlias.customer_id == customer_id, TitleAlias.title_key.in_(sorted(keys)))
        ):
            found[key].append(Alias(job_id, posting_id, linked))
    return found

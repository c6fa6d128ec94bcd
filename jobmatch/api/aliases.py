"""Learned aliases: what a reviewer decided for one posting, offered for the customer's later postings of the
same title (`jobmatch.matcher.title_key`). A link to a job the matcher did not rank first puts that job first
for them; a rejection puts the job last. The matcher reads them as `Alias`es and never links by them alone."""

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, object_session

from jobmatch.matcher import Alias, title_key
from jobmatch.matcher import Posting as MatcherPosting
from jobmatch.store.models import Posting, TitleAlias
from jobmatch.store.types import utcnow

_KEY = ("customer_id", "title_key", "job_id")


def record(posting: Posting, matched: MatcherPosting, job_id: str, linked: bool) -> None:
    """Remember a reviewer's verdict on `job_id` for the posting's title; a link only where the matcher did not
    rank the job first (otherwise there is nothing to learn). The latest verdict on a job replaces the one before."""
    if linked and posting.candidates and posting.candidates[0]["job_id"] == job_id:
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


def for_posting(session: Session, customer_id: int, matched: MatcherPosting) -> list[Alias]:
    """The verdicts on the customer's earlier postings of this posting's title."""
    key = title_key(matched)
    return by_title_key(session, customer_id, {key}).get(key, []) if key else []


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

"""The stored keys of the postings waiting for a link (jobmatch.matcher.keys), by which re-matching finds the
postings a changed job can concern in one indexed query. Written, with the posting's title words, whenever a
posting is stored or matched, and dropped once it is linked or withdrawn; the query also asks that a posting
still waits, so a key left behind costs a row, never a wrong re-match."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, or_
from sqlalchemy.orm import Session

from jobmatch.matcher import keys
from jobmatch.store.models import Posting, PostingKey

TABLE = PostingKey.__table__
WAITING = Posting.linked_job_id.is_(None) & Posting.withdrawn_at.is_(None)


def is_waiting(posting: Posting) -> bool:
    return posting.linked_job_id is None and posting.withdrawn_at is None


def of(fields: dict[str, Any], candidates: list[dict[str, Any]]) -> tuple[str, set[str]]:
    """The title words (as stored: `keys.stored_words`) and the keys of a posting's fields and candidates."""
    readings, posting_keys = keys.posting_keys(fields, (candidate["job_id"] for candidate in candidates))
    return keys.stored_words(readings), posting_keys


def title_key(title_words: str) -> str:
    """The title key (jobmatch.matcher.title_key) of a posting with these stored title words: their first
    reading, the title normalized as the key normalizes it."""
    return " ".join(keys.readings_of(title_words)[0])


def of_posting(posting: Posting) -> tuple[str, set[str]]:
    return of({name: getattr(posting, name) for name in keys.POSTING_FIELDS}, posting.candidates)


def rows(customer_id: int, posting_id: int, posting_keys: set[str]) -> list[dict[str, Any]]:
    return [{"customer_id": customer_id, "posting_id": posting_id, "key": key} for key in sorted(posting_keys)]


def store(session: Session, postings: Sequence[Posting]) -> None:
    """Keep stored postings' keys current: their fields' and candidates' while they wait, none once linked or
    withdrawn. Two statements, however many postings."""
    stored = []
    for posting in filter(is_waiting, postings):  # first: the title words are flushed with the posting's change
        posting.title_words, posting_keys = of_posting(posting)
        # a title of noise words alone ("(m/w/d)"), without identifiers or candidates, has none
        stored += rows(posting.customer_id, posting.id, posting_keys)
    session.execute(delete(TABLE).where(TABLE.c.posting_id.in_([posting.id for posting in postings])))
    if stored:
        session.execute(insert(TABLE), stored)


def store_candidates(session: Session, postings: Sequence[Posting]) -> None:
    """`store` for postings matched again because the pool changed: their fields, and so every other key and
    their title words, are as stored, so only the keys of their candidates are written again (a handful a
    posting, where its title has a hundred). Two statements, however many postings."""
    waiting = [posting for posting in postings if is_waiting(posting)]
    done = [posting.id for posting in postings if not is_waiting(posting)]
    session.execute(delete(TABLE).where(
        TABLE.c.posting_id.in_([posting.id for posting in postings]),
        or_(TABLE.c.key.startswith(keys.candidate_key(""), autoescape=True), TABLE.c.posting_id.in_(done))))
    stored = [row for posting in waiting for row in rows(posting.customer_id, posting.id, {
        keys.candidate_key(candidate["job_id"]) for candidate in posting.candidates})]
    if stored:
        session.execute(insert(TABLE), stored)

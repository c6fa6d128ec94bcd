"""Claims: a reviewer's hold on the posting they are deciding, so that a team working one queue never works the
same posting twice. A reviewer holds one claim at a time; it lasts JOBMATCH_REVIEW_CLAIM_MINUTES, renewed each
time they ask for their next posting, and ends with a decision on the posting or when they release it.

Taking a claim is one INSERT ... ON CONFLICT DO UPDATE that overwrites only an expired claim or one's own: of
two reviewers asking at once for the same posting, the second's statement waits for the first's and then
takes nothing, and that reviewer gets the next posting instead. The review page moves between postings only
through claims too (`following`, `claim`), so what it shows for deciding is always the reviewer's own."""

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, delete, exists, or_, select, text
from sqlalchemy.orm import Session

from jobmatch.api.auth import Caller
from jobmatch.api.postings import owned_posting
from jobmatch.api.review_queue import QueueFilter
from jobmatch.store.db import dialect_insert
from jobmatch.store.models import Posting, ReviewClaim
from jobmatch.store.types import utcnow

TRIES = 20  # postings tried before reading the queue again
ROUNDS = 5  # readings of the queue, each after others took every posting of the last one


def claim_minutes() -> int:
    return current_app.extensions["jobmatch.settings"].review_claim_minutes


def next_posting(db: Session, who: Caller, chosen: QueueFilter, skipped: Collection[int] = ()) -> Posting | None:
    """Claim and return the reviewer's next posting, committed: their own open claim while its posting waits,
    else the oldest waiting posting no one else holds, those the reviewer skipped only when no other is left;
    None when none."""
    now = utcnow()
    own = db.scalar(_waiting(who, chosen).join(ReviewClaim, ReviewClaim.posting_id == Posting.id).where(
        ReviewClaim.api_key_id == who.key_id, ReviewClaim.expires_at > now).order_by(ReviewClaim.claimed_at.desc()))
    if own is not None and own not in skipped and _take(db, own, who, now, _until(now)):
        return _committed(db, own)
    return _first_free(db, who, lambda: _free(db, who, chosen, now, skipped), now)


def following(db: Session, who: Caller, chosen: QueueFilter, after: int) -> Posting | None:
    """Claim and return the first waiting posting after `after` in the queue's order that no one else holds,
    ending the reviewer's other claim; committed. None when none follows."""
    now = utcnow()
    return _first_free(db, who, lambda: _free(db, who, chosen, now, (), after), now)


def claim(db: Session, who: Caller, posting_id: int) -> bool:
    """Take this posting for the reviewer unless someone else holds it, ending their other claim; committed.
    Whether it is theirs now. A claim of theirs with more than half its time left is kept as it is, without a
    write: the page opening the posting a claim just brought it to."""
    now = utcnow()
    held = holder(db, posting_id)
    if held is not None and held[0] == who.key_id and held[1] - now > timedelta(minutes=claim_minutes()) / 2:
        return True
    taken = _take(db, posting_id, who, now, _until(now))
    if taken:
        _release_others(db, who, posting_id)
    db.commit()
    return taken


def release(db: Session, posting_id: int, key_id: int | None = None) -> int:
    """End the claim on the posting (only `key_id`'s, when given); the caller commits. The number ended."""
    statement = delete(ReviewClaim).where(ReviewClaim.posting_id == posting_id)
    if key_id is not None:
        statement = statement.where(ReviewClaim.api_key_id == key_id)
    return db.execute(statement).rowcount


def holder(db: Session, posting_id: int) -> tuple[int, datetime] | None:
    """Who holds an open claim on the posting (key id) and until when."""
    row = db.execute(select(ReviewClaim.api_key_id, ReviewClaim.expires_at).where(
        ReviewClaim.posting_id == posting_id, ReviewClaim.expires_at > utcnow())).first()
    return (row.api_key_id, row.expires_at) if row else None


def _until(now: datetime) -> datetime:
    return now + timedelta(minutes=claim_minutes())


def _waiting(who: Caller, chosen: QueueFilter) -> Select[Any]:
    return select(Posting.id).where(Posting.customer_id == who.customer_id, chosen.where())


def _first_free(db: Session, who: Caller, free: Callable[[], list[int]], now: datetime) -> Posting | None:
    """Claim the first of `free()` another reviewer does not take first, reading it again after others took all
    of them, ending the reviewer's other claim; committed. None when none is left."""
    for _round in range(ROUNDS):
        found = free()
        if not found:
            break
        for posting_id in found:
            if _take(db, posting_id, who, now, _until(now)):
                _release_others(db, who, posting_id)
                return _committed(db, posting_id)
    db.commit()
    return None


def _free(db: Session, who: Caller, chosen: QueueFilter, now: datetime, skipped: Collection[int],
          after: int | None = None) -> list[int]:
    """Up to TRIES waiting postings (after `after`, when given) no one else holds, oldest first: those not
    skipped, else the skipped ones. Each is a walk of the queue index."""
    held = exists().where(ReviewClaim.posting_id == Posting.id, ReviewClaim.expires_at > now,
                          ReviewClaim.api_key_id != who.key_id)
    statement = _waiting(who, chosen).where(~held).order_by(Posting.id).limit(TRIES)
    if after is not None:
        statement = statement.where(Posting.id > after)
    if not skipped:
        return list(db.scalars(statement))
    return (list(db.scalars(statement.where(Posting.id.not_in(list(skipped)))))
            or list(db.scalars(statement.where(Posting.id.in_(list(skipped))))))


def _release_others(db: Session, who: Caller, posting_id: int) -> None:
    db.execute(delete(ReviewClaim).where(ReviewClaim.api_key_id == who.key_id, ReviewClaim.posting_id != posting_id))


def _take(db: Session, posting_id: int, who: Caller, now: datetime, until: datetime) -> bool:
    if db.get_bind().dialect.name == "postgresql":
        # a claim is a hint that lasts minutes: one lost in a crash costs nothing, so its commit does not wait
        # for the disk (the transaction around it only reads otherwise)
        db.execute(text("SET LOCAL synchronous_commit = off"))
    insert = dialect_insert(db, ReviewClaim.__table__).values(
        posting_id=posting_id, api_key_id=who.key_id, claimed_at=now, expires_at=until)
    mine_or_expired = or_(ReviewClaim.__table__.c.expires_at <= now, ReviewClaim.__table__.c.api_key_id == who.key_id)
    statement = insert.on_conflict_do_update(
        index_elements=["posting_id"], where=mine_or_expired,
        set_={"api_key_id": insert.excluded.api_key_id, "claimed_at": insert.excluded.claimed_at,
              "expires_at": insert.excluded.expires_at},
    ).returning(ReviewClaim.__table__.c.posting_id)
    return db.execute(statement).first() is not None


def _committed(db: Session, posting_id: int) -> Posting:
    db.commit()
    return owned_posting(posting_id)

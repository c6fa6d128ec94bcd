"""Postings that look the same as one just confirmed: waiting, with the same title and place as the matcher
normalizes them, and the confirmed job as their first candidate. Multiposters send one advert to many boards,
so a reviewer who confirmed one can confirm its copies in one step."""

from sqlalchemy import exists, select

from jobmatch.api.auth import caller
from jobmatch.api.database import session
from jobmatch.api.review_queue import QueueFilter
from jobmatch.matcher.places import CityNames, Place
from jobmatch.matcher.titles import normalize_title
from jobmatch.store.models import Posting, ReviewClaim
from jobmatch.store.types import utcnow

MAX_OFFERED = 20
MAX_READ = 500  # waiting postings with this first candidate read to compare titles; a backlog's copies fit


def alike_waiting(done: Posting, job_id: str) -> list[Posting]:
    """Up to MAX_OFFERED waiting postings like `done` whose first candidate is `job_id`, none held by another
    reviewer, oldest first."""
    held = exists().where(ReviewClaim.posting_id == Posting.id, ReviewClaim.expires_at > utcnow(),
                          ReviewClaim.api_key_id != caller().key_id)
    statement = (
        select(Posting)
        .where(Posting.customer_id == caller().customer_id, QueueFilter().where(), Posting.id != done.id, ~held,
               Posting.candidates[(0, "job_id")].as_string() == job_id)
        .order_by(Posting.id).limit(MAX_READ)
    )
    wanted = _looks(done)
    return [found for found in session().scalars(statement) if _looks(found) == wanted][:MAX_OFFERED]


def _looks(posting: Posting) -> tuple[str, Place]:
    location = posting.location or {}
    place = Place.of(location.get("city"), location.get("zip_code"), location.get("raw"))
    return normalize_title(posting.title, CityNames(), place.city).text, place

"""A posting's version as its ETag, and decisions made only on the version their sender saw.

Every change of a posting row raises `Posting.version` (SQLAlchemy's version counter), and the UPDATE that
writes a change asks for the version it read: `UPDATE ... WHERE id = ? AND version = ?`. Of two decisions on one
posting, the second's UPDATE waits for the first's transaction (a row lock on PostgreSQL, the write lock on
SQLite) and then matches no row, so it changes nothing. A decision sent with `If-Match` is refused with 412 when
the posting is not at that version, before or at that UPDATE; one sent without it is applied to the posting as
it then is (read again once, if it changed in between).
"""

import re
from collections.abc import Callable

from flask import request
from sqlalchemy.orm.exc import StaleDataError

from jobmatch.api.database import session
from jobmatch.api.errors import fail
from jobmatch.store.models import Posting

_STRONG_TAG = re.compile(r'^"(\d{1,18})"$')


def etag(posting: Posting) -> str:
    return f'"{posting.version}"'


def etag_header(posting: Posting) -> dict[str, str]:
    return {"ETag": etag(posting)}


def expected_version(sent: str | None = None) -> int | None:
    """The version an `If-Match` (or a page's form field, `sent`) names; None when it names none or `*`."""
    value = (sent if sent is not None else request.headers.get("If-Match", "")).strip()
    if not value or value == "*":
        return None
    if value.isdigit():  # the page's form sends the bare number
        value = f'"{value}"'
    found = _STRONG_TAG.match(value)
    if found is None:
        fail(400, f"If-Match must be one ETag as GET /v1/postings/{{id}} answers it, like '\"3\"', not {value!r}",
             {"headers": {"If-Match": ["not an ETag of a posting"]}})
    return int(found.group(1))


def decide(load: Callable[[], Posting], apply: Callable[[Posting], None], expected: int | None) -> Posting:
    """Load the posting, apply a decision to it and commit, only while the posting is at `expected` (when
    given); 412 with the current version otherwise, and nothing changed."""
    db = session()
    for _attempt in range(2):
        posting = load()
        if expected is not None and posting.version != expected:
            _changed(posting, expected)
        try:
            apply(posting)  # may flush already (autoflush), where the UPDATE finds the posting changed
            db.commit()
            return posting
        except StaleDataError:  # another decision committed between our read and our write
            db.rollback()
            db.expunge_all()
            if expected is not None:
                _changed(load(), expected)
    fail(409, "the posting changed twice while this decision was made; read it again and decide")


def _changed(posting: Posting, expected: int) -> None:
    fail(412, f"posting {posting.id} changed since version {expected}: it is at version {posting.version} now; "
              "read it again, then decide", {"version": posting.version, "decision": posting.decision,
                                             "linked_job_id": posting.linked_job_id},
         headers=etag_header(posting))

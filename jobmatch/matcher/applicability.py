"""Whether applications can be created for an ATS job, and if not, why: the one rule behind the matcher (a job
that is not applicable is never linked automatically), `can_apply` and `deactivated_in_ats` of linked postings,
and the job states reviewers see.

A job is read as a mapping of our column names (most are Kombo's: `status`, `visibility`,
`remote_deleted_at`); the API reads the same names off its rows, and jobmatch.api.deactivation states the
same rule in SQL from the constants here.
"""

from collections.abc import Mapping, Sequence
from itertools import repeat
from typing import Any

OPEN = "OPEN"
STATUS_REASONS = {"CLOSED": "closed", "ARCHIVED": "archived", "DRAFT": "draft"}  # Kombo's other statuses
UNKNOWN_STATUS = "unknown_status"  # an open enum grows: a status we do not know yet takes no applications
NOT_PUBLIC = "not_public"
PUBLIC = "PUBLIC"
# Moments that, once set, make a job not applicable, first match wins: (reason, the key holding the moment).
# A deleted job keeps the status it had, so these are read before the status.
GONE = (
    ("quarantined", "quarantined_at"),  # its data could not be read safely (jobmatch.sync.validation)
    ("deleted", "remote_deleted_at"),
    ("vanished", "vanished_at"),  # ours: a complete full read no longer returned it (Kombo purged it)
)
REASONS = (*(reason for reason, _ in GONE), *STATUS_REASONS.values(), UNKNOWN_STATUS, NOT_PUBLIC)
KEYS = ("status", "visibility", *(key for _, key in GONE))


def not_applicable(job: Mapping[str, Any], *, public_only: bool = False) -> str | None:
    """Why the job takes no applications (one of REASONS), or None when it does. A job without a status (the
    ATS tells none) counts as open; with `public_only` (the customer's choice), a job whose visibility is given
    and not PUBLIC is not applicable."""
    gone = gone_reasons([[job.get(key)] for _, key in GONE])
    return not_applicable_all(gone, [job.get("status")], [job.get("visibility")], public_only=public_only)[0]


def gone_reasons(moments: Sequence[Sequence[Any]]) -> list[str | None]:
    """For each job, the reason of the first of GONE whose moment is set, or None: `moments` holds the values
    of GONE's keys, one sequence per key, in GONE's order."""
    count = len(moments[0])
    gone: list[str | None] = [None] * count
    for (reason, _), column in reversed(list(zip(GONE, moments))):
        if column.count(None) < count:  # most pools have no job gone
            gone = [reason if moment is not None else was for moment, was in zip(column, gone)]
    return gone


_BY_STATUS: dict[Any, str | None] = {None: None, OPEN: None, **STATUS_REASONS}


def _status_reason(status: Any) -> str | None:
    if status is None:
        return None
    return _BY_STATUS.get(status, UNKNOWN_STATUS) if isinstance(status, str) else UNKNOWN_STATUS  # a list: unknown


def not_applicable_all(gone: Sequence[str | None], statuses: Sequence[Any], visibilities: Sequence[Any], *,
                       public_only: bool = False) -> list[str | None]:
    """`not_applicable` of many jobs at once, a field at a time (a build reads 100,000): `gone` as
    `gone_reasons` gives it, the statuses and visibilities as read."""
    if {str, type(None)}.issuperset(map(type, statuses)):
        reasons = list(map(_BY_STATUS.get, statuses, repeat(UNKNOWN_STATUS)))
    else:
        reasons = list(map(_status_reason, statuses))
    if any(gone):  # read before the status: a deleted job keeps the status it had
        reasons = [was or reason for was, reason in zip(gone, reasons)]
    if public_only:
        reasons = [reason or (NOT_PUBLIC if visibility is not None and visibility != PUBLIC else None)
                   for reason, visibility in zip(reasons, visibilities)]
    return reasons

"""Whether applications can be created for an ATS job, and if not, why: the one rule behind the matcher (a job
that is not applicable is never linked automatically), `can_apply` and `deactivated_in_ats` of linked postings,
and the job states reviewers see.

A job is read as a mapping of our column names (most are Kombo's: `status`, `visibility`,
`remote_deleted_at`); the API reads the same names off its rows, and jobmatch.api.deactivation states the
same rule in SQL from the constants here.
"""

from collections.abc import Mapping
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
    for reason, key in GONE:
        if job.get(key) is not None:
            return reason
    status = job.get("status")
    if status is not None and status != OPEN:
        return STATUS_REASONS.get(status, UNKNOWN_STATUS) if isinstance(status, str) else UNKNOWN_STATUS
    visibility = job.get("visibility")
    if public_only and visibility is not None and visibility != PUBLIC:
        return NOT_PUBLIC
    return None

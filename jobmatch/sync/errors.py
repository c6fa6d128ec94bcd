"""
What can go wrong when talking to Kombo:

* KomboError               any failure; Kombo's `error.code`, the HTTP status, its message and log URL
  x KomboAuthError         the API key or the customer's ATS credentials are invalid; never retried
  x KomboSetupPending      the integration serves no data yet (first sync running, setup unfinished or
                           quality check failed); not retried here, the caller waits with a longer backoff
  x KomboUnavailable       a temporary failure (rate limit, Kombo or the ATS down, timeout, dropped
                           connection) that persisted through every attempt of the retry policy
  x KomboProtocolError     a response that is not what Kombo documents (missing keys, a repeated cursor,
                           a job without an id; a body that is not JSON on every attempt: once, it is
                           more likely damage on the way and is tried again)

Every code of Kombo's closed list has its advice in ADVICE; the codes not named in a set below (PLATFORM.INPUT_INVALID,
PLATFORM.INTEGRATION_NOT_FOUND, INTEGRATION.MODEL_DISABLED, ...) are a plain KomboError, not retried. `str()` of
every error is one line an operator can act on: where it happened, the code, what Kombo said and what to do.
CUSTOMER_ACTION_CODES are the ones only the customer can fix: the integration is flagged with that advice.

PLATFORM.UNKNOWN_ERROR (HTTP 500) counts as temporary: Kombo's own SDK retries every 500, and a bounded number of
retries costs little while a lost sync costs a whole interval. So do PLATFORM.TASK_TIMED_OUT (a read is safe to
repeat) and any 502/503/504 (a gateway or the ATS behind Kombo failing, e.g. REMOTE.UNKNOWN_HTTP_ERROR on 502)
unless its code says authentication or setup.
"""

from typing import Any

AUTH_CODES = frozenset({"PLATFORM.AUTHENTICATION_INVALID", "INTEGRATION.AUTHENTICATION_INVALID"})
SETUP_CODES = frozenset({"INTEGRATION.SETUP_SYNC_PENDING", "INTEGRATION.SETUP_INCOMPLETE", "INTEGRATION.QA_FAILED"})
RETRYABLE_CODES = frozenset(
    {
        "PLATFORM.RATE_LIMIT_EXCEEDED",
        "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED",
        "REMOTE.RATE_LIMIT_EXCEEDED",
        "REMOTE.SERVICE_UNAVAILABLE",
        "PLATFORM.UNKNOWN_ERROR",
        "PLATFORM.TASK_TIMED_OUT",
    }
)
CUSTOMER_ACTION_CODES = frozenset({"INTEGRATION.AUTHENTICATION_INVALID", "INTEGRATION.PERMISSION_MISSING"})
# A gateway status is temporary whatever the body says, unless its code is an authentication or setup code
# (Kombo answered SETUP_SYNC_PENDING with 503 before May 2026).
GATEWAY_STATUSES = frozenset({502, 503, 504})
# Without a Kombo error code (a load balancer's page, an empty body) these statuses still tell what happened.
UNCODED_RETRYABLE_STATUSES = frozenset({429, 500})
AUTH_STATUSES = frozenset({401, 403})

ADVICE = {
    "PLATFORM.RATE_LIMIT_EXCEEDED": "Kombo's rate limit for our API key was reached: the read is retried later.",
    "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED": (
        "Too many requests to Kombo at once for this integration: the read is retried later."
    ),
    "PLATFORM.UNKNOWN_ERROR": "Kombo failed unexpectedly: the read is retried; if it persists, send Kombo the log.",
    "PLATFORM.TASK_TIMED_OUT": "Kombo's task for the request timed out: the read is retried later.",
    "PLATFORM.AUTHENTICATION_INVALID": "Kombo rejected our API key: check KOMBO_API_KEY and its Kombo environment.",
    "INTEGRATION.AUTHENTICATION_INVALID": (
        "The customer's ATS credentials stopped working: ask the customer to reconnect the integration in Kombo "
        "with valid credentials, then sync again."
    ),
    "INTEGRATION.SETUP_SYNC_PENDING": (
        "Kombo's first sync of this integration is still running and no data is served until it completes: "
        "wait for it (poll with a long backoff or wait for the data-changed webhook)."
    ),
    "INTEGRATION.SETUP_INCOMPLETE": (
        "The customer has not finished setting up the integration in Kombo: ask them to complete the setup, "
        "then sync again."
    ),
    "INTEGRATION.QA_FAILED": (
        "Kombo's quality check held back incomplete data and Kombo support is fixing it: sync again later."
    ),
    "PLATFORM.INTEGRATION_NOT_FOUND": "No such integration: check the integration id; it may have been deleted.",
    "PLATFORM.INPUT_INVALID": "Kombo rejected the request's parameters: check the filters sent.",
    "PLATFORM.IP_NOT_WHITELISTED": "Add this server's outgoing IP address to the allow-list in Kombo's dashboard.",
    "INTEGRATION.PERMISSION_MISSING": (
        "The ATS user the customer connected lacks a permission Kombo needs to read jobs: ask the customer to grant "
        "it in their ATS (or reconnect with a user that has it), then sync again."
    ),
    "INTEGRATION.INACTIVE": "The integration is inactive: the customer or Kombo must reactivate it.",
    "INTEGRATION.MODEL_NOT_AVAILABLE": "This ATS does not offer jobs through Kombo.",
    "INTEGRATION.MODEL_DISABLED": "Jobs are disabled in the integration's scope: enable them in Kombo's dashboard.",
    "INTEGRATION.ACTION_NOT_AVAILABLE": "This ATS does not offer the action through Kombo.",
    "INTEGRATION.ACTION_DISABLED": "The action is disabled in the integration's scope: enable it in Kombo's dashboard.",
    "REMOTE.SERVICE_UNAVAILABLE": "The customer's ATS is unavailable: the read is retried later.",
    "REMOTE.RATE_LIMIT_EXCEEDED": "The customer's ATS rate-limited Kombo: the read is retried later.",
    "REMOTE.INPUT_INVALID": "The customer's ATS rejected the request (a filter it does not support?): check the filters.",
    "REMOTE.UNKNOWN_HTTP_ERROR": "The customer's ATS answered Kombo with an unexplained error: see Kombo's log entry.",
    "ATS.JOB_CLOSED": "The job is closed in the ATS and takes no applications.",
    "ATS.APPLICATION_ALREADY_EXISTS": "The candidate has applied to this job already.",
}


class KomboError(Exception):
    """A request to Kombo failed; `code` is Kombo's `error.code` when the response carried one."""

    advice = "See Kombo's log entry or its error documentation."

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int | None = None,
        log_url: str | None = None,
        where: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.log_url = log_url
        self.where = where

    def __str__(self) -> str:
        label = " ".join(
            part
            for part in (self.code, f"(HTTP {self.http_status})" if self.http_status is not None else None)
            if part
        )
        text = f"{self.where}: " if self.where else ""
        text += f"Kombo {label}: " if label else "Kombo: "
        text += f"{self.message.rstrip('.')}{self._outcome()}. {ADVICE.get(self.code or '', self.advice)}"
        return text + (f" Log: {self.log_url}" if self.log_url else "")

    def _outcome(self) -> str:
        return ""


class KomboAuthError(KomboError):
    """Kombo or the customer's ATS refused our credentials; retrying cannot help."""

    advice = "Fix the credentials: the customer must reconnect the integration, or check KOMBO_API_KEY."


class KomboSetupPending(KomboError):
    """The integration serves no data yet; a partial view must never be stored, so wait and sync again."""

    advice = "The integration is not ready yet: sync again later."


class KomboUnavailable(KomboError):
    """A temporary failure outlasted the retry policy; `message` describes the last one.

    `__cause__` is the httpx exception when the last failure was a timeout or a connection error;
    `retry_after` is the delay in seconds the server last asked for, if any.
    """

    advice = "Kombo or the ATS is overloaded or unreachable: the sync will be tried again later."

    def __init__(self, message: str, *, attempts: int, retry_after: float | None = None, **details: Any) -> None:
        super().__init__(message, **details)
        self.attempts = attempts
        self.retry_after = retry_after

    def _outcome(self) -> str:
        asked = f"; Kombo asked to wait {self.retry_after:.0f} s" if self.retry_after else ""
        return f" (gave up after {self.attempts} attempt{'s' if self.attempts != 1 else ''}{asked})"


class KomboProtocolError(KomboError):
    """Kombo answered with something its API does not document; nothing from it may be stored."""

    advice = "Kombo's response breaks its documented format: report it to Kombo with the integration and time."

"""Kombo's unified ATS API over httpx: paged job reads, targeted job lookups, integration status, force-sync.

Every request goes through one retry loop (policy in retry.py) and one response check: Kombo's error envelope
is mapped by `error.code` to the errors in errors.py, and every page's envelope is checked before it is handed
out; its jobs are handed out as received, to be checked one by one where they are stored (validation.py).
"""

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from jobmatch.sync.errors import (
    AUTH_CODES,
    AUTH_STATUSES,
    GATEWAY_STATUSES,
    RETRYABLE_CODES,
    SETUP_CODES,
    UNCODED_RETRYABLE_STATUSES,
    KomboAuthError,
    KomboError,
    KomboProtocolError,
    KomboSetupPending,
    KomboUnavailable,
)
from jobmatch.sync.retry import RetryPolicy, server_delay

__all__ = [
    "DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "JOB_STATUSES", "JobPage", "KomboClient", "RetryPolicy", "kombo_datetime",
    "status_filter",
]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.kombo.dev"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
MAX_PAGE_SIZE = 250
JOB_STATUSES = ("OPEN", "CLOSED", "DRAFT", "ARCHIVED")  # the values Kombo's `statuses` filter takes
# One targeted lookup request carries at most this many values, and at most this many URL-encoded characters
# in its list parameter, well below the 8 KiB URL limit common to proxies and servers.
LOOKUP_MAX_VALUES = 100
LOOKUP_MAX_CHARS = 2000
# Timeouts, refused or reset connections, and a connection dropped before the response was complete.
_TRANSPORT_FAILURES = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True, slots=True)
class JobPage:
    """One page of `GET /v1/ats/jobs`: its 1-based number, the jobs as received, and the cursor to the next."""

    number: int
    results: list[Any]  # the jobs as received, each checked where it is stored
    next_cursor: str | None


def status_filter(values: Iterable[str] | None) -> list[str] | None:
    """An integration's `statuses` setting, checked: the distinct statuses in Kombo's order, or None (no
    filter: every status, also ones Kombo adds later, which matching needs to see a job closed)."""
    if values is None:
        return None
    chosen = {value.strip().upper() for value in values}
    unknown = sorted(chosen - set(JOB_STATUSES))
    if unknown or not chosen:
        raise ValueError(
            f"statuses must be some of {', '.join(JOB_STATUSES)}"
            + (f"; {', '.join(map(repr, unknown))} is not one" if unknown else ", not none")
        )
    return [status for status in JOB_STATUSES if status in chosen]


def kombo_datetime(moment: datetime) -> str:
    """Kombo's datetime format, `YYYY-MM-DDTHH:mm:ss.sssZ` in UTC.

    Milliseconds are truncated, so an `updated_after` filter can only grow wider, never skip a change.
    """
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: give it a timezone (e.g. tzinfo=UTC)")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


class _Temporary(Exception):
    """One attempt failed in a way that another attempt may not; the retry loop decides.

    `garbled` marks a success whose body was not JSON: most likely cut off or damaged on the way, so it is
    tried again, but if every attempt gets one, Kombo is breaking its format (KomboProtocolError).
    """

    def __init__(
        self, message: str, *, retry_after: float | None = None, garbled: bool = False, **details: Any
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.garbled = garbled
        self.details = details


class KomboClient:
    """A client for one Kombo API key; the integration is chosen per call. Use it as a context manager."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not api_key:
            raise ValueError("api_key is empty: set the Kombo API key")
        root = base_url.rstrip("/")
        url = httpx.URL(root)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"base_url {base_url!r} is not an http(s) URL such as {DEFAULT_BASE_URL!r}")
        if url.path.endswith("/v1"):
            raise ValueError(f"base_url {base_url!r} must be the API root without /v1: the client adds /v1")
        timeout = httpx.Timeout(timeout)
        if None in (timeout.connect, timeout.read, timeout.write, timeout.pool):
            raise ValueError(f"every timeout must be set (a hung connection would stall the sync): {timeout}")
        self._http = httpx.Client(
            base_url=f"{root}/v1",
            transport=transport,
            timeout=timeout,
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json", "User-Agent": "jobmatch"},
        )
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock

    def __enter__(self) -> "KomboClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def job_pages(
        self,
        integration_id: str,
        *,
        updated_after: datetime | None = None,
        include_deleted: bool = True,
        statuses: Iterable[str] | None = None,
        ids: Iterable[str] | None = None,
        remote_ids: Iterable[str] | None = None,
        job_codes: Iterable[str] | None = None,
        post_url: str | None = None,
        name_contains: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[JobPage]:
        """Every page of the integration's jobs matching the filters, sending the same filters on every page.

        `include_deleted` defaults to true because a mirror must see deletions. Filters are checked here,
        before the first request.
        """
        params = _job_filters(
            updated_after=updated_after,
            include_deleted=include_deleted,
            statuses=statuses,
            ids=ids,
            remote_ids=remote_ids,
            job_codes=job_codes,
            post_url=post_url,
            name_contains=name_contains,
            page_size=page_size,
        )
        return self._pages(_integration(integration_id), params, first_number=1)

    def find_jobs(
        self,
        integration_id: str,
        *,
        ids: Iterable[str] | None = None,
        remote_ids: Iterable[str] | None = None,
        job_codes: Iterable[str] | None = None,
        include_deleted: bool = True,
        ignore_unsupported_filters: bool = False,
    ) -> Iterator[JobPage]:
        """The jobs having any of the given ids, remote ids or job codes, as pages numbered across the lookup.

        Kombo ANDs different filters, so each list is looked up on its own, in chunks of bounded size; a job
        found by more than one value appears only once. With `ignore_unsupported_filters` an ATS that cannot
        filter by a list answers with every job instead of an error: the caller checks what came back.
        """
        lookups = [
            (name, chunk)
            for name, values in (("ids", ids), ("remote_ids", remote_ids), ("job_codes", job_codes))
            if values is not None
            for chunk in _chunks(name, values)
        ]
        return self._lookup(_integration(integration_id), lookups, include_deleted, ignore_unsupported_filters)

    def get_integration(self, integration_id: str) -> dict[str, Any]:
        """`data` of `GET /v1/integrations/{id}`: among others `status` and `setup_status`."""
        path = f"/integrations/{quote(_integration(integration_id), safe=':')}"
        where = f"{integration_id}, GET /v1{path}"
        return _object(self._call("GET", path, integration_id, where), where)

    def force_sync(self, integration_id: str, kind: str = "DELTA") -> dict[str, Any]:
        """`data` of `POST /v1/force-sync` (`already_queued`, `sync_id`, `type`). Not for periodic use."""
        if kind not in ("FULL", "DELTA"):
            raise ValueError(f"force-sync kind must be 'FULL' or 'DELTA', got {kind!r}")
        where = f"{integration_id}, POST /v1/force-sync"
        data = self._call("POST", "/force-sync", _integration(integration_id), where, json={"type": kind})
        return _object(data, where)

    def _lookup(
        self, integration_id: str, lookups: list[tuple[str, list[str]]], include_deleted: bool, ignore_unsupported: bool
    ) -> Iterator[JobPage]:
        seen: set[str | None] = set()
        number = 1
        for name, chunk in lookups:
            params = _job_filters(include_deleted=include_deleted, **{name: chunk})
            if ignore_unsupported:
                params["ignore_unsupported_filters"] = "true"
            for page in self._pages(integration_id, params, first_number=number):
                fresh = []
                for job in page.results:
                    job_id = job.get("id") if isinstance(job, dict) else None
                    if not isinstance(job_id, str) or job_id not in seen:
                        seen.add(job_id)
                        fresh.append(job)
                yield JobPage(page.number, fresh, page.next_cursor)
                number = page.number + 1

    def _pages(self, integration_id: str, params: dict[str, str], first_number: int) -> Iterator[JobPage]:
        cursor_pages: dict[str, int] = {}  # every cursor received so far -> the page that returned it
        cursor, number = None, first_number
        where = f"{integration_id}, GET /v1/ats/jobs"
        while True:
            query = params if cursor is None else {**params, "cursor": cursor}
            data = self._call("GET", "/ats/jobs", integration_id, f"{where} page {number}", params=query)
            results, next_cursor = _job_page(data, number, where)
            if next_cursor in cursor_pages:
                raise KomboProtocolError(
                    f"page {number} returned cursor {next_cursor!r}, already returned by page "
                    f"{cursor_pages[next_cursor]}; paging would loop",
                    where=where,
                )
            yield JobPage(number, results, next_cursor)
            if next_cursor is None:
                return
            cursor_pages[next_cursor] = number
            cursor, number = next_cursor, number + 1

    def _call(self, method: str, path: str, integration_id: str, where: str, **request: Any) -> Any:
        """`data` of Kombo's success envelope, retrying temporary failures as the policy allows."""
        policy, started = self._retry, self._clock()
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(method, path, integration_id, where, **request)
            except _Temporary as failure:
                delay = policy.delay(attempt, failure.retry_after)
                out_of_time = self._clock() - started + delay > policy.total_budget
                if attempt >= policy.max_attempts or out_of_time or policy.waits_too_long(failure.retry_after):
                    details = {**failure.details, "where": where}
                    if failure.garbled:
                        raise KomboProtocolError(f"{failure.message} (on all {attempt} attempts)", **details)
                    raise KomboUnavailable(
                        failure.message, attempts=attempt, retry_after=failure.retry_after, **details
                    ) from failure.__cause__
                cause, retries = failure.message.rstrip("."), policy.max_attempts - 1
                log.warning("%s: %s; retry %d of %d in %.2f s", where, cause, attempt, retries, delay)
                self._sleep(delay)

    def _attempt(self, method: str, path: str, integration_id: str, where: str, **request: Any) -> Any:
        try:
            response = self._http.request(method, path, headers={"X-Integration-Id": integration_id}, **request)
        except _TRANSPORT_FAILURES as exc:
            raise _Temporary(f"{type(exc).__name__}: {exc or 'no detail'}") from exc
        return _data(response, where)


def _data(response: httpx.Response, where: str) -> Any:
    """`data` of a success envelope, or the error the response stands for (see errors.py)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    status = response.status_code
    error = body.get("error") if isinstance(body, dict) and body.get("status") == "error" else None
    if response.is_success and error is None:
        if isinstance(body, dict) and body.get("status") == "success" and "data" in body:
            return body["data"]
        problem = f"expected Kombo's success envelope, got {_describe(response, body)}"
        if body is None:
            raise _Temporary(problem, garbled=True, http_status=status)
        raise KomboProtocolError(problem, http_status=status, where=where)
    details: dict[str, Any] = {"http_status": status, "where": where}
    code = None
    if isinstance(error, dict):
        code = error.get("code") if isinstance(error.get("code"), str) else None
        message = str(error.get("message") or error.get("title") or "no message")
        details.update(code=code, log_url=error.get("log_url") if isinstance(error.get("log_url"), str) else None)
    else:
        message = f"HTTP {status} without Kombo's error envelope: {_describe(response, body)}"
    if code in AUTH_CODES or (code is None and status in AUTH_STATUSES):
        raise KomboAuthError(message, **details)
    if code in SETUP_CODES:
        raise KomboSetupPending(message, **details)
    if code in RETRYABLE_CODES or status in GATEWAY_STATUSES or (code is None and status in UNCODED_RETRYABLE_STATUSES):
        raise _Temporary(message, retry_after=server_delay(response.headers, datetime.now(UTC)), **details)
    if isinstance(error, dict):
        raise KomboError(message, **details)
    raise KomboProtocolError(message + " (is the base URL Kombo's API root?)", **details)


def _describe(response: httpx.Response, body: Any) -> str:
    snippet = " ".join(response.text[:200].split())
    content_type = response.headers.get("content-type", "no content type")
    kind = "JSON" if body is not None else f"a body that is not valid JSON ({content_type})"
    return f"{kind}: {snippet!r}" if snippet else "an empty body"


def _job_page(data: Any, number: int, where: str) -> tuple[list[Any], str | None]:
    """The results and next cursor of one page."""
    if not isinstance(data, dict) or "next" not in data or not isinstance(data.get("results"), list):
        problem = f"page {number}: expected data with 'next' and a 'results' list, got {_short(data)}"
        raise KomboProtocolError(problem, where=where)
    next_cursor = data["next"]
    if next_cursor is not None and not isinstance(next_cursor, str):
        problem = f"page {number}: 'next' must be a string or null, got {_short(next_cursor)}"
        raise KomboProtocolError(problem, where=where)
    return data["results"], next_cursor or None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _object(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise KomboProtocolError(f"expected an object in 'data', got {_short(data)}", where=where)
    return data


def _integration(integration_id: str) -> str:
    if not isinstance(integration_id, str) or not integration_id.strip():
        raise ValueError(f"integration id must be a non-empty string such as 'personio:abc', got {integration_id!r}")
    return integration_id


def _job_filters(
    *,
    updated_after: datetime | None = None,
    include_deleted: bool,
    statuses: Iterable[str] | None = None,
    ids: Iterable[str] | None = None,
    remote_ids: Iterable[str] | None = None,
    job_codes: Iterable[str] | None = None,
    post_url: str | None = None,
    name_contains: str | None = None,
    page_size: int = MAX_PAGE_SIZE,
) -> dict[str, str]:
    """The query parameters of `GET /v1/ats/jobs`, in Kombo's wire format, sent unchanged on every page."""
    if not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size!r}")
    params = {"page_size": str(page_size), "include_deleted": "true" if include_deleted else "false"}
    if updated_after is not None:
        params["updated_after"] = kombo_datetime(updated_after)
    lists = {"statuses": statuses, "ids": ids, "remote_ids": remote_ids, "job_codes": job_codes}
    for name, given in lists.items():
        if given is not None:
            values = _values(name, given)
            if not values:
                raise ValueError(f"{name} is empty: pass None for no {name} filter")
            params[name] = ",".join(values)
    for name, value in (("post_url", post_url), ("name_contains", name_contains)):
        if value is not None:
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string or None, got {value!r}")
            params[name] = value
    return params


def _values(name: str, values: Iterable[str]) -> list[str]:
    """The distinct values of a list filter, in order; Kombo separates them by commas, so none may hold one."""
    if isinstance(values, str):
        raise ValueError(f"{name} must be a list of strings, not the single string {values!r}")
    distinct = list(dict.fromkeys(values))
    for value in distinct:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name}: every value must be a non-empty string, got {value!r}")
        if "," in value:
            raise ValueError(f"{name}: {value!r} contains a comma, which Kombo reads as a separator")
    return distinct


def _chunks(name: str, values: Iterable[str]) -> Iterator[list[str]]:
    """The values in groups small enough for one request each (count and encoded length bounded)."""
    chunk: list[str] = []
    size = 0
    for value in _values(name, values):
        encoded = len(quote(value, safe="")) + len("%2C")
        if encoded > LOOKUP_MAX_CHARS:
            raise ValueError(f"{name}: {_short(value)} is too long for a lookup ({encoded} encoded characters)")
        if len(chunk) == LOOKUP_MAX_VALUES or size + encoded > LOOKUP_MAX_CHARS:
            yield chunk
            chunk, size = [], 0
        chunk.append(value)
        size += encoded
    if chunk:
        yield chunk

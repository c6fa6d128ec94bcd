"""The Kombo client against scripted responses (httpx.MockTransport): paging, wire format, errors, retries."""

import json
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.sync.errors import (
    ADVICE,
    CUSTOMER_ACTION_CODES,
    KomboAuthError,
    KomboError,
    KomboProtocolError,
    KomboSetupPending,
    KomboUnavailable,
)
from jobmatch.sync.kombo import KomboClient, RetryPolicy, kombo_datetime

INTEGRATION = "personio:CBNMt7dSNCzBdnRTx87dev4E"
LOG_URL = "https://app.kombo.dev/logs/abc"


class Edge(random.Random):
    """Jitter pinned to its highest value, so expected delays are exact."""

    def uniform(self, a: float, b: float) -> float:
        return b


def success(data: Any, **headers: str) -> httpx.Response:
    return httpx.Response(200, json={"status": "success", "data": data}, headers=headers)


def page(results: list[Any], next_cursor: str | None = None) -> httpx.Response:
    return success({"next": next_cursor, "results": results})


def failure(status: int, code: str | None, message: str = "It went wrong.", **headers: str) -> httpx.Response:
    error = {"code": code, "title": None, "message": message, "log_url": LOG_URL}
    return httpx.Response(status, json={"status": "error", "error": error}, headers=headers)


class Dropped(httpx.SyncByteStream):
    """A body cut off mid-response, as when the server's connection drops."""

    def __iter__(self):
        yield b'{"status": "success", "data": {"next": null, "res'
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")


class Kombo:
    """A scripted Kombo: answers requests in turn from `steps` (a response, an exception type to raise, or a
    function of the request), the last step for every request after; records requests and sleeps, with a
    clock that advances by the sleeps."""

    def __init__(self, *steps: Any, policy: RetryPolicy | None = None) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []
        self.client = KomboClient(
            "secret-key",
            "https://kombo.test",
            transport=httpx.MockTransport(self.answer),
            retry=policy or RetryPolicy(rng=Edge()),
            sleep=self.sleeps.append,
            clock=lambda: sum(self.sleeps),
        )

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, type) and issubclass(step, Exception):
            raise step("simulated", request=request)
        if isinstance(step, httpx.Response):  # a fresh copy each time, as a server sends
            return httpx.Response(step.status_code, headers=step.headers, content=step.content)
        return step(request)

    def queries(self) -> list[dict[str, str]]:
        return [dict(parse_qsl(request.url.query.decode(), keep_blank_values=True)) for request in self.requests]


def job(n: int, **fields: Any) -> dict[str, Any]:
    return {**kombo_job(f"job{n}", str(4700 + n), f"Lagerhelfer {n} (m/w/d)"), **fields}


# --- paging and wire format ---------------------------------------------------------------------------------


def test_every_page_carries_the_same_filters_and_the_previous_cursor():
    first, second, third = [job(1), job(2)], [job(3)], [job(4)]
    kombo = Kombo(page(first, "c1"), page(second, "c2"), page(third))
    pages = list(
        kombo.client.job_pages(
            INTEGRATION,
            updated_after=datetime(2026, 1, 5, 12, 0, 1, 123456, tzinfo=UTC),
            statuses=["OPEN", "CLOSED"],
            remote_ids=["4711", "4712"],
            page_size=2,
        )
    )
    assert [(p.number, p.results, p.next_cursor) for p in pages] == [
        (1, first, "c1"),
        (2, second, "c2"),
        (3, third, None),
    ]
    filters = {
        "page_size": "2",
        "include_deleted": "true",
        "updated_after": "2026-01-05T12:00:01.123Z",
        "statuses": "OPEN,CLOSED",
        "remote_ids": "4711,4712",
    }
    assert kombo.queries() == [filters, {**filters, "cursor": "c1"}, {**filters, "cursor": "c2"}]
    for request in kombo.requests:
        assert (request.method, request.url.host, request.url.path) == ("GET", "kombo.test", "/v1/ats/jobs")
        assert request.headers["authorization"] == "Bearer secret-key"
        assert request.headers["x-integration-id"] == INTEGRATION


def test_every_filter_in_wire_format():
    kombo = Kombo(page([]))
    list(
        kombo.client.job_pages(
            INTEGRATION,
            include_deleted=False,
            ids=["a1", "a2", "a1"],
            job_codes=["REQ-00001"],
            post_url="https://jobs.example.de/stellen/4711?src=x&y=1",
            name_contains="Lager",
        )
    )
    assert kombo.queries() == [
        {
            "page_size": "250",
            "include_deleted": "false",
            "ids": "a1,a2",
            "job_codes": "REQ-00001",
            "post_url": "https://jobs.example.de/stellen/4711?src=x&y=1",
            "name_contains": "Lager",
        }
    ]


@pytest.mark.parametrize(
    ("moment", "wire"),
    [
        (datetime(2026, 1, 5, 12, 0, 1, tzinfo=UTC), "2026-01-05T12:00:01.000Z"),
        (datetime(2026, 1, 5, 12, 0, 1, 999999, tzinfo=UTC), "2026-01-05T12:00:01.999Z"),  # truncated, never rounded up
        (datetime(2026, 1, 5, 14, 0, 1, 5000, tzinfo=timezone(timedelta(hours=2))), "2026-01-05T12:00:01.005Z"),
        (datetime(2026, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), "2025-12-31T23:30:00.000Z"),
    ],
)
def test_kombo_datetime(moment, wire):
    assert kombo_datetime(moment) == wire


@pytest.mark.parametrize(
    ("filters", "complaint"),
    [
        ({"updated_after": datetime(2026, 1, 5, 12, 0)}, "naive datetime 2026-01-05T12:00:00: give it a timezone"),
        ({"page_size": 0}, "page_size must be between 1 and 250, got 0"),
        ({"page_size": 251}, "page_size must be between 1 and 250, got 251"),
        ({"ids": "job1"}, "ids must be a list of strings, not the single string 'job1'"),
        ({"ids": []}, "ids is empty: pass None"),
        ({"job_codes": ["A,1"]}, "job_codes: 'A,1' contains a comma"),
        ({"remote_ids": [4711]}, "remote_ids: every value must be a non-empty string, got 4711"),
        ({"statuses": [""]}, "statuses: every value must be a non-empty string"),
        ({"post_url": ""}, "post_url must be a non-empty string or None"),
    ],
)
def test_bad_filters_fail_before_any_request(filters, complaint):
    kombo = Kombo(page([]))
    with pytest.raises(ValueError, match=complaint):
        kombo.client.job_pages(INTEGRATION, **filters)
    assert kombo.requests == []


def test_an_empty_next_ends_paging():
    kombo = Kombo(page([job(1)], "c1"), page([job(2)], ""))
    pages = list(kombo.client.job_pages(INTEGRATION))
    assert [(p.number, p.next_cursor) for p in pages] == [(1, "c1"), (2, None)]


@pytest.mark.parametrize(
    ("cursors", "complaint"),
    [
        (["c1", "c1"], "page 2 returned cursor 'c1', already returned by page 1; paging would loop"),
        (["c1", "c2", "c1"], "page 3 returned cursor 'c1', already returned by page 1; paging would loop"),
    ],
)
def test_a_cursor_seen_before_stops_paging(cursors, complaint):
    kombo = Kombo(*(page([job(n)], cursor) for n, cursor in enumerate(cursors)))
    pages = kombo.client.job_pages(INTEGRATION)
    with pytest.raises(KomboProtocolError, match=complaint):
        list(pages)
    assert len(kombo.requests) == len(cursors)


@pytest.mark.parametrize(
    ("base_url", "url"),
    [
        ("https://api.kombo.dev", "https://api.kombo.dev/v1/ats/jobs"),
        ("https://api.us.kombo.dev/", "https://api.us.kombo.dev/v1/ats/jobs"),
        ("http://127.0.0.1:8765/kombo", "http://127.0.0.1:8765/kombo/v1/ats/jobs"),
    ],
)
def test_the_client_adds_v1_to_the_base_url(base_url, url):
    seen = []
    transport = httpx.MockTransport(lambda request: seen.append(str(request.url.copy_with(query=None))) or page([]))
    with KomboClient("key", base_url, transport=transport) as client:
        list(client.job_pages(INTEGRATION))
    assert seen == [url]


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        ({"api_key": ""}, "api_key is empty"),
        ({"base_url": "https://api.kombo.dev/v1"}, "must be the API root without /v1"),
        ({"base_url": "api.kombo.dev"}, "is not an http\\(s\\) URL"),
        ({"timeout": None}, "every timeout must be set"),
        ({"timeout": httpx.Timeout(10.0, read=None)}, "every timeout must be set"),
    ],
)
def test_client_settings_are_checked(arguments, complaint):
    with pytest.raises(ValueError, match=complaint):
        KomboClient(**{"api_key": "key", **arguments})


def test_a_closed_client_sends_nothing():
    kombo = Kombo(page([]))
    with kombo.client as client:
        pass
    with pytest.raises(RuntimeError, match="client has been closed"):
        list(client.job_pages(INTEGRATION))


# --- page validation ------------------------------------------------------------------------------------------


def test_jobs_are_handed_out_exactly_as_received():
    unusual = job(1, status="ON_HOLD", integration_fields=[{"key": "x"}], location=None, remote_data={"a": 1})
    bare = {"id": "job2"}  # only the id is required of a job here; the store keeps what came
    kombo = Kombo(page([unusual, bare]))
    assert [p.results for p in kombo.client.job_pages(INTEGRATION)] == [[unusual, bare]]


@pytest.mark.parametrize("odd_job", [{"remote_id": "4711"}, {"id": ""}, {"id": None}, {"id": 42}, "job3", None])
def test_a_job_without_a_usable_id_is_handed_out_with_its_page(odd_job):
    """Each job is checked where it is stored, alone: one odd job never fails the page of its neighbours."""
    kombo = Kombo(page([job(1)], "c1"), page([job(2), job(3), odd_job]))
    assert [p.results for p in kombo.client.job_pages(INTEGRATION)] == [[job(1)], [job(2), job(3), odd_job]]


@pytest.mark.parametrize(
    ("response", "complaint"),
    [
        (httpx.Response(200, json={"status": "success"}), "expected Kombo's success envelope, got JSON"),
        (httpx.Response(200, json={"data": {"next": None, "results": []}}), "expected Kombo's success envelope"),
        (success({"results": []}), "page 1: expected data with 'next' and a 'results' list"),
        (success({"next": None}), "page 1: expected data with 'next' and a 'results' list"),
        (success({"next": None, "results": {"id": "job1"}}), "page 1: expected data with 'next' and a 'results' list"),
        (success([]), "page 1: expected data with 'next' and a 'results' list, got []"),
        (success({"next": 2, "results": []}), "page 1: 'next' must be a string or null, got 2"),
    ],
)
def test_responses_kombo_does_not_document_are_protocol_errors(response, complaint):
    kombo = Kombo(response)
    with pytest.raises(KomboProtocolError) as caught:
        list(kombo.client.job_pages(INTEGRATION))
    assert complaint in caught.value.message
    assert len(kombo.requests) == 1  # not retried


GARBLED = [
    (
        httpx.Response(200, text="<html>maintenance</html>", headers={"content-type": "text/html"}),
        "expected Kombo's success envelope, got a body that is not valid JSON (text/html): '<html>maintenance</html>'",
    ),
    (
        httpx.Response(200, content=b'{"status": "success", "data": {"next": null', headers={"content-type": "x/json"}),
        "expected Kombo's success envelope, got a body that is not valid JSON (x/json): "
        "'{\"status\": \"success\", \"data\": {\"next\": null'",
    ),
    (httpx.Response(200), "expected Kombo's success envelope, got an empty body"),
]


@pytest.mark.parametrize("response", [response for response, _ in GARBLED])
def test_a_success_that_is_not_json_is_tried_again(response):
    kombo = Kombo(response, page([job(1)]))
    assert [p.results for p in kombo.client.job_pages(INTEGRATION)] == [[job(1)]]
    assert kombo.sleeps == [0.5]


@pytest.mark.parametrize(("response", "complaint"), GARBLED)
def test_a_success_that_is_never_json_is_a_protocol_error(response, complaint):
    kombo = Kombo(response, policy=RetryPolicy(max_attempts=3, rng=Edge()))
    with pytest.raises(KomboProtocolError) as caught:
        list(kombo.client.job_pages(INTEGRATION))
    assert caught.value.message == f"{complaint} (on all 3 attempts)"
    assert len(kombo.requests) == 3


# --- errors that are not retried ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "error_class", "advice"),
    [
        (401, "PLATFORM.AUTHENTICATION_INVALID", KomboAuthError, "check KOMBO_API_KEY"),
        (401, "INTEGRATION.AUTHENTICATION_INVALID", KomboAuthError, "ask the customer to reconnect"),
        (403, "INTEGRATION.PERMISSION_MISSING", KomboError, "ask the customer to grant it in their ATS"),
        (401, None, KomboAuthError, "the customer must reconnect the integration"),
        (409, "INTEGRATION.SETUP_SYNC_PENDING", KomboSetupPending, "first sync"),
        (503, "INTEGRATION.SETUP_SYNC_PENDING", KomboSetupPending, "first sync"),  # before May 2026
        (409, "INTEGRATION.SETUP_INCOMPLETE", KomboSetupPending, "finished setting up"),
        (409, "INTEGRATION.QA_FAILED", KomboSetupPending, "Kombo support is fixing"),
        (400, "PLATFORM.INPUT_INVALID", KomboError, "check the filters"),
        (404, "PLATFORM.INTEGRATION_NOT_FOUND", KomboError, "check the integration id"),
        (403, "INTEGRATION.MODEL_DISABLED", KomboError, "enable them"),  # the code decides, not the 403
        (400, "REMOTE.UNKNOWN_HTTP_ERROR", KomboError, "Kombo's log entry"),
        (400, None, KomboError, "log entry"),
    ],
)
def test_errors_map_by_code_and_are_not_retried(status, code, error_class, advice):
    kombo = Kombo(failure(status, code))
    with pytest.raises(KomboError) as caught:
        list(kombo.client.job_pages(INTEGRATION))
    error = caught.value
    assert type(error) is error_class
    assert (error.code, error.http_status, error.log_url) == (code, status, LOG_URL)
    assert advice in str(error)
    assert len(kombo.requests) == 1
    assert kombo.sleeps == []


@pytest.mark.parametrize(
    ("status", "error_class", "advice"),
    [
        (403, KomboAuthError, "the customer must reconnect the integration"),
        (404, KomboProtocolError, "is the base URL Kombo's API root?"),
    ],
)
def test_errors_without_an_envelope_map_by_status(status, error_class, advice):
    kombo = Kombo(httpx.Response(status, text="<html>nope</html>"))
    with pytest.raises(KomboError) as caught:
        list(kombo.client.job_pages(INTEGRATION))
    assert type(caught.value) is error_class
    assert (caught.value.code, caught.value.http_status) == (None, status)
    assert advice in str(caught.value)
    assert len(kombo.requests) == 1


def test_an_error_reads_as_one_actionable_line():
    kombo = Kombo(failure(401, "INTEGRATION.AUTHENTICATION_INVALID", "The API token of Personio has expired."))
    with pytest.raises(KomboAuthError) as caught:
        list(kombo.client.job_pages(INTEGRATION))
    assert str(caught.value) == (
        f"{INTEGRATION}, GET /v1/ats/jobs page 1: Kombo INTEGRATION.AUTHENTICATION_INVALID (HTTP 401): "
        "The API token of Personio has expired. The customer's ATS credentials stopped working: "
        f"ask the customer to reconnect the integration in Kombo with valid credentials, then sync again. Log: {LOG_URL}"
    )
    assert caught.value.log_url == LOG_URL


# Kombo's closed list of error codes (../shared/reference/kombo-api.md), each with what a read must do with it.
KOMBO_CODES = {
    "PLATFORM.RATE_LIMIT_EXCEEDED": "retry",
    "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED": "retry",
    "PLATFORM.INTEGRATION_NOT_FOUND": KomboError,
    "PLATFORM.INPUT_INVALID": KomboError,
    "PLATFORM.UNKNOWN_ERROR": "retry",
    "PLATFORM.IP_NOT_WHITELISTED": KomboError,
    "PLATFORM.AUTHENTICATION_INVALID": KomboAuthError,
    "PLATFORM.TASK_TIMED_OUT": "retry",
    "INTEGRATION.PERMISSION_MISSING": KomboError,
    "INTEGRATION.AUTHENTICATION_INVALID": KomboAuthError,
    "INTEGRATION.QA_FAILED": KomboSetupPending,
    "INTEGRATION.SETUP_SYNC_PENDING": KomboSetupPending,
    "INTEGRATION.SETUP_INCOMPLETE": KomboSetupPending,
    "INTEGRATION.INACTIVE": KomboError,
    "INTEGRATION.MODEL_NOT_AVAILABLE": KomboError,
    "INTEGRATION.MODEL_DISABLED": KomboError,
    "INTEGRATION.ACTION_NOT_AVAILABLE": KomboError,
    "INTEGRATION.ACTION_DISABLED": KomboError,
    "REMOTE.SERVICE_UNAVAILABLE": "retry",
    "REMOTE.RATE_LIMIT_EXCEEDED": "retry",
    "REMOTE.INPUT_INVALID": KomboError,
    "REMOTE.UNKNOWN_HTTP_ERROR": KomboError,
    "ATS.JOB_CLOSED": KomboError,
    "ATS.APPLICATION_ALREADY_EXISTS": KomboError,
}


@pytest.mark.parametrize(("code", "handling"), KOMBO_CODES.items())
def test_every_kombo_error_code_is_handled_and_explained(code, handling):
    kombo = Kombo(failure(400, code), page([]), policy=RetryPolicy(max_attempts=2))
    if handling == "retry":
        assert [p.results for p in kombo.client.job_pages(INTEGRATION)] == [[]]
        assert len(kombo.sleeps) == 1
        return
    with pytest.raises(KomboError) as caught:
        list(kombo.client.job_pages(INTEGRATION))
    assert type(caught.value) is handling
    assert ADVICE[code] in str(caught.value)
    assert kombo.sleeps == []


def test_only_what_the_customer_can_fix_asks_the_customer():
    assert CUSTOMER_ACTION_CODES == {"INTEGRATION.AUTHENTICATION_INVALID", "INTEGRATION.PERMISSION_MISSING"}
    assert all("ask the customer" in ADVICE[code] for code in CUSTOMER_ACTION_CODES)


# --- retries -------------------------------------------------------------------------------------------------

RETRYABLE = [
    pytest.param(failure(429, "PLATFORM.RATE_LIMIT_EXCEEDED"), id="platform-rate-limit"),
    pytest.param(failure(429, "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED"), id="concurrency-limit"),
    pytest.param(failure(429, "REMOTE.RATE_LIMIT_EXCEEDED"), id="remote-rate-limit"),
    pytest.param(failure(503, "REMOTE.SERVICE_UNAVAILABLE"), id="remote-unavailable"),
    pytest.param(failure(500, "PLATFORM.UNKNOWN_ERROR"), id="unknown-error"),
    pytest.param(httpx.Response(429, text="slow down"), id="429-plain"),
    pytest.param(httpx.Response(502, text="<html>Bad Gateway</html>"), id="502-html"),
    pytest.param(httpx.Response(503), id="503-empty"),
    pytest.param(httpx.Response(504, json={"message": "Endpoint request timed out"}), id="504-json"),
    pytest.param(failure(502, None), id="502-envelope-without-code"),
    pytest.param(failure(502, "REMOTE.UNKNOWN_HTTP_ERROR"), id="502-remote-unknown"),
    pytest.param(httpx.ConnectError, id="connect-error"),
    pytest.param(httpx.ConnectTimeout, id="connect-timeout"),
    pytest.param(httpx.ReadTimeout, id="read-timeout"),
    pytest.param(httpx.ReadError, id="connection-reset"),
    pytest.param(httpx.RemoteProtocolError, id="server-disconnected"),
    pytest.param(lambda request: httpx.Response(200, stream=Dropped()), id="dropped-mid-response"),
]


@pytest.mark.parametrize("trouble", RETRYABLE)
def test_a_temporary_failure_is_retried(trouble):
    kombo = Kombo(trouble, page([job(1)]))
    assert [p.results for p in kombo.client.job_pages(INTEGRATION)] == [[job(1)]]
    assert len(kombo.requests) == 2
    assert kombo.sleeps == [0.5]


@pytest.mark.parametrize("trouble", RETRYABLE)
def test_a_failure_that_persists_becomes_kombo_unavailable(trouble):
    kombo = Kombo(trouble)
    with pytest.raises(KomboUnavailable) as caught:
        list(kombo.client.job_pages(INTEGRATION))
    assert caught.value.attempts == 8 == len(kombo.requests)
    assert kombo.sleeps == pytest.approx([0.5 * 1.5**n for n in range(7)])
    assert "(gave up after 8 attempts)" in str(caught.value)
    assert str(caught.value).startswith(f"{INTEGRATION}, GET /v1/ats/jobs page 1: Kombo")


def test_kombo_unavailable_keeps_the_last_cause():
    kombo = Kombo(failure(429, "PLATFORM.RATE_LIMIT_EXCEEDED"), httpx.ReadTimeout, policy=RetryPolicy(max_attempts=2))
    with pytest.raises(KomboUnavailable) as caught:
        list(kombo.client.job_pages(INTEGRATION))
    assert caught.value.message == "ReadTimeout: simulated"
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert (caught.value.code, caught.value.http_status) == (None, None)

    down = failure(503, "REMOTE.SERVICE_UNAVAILABLE", "Personio is down.")
    kombo = Kombo(httpx.ReadTimeout, down, policy=RetryPolicy(max_attempts=2))
    with pytest.raises(KomboUnavailable) as caught:
        list(kombo.client.job_pages(INTEGRATION))
    error = caught.value
    assert (error.code, error.http_status, error.log_url) == ("REMOTE.SERVICE_UNAVAILABLE", 503, LOG_URL)
    assert caught.value.message == "Personio is down."
    assert caught.value.__cause__ is None


def test_a_later_page_is_retried_with_its_cursor_and_filters():
    kombo = Kombo(page([job(1)], "c1"), httpx.ReadTimeout, page([job(2)]))
    pages = list(kombo.client.job_pages(INTEGRATION, statuses=["OPEN"]))
    assert [p.number for p in pages] == [1, 2]
    second_page = {"page_size": "250", "include_deleted": "true", "statuses": "OPEN", "cursor": "c1"}
    assert kombo.queries()[1] == kombo.queries()[2] == second_page


@pytest.mark.parametrize(
    ("headers", "expected_sleep"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "0.2"}, 0.5),  # the backoff is longer: keep it
        ({"ratelimit-reset": "12", "ratelimit-limit": "100", "ratelimit-remaining": "0"}, 12.0),
        ({"Retry-After": "3", "RateLimit-Reset": "9"}, 9.0),
        ({"Retry-After": "120"}, 120.0),  # as sent, beyond the backoff's 60 s cap
        ({"Retry-After": "later"}, 0.5),
    ],
)
def test_the_server_hint_is_honoured(headers, expected_sleep):
    kombo = Kombo(failure(429, "PLATFORM.RATE_LIMIT_EXCEEDED", **headers), page([]))
    list(kombo.client.job_pages(INTEGRATION))
    assert kombo.sleeps == [expected_sleep]


def test_a_wait_longer_than_the_policy_sleeps_is_not_slept_but_handed_to_the_caller():
    kombo = Kombo(failure(429, "PLATFORM.RATE_LIMIT_EXCEEDED", **{"Retry-After": "601"}), page([]))
    with pytest.raises(KomboUnavailable) as caught:
        list(kombo.client.job_pages(INTEGRATION))
    assert kombo.sleeps == []
    assert (caught.value.attempts, caught.value.retry_after) == (1, 601.0)
    assert "gave up after 1 attempt; Kombo asked to wait 601 s" in str(caught.value)


def test_retry_after_as_an_http_date():
    in_30_s = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    kombo = Kombo(failure(429, "PLATFORM.RATE_LIMIT_EXCEEDED", **{"Retry-After": in_30_s}), page([]))
    list(kombo.client.job_pages(INTEGRATION))
    [slept] = kombo.sleeps
    assert 28.0 <= slept <= 30.0


def test_kombo_unavailable_carries_the_last_server_hint():
    busy = failure(429, "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED", **{"Retry-After": "4"})
    kombo = Kombo(busy, policy=RetryPolicy(max_attempts=3))
    with pytest.raises(KomboUnavailable) as caught:
        list(kombo.client.job_pages(INTEGRATION))
    assert caught.value.retry_after == 4.0
    assert kombo.sleeps == [4.0, 4.0]


def test_no_retry_is_started_beyond_the_time_budget():
    policy = RetryPolicy(total_budget=10.0, rng=Edge())
    kombo = Kombo(failure(429, "PLATFORM.RATE_LIMIT_EXCEEDED", **{"Retry-After": "4"}), policy=policy)
    with pytest.raises(KomboUnavailable) as caught:
        list(kombo.client.job_pages(INTEGRATION))
    assert kombo.sleeps == [4.0, 4.0]  # a third wait would end at 12 s, past the 10 s budget
    assert caught.value.attempts == 3


@pytest.mark.parametrize("jitter", ["equal", "full"])
def test_seeded_jitter_is_reproducible_and_bounded(jitter):
    def delays(seed: int) -> list[float]:
        kombo = Kombo(httpx.ConnectError, policy=RetryPolicy(jitter=jitter, rng=random.Random(seed)))
        with pytest.raises(KomboUnavailable):
            list(kombo.client.job_pages(INTEGRATION))
        return kombo.sleeps

    assert delays(7) == delays(7) != delays(8)
    for retry, slept in enumerate(delays(7), start=1):
        ceiling = 0.5 * 1.5 ** (retry - 1)
        assert (ceiling / 2 if jitter == "equal" else 0.0) <= slept <= ceiling


def test_each_retry_is_logged_with_cause_and_delay(caplog):
    kombo = Kombo(failure(429, "PLATFORM.RATE_LIMIT_EXCEEDED", "Too many requests.", **{"Retry-After": "2"}), page([]))
    with caplog.at_level(logging.WARNING, logger="jobmatch.sync.kombo"):
        list(kombo.client.job_pages(INTEGRATION))
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == f"{INTEGRATION}, GET /v1/ats/jobs page 1: Too many requests; retry 1 of 7 in 2.00 s"


# --- targeted lookups ----------------------------------------------------------------------------------------


def lookup_server(pool: list[dict[str, Any]], page_size: int = 250) -> Callable[[httpx.Request], httpx.Response]:
    """Answers `GET /v1/ats/jobs` from `pool` honouring ids/remote_ids/job_codes (ORed inside one list,
    ANDed across lists, as Kombo does) and cursor paging, with at most `page_size` jobs a page."""

    def answer(request: httpx.Request) -> httpx.Response:
        query = dict(parse_qsl(request.url.query.decode()))
        found = [
            j
            for j in pool
            if all(
                j[field] in query[param].split(",")
                for param, field in (("ids", "id"), ("remote_ids", "remote_id"), ("job_codes", "job_code"))
                if param in query
            )
        ]
        start = int(query.get("cursor", "0"))
        end = start + page_size
        return page(found[start:end], str(end) if end < len(found) else None)

    return answer


def test_find_jobs_chunks_each_list_and_pages_every_chunk():
    pool = [job(n, job_code=f"REQ-{n:05d}") for n in range(1, 301)]
    kombo = Kombo(lookup_server(pool, page_size=60))
    wanted = [f"job{n}" for n in range(1, 251)]
    pages = list(kombo.client.find_jobs(INTEGRATION, ids=wanted))
    assert [j["id"] for p in pages for j in p.results] == wanted
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    queries = kombo.queries()
    chunks = [q["ids"] for q in queries if "cursor" not in q]
    assert [len(chunk.split(",")) for chunk in chunks] == [100, 100, 50]
    for query in queries:  # the chunk's filter goes out again with every cursor
        assert set(query) <= {"ids", "include_deleted", "page_size", "cursor"}
        assert query["include_deleted"] == "true"
    assert len(queries) == 2 + 2 + 1  # 100 jobs need two pages of 60, 50 jobs one


def test_find_jobs_looks_up_each_list_on_its_own_and_drops_duplicates():
    pool = [job(n, job_code=f"REQ-{n:05d}") for n in range(1, 11)]
    kombo = Kombo(lookup_server(pool))
    pages = list(
        kombo.client.find_jobs(
            INTEGRATION,
            ids=["job1", "job2"],
            remote_ids=["4702", "4703", "9999"],  # job2 again, job3, and one that does not exist
            job_codes=["REQ-00003", "REQ-00004", "REQ-00004"],
        )
    )
    assert [[j["id"] for j in p.results] for p in pages] == [["job1", "job2"], ["job3"], ["job4"]]
    assert [p.number for p in pages] == [1, 2, 3]
    lists_sent = [sorted(set(query) & {"ids", "remote_ids", "job_codes"}) for query in kombo.queries()]
    assert lists_sent == [["ids"], ["remote_ids"], ["job_codes"]]
    assert kombo.queries()[2]["job_codes"] == "REQ-00003,REQ-00004"


def test_find_jobs_bounds_the_length_of_each_request():
    codes = [f"{n:02d}-" + "Ä" * 40 for n in range(30)]  # 242 URL-encoded characters each
    kombo = Kombo(page([]))
    list(kombo.client.find_jobs(INTEGRATION, job_codes=codes))
    sent = [q["job_codes"].split(",") for q in kombo.queries()]
    assert [len(chunk) for chunk in sent] == [8, 8, 8, 6]
    assert [code for chunk in sent for code in chunk] == codes
    assert all(len(str(request.url)) < 2300 for request in kombo.requests)


@pytest.mark.parametrize(
    ("lookup", "complaint"),
    [
        ({"ids": "job1"}, "ids must be a list of strings"),
        ({"remote_ids": ["1,2"]}, "remote_ids: '1,2' contains a comma"),
        ({"job_codes": ["x" * 2000]}, "job_codes: .* is too long for a lookup"),
    ],
)
def test_find_jobs_rejects_values_it_cannot_send(lookup, complaint):
    kombo = Kombo(page([]))
    with pytest.raises(ValueError, match=complaint):
        kombo.client.find_jobs(INTEGRATION, **lookup)
    assert kombo.requests == []


def test_find_jobs_with_nothing_to_find_sends_nothing():
    kombo = Kombo(page([]))
    assert list(kombo.client.find_jobs(INTEGRATION, ids=[], remote_ids=None)) == []
    assert kombo.requests == []


# --- integration status and force-sync -----------------------------------------------------------------------


def test_get_integration():
    data = {"id": INTEGRATION, "tool": "personio", "status": "ACTIVE", "setup_status": "COMPLETED"}
    kombo = Kombo(success(data))
    assert kombo.client.get_integration(INTEGRATION) == data
    [request] = kombo.requests
    assert (request.method, request.url.path) == ("GET", f"/v1/integrations/{INTEGRATION}")


def test_force_sync():
    data = {"already_queued": False, "sync_id": "B9xQ", "type": "FULL"}
    kombo = Kombo(httpx.ConnectError, success(data))
    assert kombo.client.force_sync(INTEGRATION, kind="FULL") == data
    sent = [(r.method, r.url.path, json.loads(r.content)) for r in kombo.requests]
    assert sent == [("POST", "/v1/force-sync", {"type": "FULL"})] * 2  # retried after the connection error
    assert kombo.requests[0].headers["x-integration-id"] == INTEGRATION


@pytest.mark.parametrize(
    ("call", "complaint"),
    [
        (lambda client: client.force_sync(INTEGRATION, kind="delta"), "kind must be 'FULL' or 'DELTA'"),
        (lambda client: client.get_integration(""), "integration id must be a non-empty string"),
        (lambda client: client.job_pages(" "), "integration id must be a non-empty string"),
    ],
)
def test_bad_arguments_fail_before_any_request(call, complaint):
    kombo = Kombo(success({}))
    with pytest.raises(ValueError, match=complaint):
        call(kombo.client)
    assert kombo.requests == []


@pytest.mark.parametrize("call", [lambda c: c.get_integration(INTEGRATION), lambda c: c.force_sync(INTEGRATION)])
def test_data_that_is_not_an_object_is_a_protocol_error(call):
    kombo = Kombo(success(["not", "an", "object"]))
    with pytest.raises(KomboProtocolError, match="expected an object in 'data'"):
        call(kombo.client)

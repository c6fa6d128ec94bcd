"""Targeted lookups check what Kombo returns: an ATS that ignores a filter answers with every job."""

import httpx
from sqlalchemy import select

from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.store.models import AtsJob
from jobmatch.sync.kombo import KomboClient
from jobmatch.sync.runner import SyncRunner
from tests.factories import INTEGRATION_ID, add_integration

EVERY_JOB = [kombo_job(f"job-{n}", str(n), f"Job {n}", job_code=f"C-{n}") for n in range(1, 4)]


def ignoring_kombo(requests: list[httpx.Request]) -> httpx.MockTransport:
    """Kombo before an ATS without a job_codes filter: `ignore_unsupported_filters` makes it list every job."""

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if "ignore_unsupported_filters" not in request.url.params:
            return httpx.Response(400, json={"status": "error", "error": {
                "code": "REMOTE.INPUT_INVALID", "title": None, "message": "job_codes is not supported", "log_url": None}})
        cursor = request.url.params.get("cursor")
        page = EVERY_JOB[:2] if cursor is None else EVERY_JOB[2:]
        return httpx.Response(200, json={"status": "success", "data": {"next": None if cursor else "more", "results": page}})

    return httpx.MockTransport(answer)


def test_a_lookup_keeps_only_the_jobs_asked_for_and_stops_when_the_filter_was_ignored(sessions) -> None:
    add_integration(sessions)
    requests: list[httpx.Request] = []
    with KomboClient("key", "https://kombo.test", transport=ignoring_kombo(requests)) as client:
        result = SyncRunner(sessions, client).lookup(INTEGRATION_ID, job_codes=("C-2",))
    assert (result.kind, result.created) == ("targeted", 1)
    with sessions() as session:
        assert list(session.scalars(select(AtsJob.id))) == ["job-2"]
    assert len(requests) == 1  # not every page of every job
    assert requests[0].url.params["job_codes"] == "C-2"


def test_a_lookup_by_remote_id_matches_a_number_sent_for_its_text(sessions) -> None:
    add_integration(sessions)
    numeric = {**EVERY_JOB[0], "remote_id": 1}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "success", "data": {"next": None, "results": [numeric]}})

    with KomboClient("key", "https://kombo.test", transport=httpx.MockTransport(answer)) as client:
        assert SyncRunner(sessions, client).lookup(INTEGRATION_ID, remote_ids=("1",)).created == 1

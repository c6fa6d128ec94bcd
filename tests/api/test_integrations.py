"""GET /v1/integrations and POST /v1/integrations/{id}/sync: state, what to do, last run, counts; syncs on request."""


import pytest

from jobmatch.sync.webhooks import AUTHENTICATION_FAILED_REASON
from tests.api.conftest import OTHER_INTEGRATION_ID
from tests.api.test_pages import sign_in
from tests.api.queue_helpers import app, kombo, kombo_app, send, tasks  # noqa: F401 (app, kombo: fixtures)
from tests.factories import INTEGRATION_ID


def listing(client, keys, role="admin"):
    response = client.get("/v1/integrations", headers=keys.header(role))
    assert response.status_code == 200, response.json
    return response.json["items"]


def sync(client, keys, integration_id=INTEGRATION_ID, role="admin"):
    return client.post(f"/v1/integrations/{integration_id}/sync", headers=keys.header(role))


def test_a_new_integration_waits_for_its_first_sync(client, keys) -> None:
    [item] = listing(client, keys)
    assert item["id"] == INTEGRATION_ID and item["tool"] == "personio"
    assert item["state"] == "waiting_for_first_sync"
    assert "first sync" in item["action"]
    assert (item["last_run"], item["watermark"], item["sync_queued"]) == (None, None, False)
    assert item["jobs"] == {"total": 4, "active": 3, "quarantined": 0}  # one of ACME's jobs is closed


def test_a_requested_sync_runs_and_the_integration_is_ready(client, keys, kombo) -> None:
    kombo.close_job(INTEGRATION_ID, "job-nurse-hamburg")
    response = sync(client, keys)
    assert response.status_code == 202
    assert response.json == {"integration_id": INTEGRATION_ID, "queued": True, "message": "a sync is queued"}
    [item] = listing(client, keys)
    assert (item["state"], item["action"], item["kombo_sync_state"]) == ("ready", None, None)
    assert item["watermark"] is not None
    run = item["last_run"]
    assert (run["kind"], run["outcome"], run["pages"], run["error"]) == ("full", "succeeded", 1, None)
    assert run["jobs_created"] + run["jobs_updated"] + run["jobs_unchanged"] == 4
    assert run["started_at"] <= run["finished_at"]
    assert item["jobs"] == {"total": 4, "active": 2, "quarantined": 0}
    assert sync(client, keys).status_code == 202
    assert listing(client, keys)[0]["last_run"]["kind"] == "incremental"


def test_a_failed_last_run_shows_failing_with_the_error(client, keys, kombo) -> None:
    sync(client, keys)
    kombo.faults.add("auth_error")  # our Kombo key refused: an operator's problem, not the customer's
    assert sync(client, keys).status_code == 202
    [item] = listing(client, keys)
    assert item["state"] == "failing"
    assert "last_run.error" in item["action"] and INTEGRATION_ID in item["action"]
    assert item["last_run"]["outcome"] == "failed"
    assert item["last_run"]["error_code"] == "PLATFORM.AUTHENTICATION_INVALID"
    assert "KOMBO_API_KEY" in item["last_run"]["error"]
    sync(client, keys)
    assert listing(client, keys)[0]["state"] == "ready"


def test_what_only_the_customer_can_fix_is_said(client, keys, kombo) -> None:
    send(client, kombo.sync_finished(INTEGRATION_ID, "AUTHENTICATION_FAILED"))
    [item] = listing(client, keys)
    assert (item["state"], item["action"]) == ("needs_customer_action", AUTHENTICATION_FAILED_REASON)
    assert item["kombo_sync_state"] == "AUTHENTICATION_FAILED"


def test_while_kombo_sets_up_the_run_waits_and_is_retried(app, client, keys, kombo) -> None:
    kombo.set_setup(INTEGRATION_ID, "FINAL_SYNC_PENDING")
    sync(client, keys)
    [item] = listing(client, keys)
    assert (item["state"], item["last_run"]["outcome"]) == ("waiting_for_first_sync", "waiting")
    assert item["last_run"]["error_code"] == "INTEGRATION.SETUP_SYNC_PENDING"
    assert len(tasks(app).huey.scheduled()) == 1


def test_sync_requests_coalesce(app, client, keys) -> None:
    huey = tasks(app).huey
    huey.immediate = False
    assert sync(client, keys).json["queued"] is True
    again = sync(client, keys)
    assert again.status_code == 202
    assert again.json["queued"] is False and "joins it" in again.json["message"]
    assert huey.pending_count() == 1
    assert listing(client, keys)[0]["sync_queued"] is True


def test_other_customers_integrations_are_not_found(client, keys) -> None:
    assert [item["id"] for item in listing(client, keys, "other")] == [OTHER_INTEGRATION_ID]
    response = sync(client, keys, role="other")
    assert response.status_code == 404
    assert INTEGRATION_ID in response.json["error"]["message"]  # the id the caller sent, nothing more
    assert sync(client, keys, "personio:NoSuchIntegration").status_code == 404
    assert listing(client, keys)[0]["last_run"] is None


@pytest.mark.parametrize("role", ["poster", "reviewer"])
def test_only_admins_see_and_sync_integrations(client, keys, role) -> None:
    assert client.get("/v1/integrations", headers=keys.header(role)).status_code == 403
    assert sync(client, keys, role=role).status_code == 403


def test_an_admin_chooses_the_statuses_read_and_the_next_read_asks_for_them(client, keys, kombo) -> None:
    url = f"/v1/integrations/{INTEGRATION_ID}"
    [item] = listing(client, keys)
    assert item["statuses"] is None
    response = client.patch(url, json={"statuses": ["draft", "OPEN"]}, headers=keys.header("admin"))
    assert response.status_code == 422, response.json  # Kombo's names, upper case
    response = client.patch(url, json={"statuses": ["DRAFT", "OPEN", "OPEN"]}, headers=keys.header("admin"))
    assert response.status_code == 200, response.json
    assert response.json["statuses"] == ["OPEN", "DRAFT"]
    assert client.patch(url, json={"statuses": []}, headers=keys.header("admin")).status_code == 422
    assert client.patch(url, json={"statuses": ["OPEN"]}, headers=keys.header("reviewer")).status_code == 403
    other = f"/v1/integrations/{OTHER_INTEGRATION_ID}"
    assert client.patch(other, json={"statuses": ["OPEN"]}, headers=keys.header("admin")).status_code == 404

    sync(client, keys)
    assert kombo.requests[-1].query["statuses"] == "OPEN,DRAFT"
    assert listing(client, keys)[0]["last_run"]["jobs_vanished"] == 0
    response = client.patch(url, json={"statuses": None}, headers=keys.header("admin"))
    assert response.json["statuses"] is None


def test_quarantined_jobs_are_counted_listed_with_their_problems_and_released(client, keys, kombo) -> None:
    kombo.edit_job(INTEGRATION_ID, "job-nurse-hamburg", department={"name": "Pflege"})
    kombo.edit_job(INTEGRATION_ID, "job-driver-berlin", status="PAUSED", post_url=["https://acme.example/jobs/103"])
    sync(client, keys)
    [item] = listing(client, keys)
    assert item["jobs"] == {"total": 4, "active": 1, "quarantined": 2}
    assert item["last_run"]["jobs_quarantined"] == 2 and item["last_run"]["jobs_without_id"] == 0
    listed = client.get(f"/v1/integrations/{INTEGRATION_ID}/quarantined-jobs?limit=1", headers=keys.header("admin"))
    assert listed.status_code == 200
    [first] = listed.json["items"]
    assert (first["id"], first["remote_id"], first["name"]) == ("job-driver-berlin", "103", "Berufskraftfahrer CE")
    assert first["quarantine"] == [{"field": "post_url", "value": '["https://acme.example/jobs/103"]',
                                    "problem": "must be text or null"}]
    more = client.get(f"/v1/integrations/{INTEGRATION_ID}/quarantined-jobs",
                      query_string={"cursor": listed.json["next_cursor"]}, headers=keys.header("admin")).json
    assert [job["id"] for job in more["items"]] == ["job-nurse-hamburg"] and more["next_cursor"] is None
    assert more["items"][0]["quarantine"][0]["field"] == "department"
    searched = client.get("/v1/ats-jobs?q=Pflegefachkraft", headers=keys.header("reviewer")).json["items"]
    found = {job["id"]: (job["score"], job["active"], job["not_applicable"], bool(job["quarantine"])) for job in searched}
    # out of the matcher's pool: found by its title's text only, unscored, and shown quarantined
    assert found == {"job-nurse-berlin": (100.0, True, None, False),
                     "job-nurse-hamburg": (None, False, "quarantined", True)}
    kombo.edit_job(INTEGRATION_ID, "job-nurse-hamburg", department="Pflege")
    sync(client, keys)
    assert listing(client, keys)[0]["jobs"]["quarantined"] == 1
    left = client.get(f"/v1/integrations/{INTEGRATION_ID}/quarantined-jobs", headers=keys.header("admin")).json
    assert [job["id"] for job in left["items"]] == ["job-driver-berlin"]
    sign_in(client, keys.reviewer)
    page = client.get("/review/integrations").get_data(as_text=True)
    assert "1 job kept out of matching" in page and "Berufskraftfahrer CE" in page
    assert "<code>post_url</code>" in page and "must be text or null" in page

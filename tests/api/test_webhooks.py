"""POST /webhooks/kombo: signed by Kombo, deduplicated, coalesced, and the sync it queues runs (immediate mode)."""


import pytest
from huey import RedisHuey
from sqlalchemy import func, select

from jobmatch.api.database import database
from jobmatch.api.tasks import Tasks
from jobmatch.store.models import AtsJob, Integration, SetupState, SyncRun, WebhookEvent
from tests.api.helpers import NURSE, post
from tests.api.queue_helpers import app, kombo, kombo_app, send, tasks  # noqa: F401 (app, kombo: fixtures)
from tests.factories import INTEGRATION_ID


def runs(sessions) -> list[SyncRun]:
    with sessions() as session:
        return list(session.scalars(select(SyncRun).order_by(SyncRun.id)))


def stored_events(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(WebhookEvent))


def test_a_signed_data_changed_webhook_runs_a_sync(client, keys, kombo, sessions) -> None:
    response = send(client, kombo.data_changed(INTEGRATION_ID))
    assert response.status_code == 200, response.json
    assert response.json == {"outcome": "sync_requested", "sync_queued": True}
    [run] = runs(sessions)
    assert (run.kind, run.outcome, run.jobs_created + run.jobs_updated + run.jobs_unchanged) == ("full", "succeeded", 4)
    with sessions() as session:
        integration = session.get(Integration, INTEGRATION_ID)
        assert integration.setup_state == SetupState.READY and integration.sync_requested is False


@pytest.mark.parametrize("signature", ["", "not-the-signature", "c2lnbmVkIHdpdGggYW5vdGhlciBzZWNyZXQ"])
def test_a_wrong_or_missing_signature_is_401_and_nothing_is_stored(client, keys, kombo, sessions, signature) -> None:
    payload = kombo.data_changed(INTEGRATION_ID)
    response = send(client, payload, signature=signature) if signature else client.post(
        "/webhooks/kombo", json=payload)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert "X-Kombo-Signature" in response.json["error"]["message"]
    assert stored_events(sessions) == 0 and runs(sessions) == []
    assert send(client, payload, secret="another-secret").status_code == 401


def test_without_a_configured_secret_every_webhook_is_refused(database_url, sessions, tmp_path, kombo, keys) -> None:
    app = kombo_app(database_url, tmp_path, kombo, secret=None)
    try:
        response = send(app.test_client(), kombo.data_changed(INTEGRATION_ID))
    finally:
        database(app).close()
    assert response.status_code == 401
    assert "KOMBO_WEBHOOK_SECRET is not set" in response.json["error"]["message"]
    assert stored_events(sessions) == 0


@pytest.mark.parametrize(("payload", "problem"), [
    ([1, 2], "the body must be a JSON object"),
    ({"type": "data-changed", "data": {"integration_id": INTEGRATION_ID}}, "id is missing"),
    ({"id": "evt-1", "data": {"integration_id": INTEGRATION_ID}}, "type is missing"),
    ({"id": "evt-1", "type": "data-changed", "data": {}}, "data.integration_id is missing"),
    ({"id": "evt-1", "type": "sync-finished", "data": {"integration_id": INTEGRATION_ID}}, "data.sync_state"),
])
def test_a_malformed_payload_is_400_naming_the_problem(client, keys, sessions, payload, problem) -> None:
    response = send(client, payload)
    assert response.status_code == 400
    assert problem in response.json["error"]["message"]
    assert stored_events(sessions) == 0


def test_a_body_that_is_not_json_is_400(client, keys) -> None:
    from jobmatch.sync.webhooks import sign

    body = b"\xff{not json"
    response = client.post("/webhooks/kombo", data=body, headers={"X-Kombo-Signature": sign(body, "whsec-test-secret")})
    assert response.status_code == 400
    assert response.json["error"]["message"].startswith("the body is not JSON")


def test_a_repeated_delivery_is_acknowledged_without_a_second_sync(client, keys, kombo, sessions) -> None:
    payload = kombo.data_changed(INTEGRATION_ID)
    assert send(client, payload).json["outcome"] == "sync_requested"
    again = send(client, payload)
    assert again.status_code == 200
    assert again.json == {"outcome": "duplicate", "sync_queued": False}
    assert len(runs(sessions)) == 1


def test_webhooks_coalesce_into_the_sync_already_queued(client, app, keys, kombo, sessions) -> None:
    huey = tasks(app).huey
    huey.immediate = False  # a real queue (SqliteHuey in the instance folder) that nobody consumes yet
    first = send(client, kombo.data_changed(INTEGRATION_ID))
    second = send(client, kombo.data_changed(INTEGRATION_ID, models=["ats_job_postings"]))
    assert first.json == {"outcome": "sync_requested", "sync_queued": True}
    assert second.json == {"outcome": "sync_requested", "sync_queued": False}
    assert huey.pending_count() == 1
    huey.execute(huey.dequeue())  # what the consumer does
    assert [run.outcome for run in runs(sessions)] == ["succeeded"]
    third = send(client, kombo.data_changed(INTEGRATION_ID))
    assert third.json["sync_queued"] is True  # the run cleared the flag: later changes queue a new sync
    assert huey.pending_count() == 1


def test_unrelated_models_and_unknown_integrations_are_acknowledged_and_ignored(client, keys, kombo, sessions) -> None:
    assert send(client, kombo.data_changed(INTEGRATION_ID, models=["hris_employees"])).json["outcome"] == "ignored"
    unknown = kombo.data_changed(INTEGRATION_ID) | {"id": "evt-unknown"}
    unknown["data"] = unknown["data"] | {"integration_id": "personio:NotConnected"}
    assert send(client, unknown).json == {"outcome": "ignored", "sync_queued": False}
    assert runs(sessions) == []


def test_when_the_queue_is_down_the_webhook_is_refused_so_kombo_delivers_it_again(
    app, client, keys, kombo, sessions
) -> None:
    own = tasks(app)
    app.extensions["jobmatch.tasks"] = Tasks(own.settings, own.sessions, own.pools,
                                             RedisHuey("jobmatch-test", url="redis://127.0.0.1:1/0"))
    payload = kombo.data_changed(INTEGRATION_ID)
    response = send(client, payload)
    assert response.status_code == 503
    assert "deliver the webhook again" in response.json["error"]["message"]
    assert stored_events(sessions) == 0
    with sessions() as session:
        assert session.get(Integration, INTEGRATION_ID).sync_requested is False
    app.extensions["jobmatch.tasks"] = own
    assert send(client, payload).json == {"outcome": "sync_requested", "sync_queued": True}
    assert len(runs(sessions)) == 1


def test_a_job_closed_or_deleted_in_the_ats_deactivates_the_linked_posting(client, keys, kombo) -> None:
    created = post(client, keys, NURSE).json
    assert created["linked_job_id"] == "job-nurse-berlin"
    assert (created["deactivated_in_ats"], created["can_apply"]) == (None, True)
    assert send(client, kombo.data_changed(INTEGRATION_ID)).status_code == 200  # the first, full sync

    closed = kombo.close_job(INTEGRATION_ID, "job-nurse-berlin")
    assert send(client, kombo.data_changed(INTEGRATION_ID)).json["sync_queued"] is True
    posting = client.get(f"/v1/postings/{created['id']}", headers=keys.header("reviewer")).json
    assert posting["can_apply"] is False
    assert posting["deactivated_in_ats"]["reason"] == "closed"
    assert posting["deactivated_in_ats"]["since"][:19] == closed["closed_at"][:19]
    listed = client.get("/v1/postings?deactivated=true", headers=keys.header("reviewer")).json["items"]
    assert [item["id"] for item in listed] == [created["id"]]
    assert client.get("/v1/postings?deactivated=false", headers=keys.header("reviewer")).json["items"] == []

    kombo.delete_job(INTEGRATION_ID, "job-nurse-berlin")
    send(client, kombo.data_changed(INTEGRATION_ID))
    posting = client.get(f"/v1/postings/{created['id']}", headers=keys.header("reviewer")).json
    assert posting["deactivated_in_ats"]["reason"] == "deleted"


def test_deactivation_is_read_from_the_linked_job_each_time(client, keys, sessions) -> None:
    linked = post(client, keys, NURSE).json
    unlinked = post(client, keys, {"external_id": "mp-2", "source": "stepstone", "title": "Astronaut"}).json
    assert (unlinked["linked_job_id"], unlinked["deactivated_in_ats"], unlinked["can_apply"]) == (None, None, False)

    def state() -> tuple:
        posting = client.get(f"/v1/postings/{linked['id']}", headers=keys.header("reviewer")).json
        return posting["deactivated_in_ats"], posting["can_apply"]

    with sessions.begin() as session:
        session.get(AtsJob, "job-nurse-berlin").status = "ARCHIVED"
    assert state()[0]["reason"] == "archived" and state()[1] is False
    with sessions.begin() as session:
        session.get(AtsJob, "job-nurse-berlin").status = "OPEN"
    assert state() == (None, True)
    assert client.get("/v1/postings?deactivated=true", headers=keys.header("reviewer")).json["items"] == []
    not_deactivated = client.get("/v1/postings?deactivated=false", headers=keys.header("reviewer")).json["items"]
    assert {item["id"] for item in not_deactivated} == {linked["id"], unlinked["id"]}

import json

import pytest
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.store.models import Integration, SetupState
from jobmatch.sync.webhooks import (
    AUTHENTICATION_FAILED_REASON,
    WebhookOutcome,
    WebhookPayloadError,
    handle_webhook,
    sign,
    verify_signature,
)
from tests.factories import INTEGRATION_ID, add_integration

SECRET = "whsec_test"


def data_changed(event_id: str = "evt1", models: tuple[str, ...] = ("ats_jobs",), integration_id: str = INTEGRATION_ID) -> dict:
    return {
        "id": event_id,
        "type": "data-changed",
        "data": {
            "integration_id": integration_id,
            "integration_tool": "personio",
            "integration_category": "ATS",
            "changed_models": [{"name": m} for m in models],
        },
    }


def sync_finished(state: str, event_id: str = "evt9") -> dict:
    return {
        "id": event_id,
        "type": "sync-finished",
        "data": {
            "sync_id": "B89SCXXho7Yw8PGo8AKJxLn4",
            "sync_state": state,
            "sync_started_at": "2021-09-01T12:00:00.000Z",
            "sync_ended_at": "2021-09-01T12:30:00.000Z",
            "sync_duration_seconds": 1800,
            "integration_id": INTEGRATION_ID,
            "integration_tool": "personio",
            "integration_category": "ATS",
            "log_url": "https://app.kombo.dev/env/production/logs/C3xUo6XAsB2sbKC7M1gyXaRX",
        },
    }


class Queue:
    def __init__(self) -> None:
        self.enqueued: list[str] = []

    def __call__(self, integration_id: str) -> None:
        self.enqueued.append(integration_id)


def handle(sessions: sessionmaker[Session], payload: dict, queue: Queue) -> WebhookOutcome:
    with sessions.begin() as session:
        return handle_webhook(session, payload, enqueue_sync=queue)


def test_signature_is_base64url_hmac_sha256_without_padding() -> None:
    body = json.dumps(data_changed()).encode()
    signature = sign(body, SECRET)
    assert "=" not in signature and "+" not in signature and "/" not in signature
    assert verify_signature(body, signature, SECRET)
    assert not verify_signature(body + b" ", signature, SECRET)
    assert not verify_signature(body, signature, "other secret")
    assert not verify_signature(body, None, SECRET)
    assert not verify_signature(body, signature + "=", SECRET)


def test_signature_matches_a_known_value() -> None:
    # computed independently: printf '{"id":"x"}' | openssl dgst -sha256 -hmac whsec_test -binary | basenc --base64url
    assert sign(b'{"id":"x"}', SECRET) == "7-Cd7i8Ki4Q3hcU0rndayqTkFD-KleskRvUJwGKvkFU"


def test_data_changed_requests_one_sync_however_many_events(sessions) -> None:
    add_integration(sessions)
    queue = Queue()
    outcomes = [handle(sessions, data_changed(f"evt{n}"), queue) for n in range(5)]
    assert outcomes == [WebhookOutcome.SYNC_REQUESTED] * 5
    assert queue.enqueued == [INTEGRATION_ID]
    with sessions() as session:
        assert session.get_one(Integration, INTEGRATION_ID).sync_requested


def test_a_duplicate_event_is_acknowledged_once(sessions) -> None:
    add_integration(sessions)
    queue = Queue()
    assert handle(sessions, data_changed("evt1"), queue) == WebhookOutcome.SYNC_REQUESTED
    with sessions.begin() as session:  # the queued sync ran and cleared the request
        session.get_one(Integration, INTEGRATION_ID).sync_requested = False
    assert handle(sessions, data_changed("evt1"), queue) == WebhookOutcome.DUPLICATE
    assert queue.enqueued == [INTEGRATION_ID]


@pytest.mark.parametrize("model", ["ats_jobs", "ats_job_postings", "ats_screening_questions", "ats_application_stages"])
def test_each_job_related_model_requests_a_sync(sessions, model) -> None:
    add_integration(sessions)
    queue = Queue()
    assert handle(sessions, data_changed(models=("hris_employees", model)), queue) == WebhookOutcome.SYNC_REQUESTED
    assert queue.enqueued == [INTEGRATION_ID]


def test_unrelated_models_and_unknown_integrations_are_ignored(sessions) -> None:
    add_integration(sessions)
    queue = Queue()
    assert handle(sessions, data_changed("e1", models=("ats_candidates",)), queue) == WebhookOutcome.IGNORED
    assert handle(sessions, data_changed("e2", integration_id="join:unknown"), queue) == WebhookOutcome.IGNORED
    assert queue.enqueued == []


def test_authentication_failed_flags_the_customer_and_success_clears_it(sessions) -> None:
    add_integration(sessions)
    queue = Queue()
    assert handle(sessions, sync_finished("AUTHENTICATION_FAILED", "e1"), queue) == WebhookOutcome.RECORDED
    with sessions() as session:
        integration = session.get_one(Integration, INTEGRATION_ID)
        assert integration.sync_state == "AUTHENTICATION_FAILED"
        assert integration.needs_action_reason == AUTHENTICATION_FAILED_REASON
    with sessions.begin() as session:
        session.get_one(Integration, INTEGRATION_ID).setup_state = SetupState.READY
    assert handle(sessions, sync_finished("PARTIALLY_FAILED", "e2"), queue) == WebhookOutcome.RECORDED
    with sessions() as session:
        integration = session.get_one(Integration, INTEGRATION_ID)
        assert (integration.sync_state, integration.needs_customer_action) == ("PARTIALLY_FAILED", False)
    assert queue.enqueued == []


@pytest.mark.parametrize("state", ["FAILED", "TIMED_OUT", "CANCELLED"])
def test_failures_kombo_fixes_are_recorded_without_flagging_the_customer(sessions, state) -> None:
    add_integration(sessions)
    handle(sessions, sync_finished(state), Queue())
    with sessions() as session:
        integration = session.get_one(Integration, INTEGRATION_ID)
        assert (integration.sync_state, integration.needs_action_reason) == (state, None)


def test_first_successful_kombo_sync_requests_our_first_sync(sessions) -> None:
    add_integration(sessions)
    queue = Queue()
    assert handle(sessions, sync_finished("SUCCEEDED"), queue) == WebhookOutcome.SYNC_REQUESTED
    assert queue.enqueued == [INTEGRATION_ID]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "JSON object"),
        ({"type": "data-changed", "data": {}}, "id is missing"),
        ({"id": "e", "data": {}}, "type is missing"),
        ({"id": "e", "type": "data-changed"}, "data is missing"),
        ({"id": "e", "type": "data-changed", "data": {}}, "data.integration_id"),
        ({"id": "e", "type": "sync-finished", "data": {"integration_id": INTEGRATION_ID}}, "data.sync_state"),
    ],
)
def test_malformed_payloads_say_what_is_missing(sessions, payload, message) -> None:
    add_integration(sessions)
    with pytest.raises(WebhookPayloadError, match=message):
        handle(sessions, payload, Queue())

"""Outbound events end to end: endpoints made through the API, events written by the changes that make them,
delivered to a real receiver on loopback that fails, then accepts, and verifies every signature."""

import dataclasses
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from jobmatch.api import create_app, decisions, outbox
from jobmatch.api.database import database
from jobmatch.api.deliveries import Deliverer
from jobmatch.config import Settings
from jobmatch.store.models import Feed, FeedFetch, Posting, WebhookDelivery, WebhookEndpoint
from jobmatch.store.types import utcnow
from tests.api.helpers import NURSE, post
from tests.api.outbound_servers import webhook_receiver
from tests.api.test_pages import sign_in

LOOPBACK = frozenset({"127.0.0.1"})


@pytest.fixture
def app(database_url, sessions, tmp_path):
    settings = dataclasses.replace(Settings(database_url, "https://api.kombo.dev", None, None, tmp_path),
                                   outbound_allow=LOOPBACK, webhook_retry_seconds=1)
    app = create_app(settings)
    yield app
    database(app).close()


@pytest.fixture
def receiver():
    with webhook_receiver() as receiver:
        yield receiver


def make_endpoint(client, keys, url, events=("*",)):
    answer = client.post("/v1/webhook-endpoints", json={"url": url, "events": list(events), "description": "ours"},
                         headers=keys.header("admin"))
    assert answer.status_code == 201, answer.json
    return answer.json


def deliverer(sessions, allow=LOOPBACK):
    return Deliverer(sessions, allow, retry_seconds=1)


def deliveries(sessions):
    with sessions() as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_an_endpoint_is_made_listed_and_deleted_with_its_secret_shown_once(client, keys, receiver) -> None:
    made = make_endpoint(client, keys, receiver.url, ["posting.linked", "posting.withdrawn", "posting.linked"])
    assert made["secret"].startswith("whsec_") and made["events"] == ["posting.linked", "posting.withdrawn"]
    assert (made["url"], made["enabled"], made["description"]) == (receiver.url, True, "ours")
    listed = client.get("/v1/webhook-endpoints", headers=keys.header("admin")).json["items"]
    assert [item["id"] for item in listed] == [made["id"]] and "secret" not in listed[0]
    assert client.get("/v1/webhook-endpoints", headers=keys.header("other")).json["items"] == []
    assert client.delete(f"/v1/webhook-endpoints/{made['id']}", headers=keys.header("other")).status_code == 404
    assert client.get("/v1/webhook-endpoints", headers=keys.header("poster")).status_code == 403
    assert client.delete(f"/v1/webhook-endpoints/{made['id']}", headers=keys.header("admin")).status_code == 204
    assert client.get("/v1/webhook-endpoints", headers=keys.header("admin")).json["items"] == []


@pytest.mark.parametrize(("url", "why"), [
    ("http://hooks.example.com/in", "must be https"),
    ("https://10.1.2.3/in", "private"),
    ("https://169.254.169.254/latest/meta-data", "link-local"),
    ("https://[::1]/in", "loopback"),
    ("https://localhost/in", "loopback"),
    ("https://user:pw@hooks.example.com/in", "credentials"),
    ("hooks.example.com/in", "https"),
])
def test_endpoints_that_are_not_public_https_are_refused(client, keys, url, why) -> None:
    answer = client.post("/v1/webhook-endpoints", json={"url": url}, headers=keys.header("admin"))
    assert answer.status_code == 422
    assert why in " ".join(answer.json["error"]["details"]["json"]["url"])


def test_unknown_event_types_are_refused(client, keys, receiver) -> None:
    answer = client.post("/v1/webhook-endpoints", json={"url": receiver.url, "events": ["posting.eaten"]},
                         headers=keys.header("admin"))
    assert answer.status_code == 422 and "events" in answer.json["error"]["details"]["json"]


def test_an_event_fails_then_is_delivered_signed_with_one_webhook_id(client, keys, sessions, receiver) -> None:
    endpoint = make_endpoint(client, keys, receiver.url)
    receiver.secret, receiver.script = endpoint["secret"], [500]
    posting = post(client, keys, NURSE).json
    sender = deliverer(sessions)

    first = sender.drain()
    assert (first.delivered, first.failed) == (0, 1)
    [waiting] = deliveries(sessions)
    assert (waiting.status, waiting.attempts, waiting.last_status_code) == ("pending", 1, 500)
    assert timedelta(seconds=0.7) < waiting.next_attempt_at - waiting.last_attempt_at < timedelta(seconds=1.3)
    assert sender.drain().delivered == 0  # not due yet

    assert sender.drain(now=waiting.next_attempt_at).delivered == 1
    assert [r["error"] for r in receiver.requests] == [None, None]  # both signatures verified
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert ids == {waiting.event_id} and waiting.event_id.startswith("msg_")
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    payload = receiver.accepted[-1]
    shown = client.get(f"/v1/postings/{posting['id']}", headers=keys.header("poster")).json
    del shown["history"]
    assert payload["type"] == "posting.auto_linked" and payload["data"] == {"posting": shown}
    listed = client.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries", headers=keys.header("admin")).json
    [item] = listed["items"]
    assert (item["status"], item["attempts"], item["last_status_code"], item["next_attempt_at"]) == (
        "delivered", 2, 200, None)
    assert item["webhook_id"] == waiting.event_id


def test_each_decision_is_an_event_sent_in_order_per_posting(client, keys, sessions, receiver) -> None:
    endpoint = make_endpoint(client, keys, receiver.url)
    receiver.secret, receiver.script = endpoint["secret"], [503]
    nurse = post(client, keys, NURSE).json
    unknown = post(client, keys, {"external_id": "mp-2", "source": "stepstone", "title": "Astronaut"}).json
    vague = post(client, keys, {"external_id": "mp-3", "source": "stepstone", "title": "Pflegefachkraft"}).json
    headers = keys.header("reviewer")
    assert client.post(f"/v1/postings/{nurse['id']}/unlink", headers=headers).status_code == 200
    assert client.post(f"/v1/postings/{nurse['id']}/link", json={"job_id": "job-nurse-hamburg"},
                       headers=headers).status_code == 200
    assert client.post(f"/v1/postings/{vague['id']}/reject", json={}, headers=headers).status_code == 200
    assert client.delete(f"/v1/postings/{nurse['id']}", headers=keys.header("poster")).status_code == 204

    sender = deliverer(sessions)
    sender.drain()  # the nurse's first event fails: the nurse's later events wait, the others go
    sent = [(p["data"]["posting"]["id"], p["type"]) for p in receiver.accepted]
    assert sent == [(unknown["id"], "posting.no_match"), (vague["id"], "posting.needs_review"),
                    (vague["id"], "posting.rejected")]
    sender.drain(now=utcnow() + timedelta(seconds=5))
    nurse_events = [p["type"] for p in receiver.accepted if p["data"]["posting"]["id"] == nurse["id"]]
    assert nurse_events == ["posting.auto_linked", "posting.unlinked", "posting.linked", "posting.withdrawn"]
    assert {d.status for d in deliveries(sessions)} == {"delivered"}


def test_an_undone_decision_is_an_event_of_the_state_it_restores(client, keys, sessions, receiver) -> None:
    receiver.secret = make_endpoint(client, keys, receiver.url)["secret"]
    vague = post(client, keys, {"external_id": "mp-3", "source": "stepstone", "title": "Pflegefachkraft"}).json
    headers = keys.header("reviewer")
    assert client.post(f"/v1/postings/{vague['id']}/link", json={"job_id": "job-nurse-hamburg"},
                       headers=headers).status_code == 200
    assert client.post(f"/v1/postings/{vague['id']}/undo", headers=headers).status_code == 200
    deliverer(sessions).drain()
    sent = [(p["type"], p["data"]["posting"]["decision"]) for p in receiver.accepted]
    assert sent == [("posting.needs_review", "needs_review"), ("posting.linked", "linked"),
                    ("posting.needs_review", "needs_review")]


def test_an_endpoint_receives_only_its_events_and_other_customers_none(client, keys, sessions, receiver) -> None:
    endpoint = make_endpoint(client, keys, receiver.url, ["posting.withdrawn"])
    receiver.secret = endpoint["secret"]
    nurse = post(client, keys, NURSE).json
    post(client, keys, NURSE | {"external_id": "x-1"}, role="other")
    client.delete(f"/v1/postings/{nurse['id']}", headers=keys.header("poster"))
    deliverer(sessions).drain()
    assert [(p["type"], p["data"]["posting"]["id"]) for p in receiver.accepted] == [("posting.withdrawn", nurse["id"])]


def test_a_change_that_rolls_back_sends_nothing(client, keys, sessions, receiver) -> None:
    make_endpoint(client, keys, receiver.url)
    nurse = post(client, keys, NURSE).json
    with sessions() as session:
        posting = session.get_one(Posting, nurse["id"])
        decisions.withdraw(posting, "test")
        session.flush()
        session.rollback()
    with sessions.begin() as session:  # a later transaction writes only its own event
        decisions.unlink(session.get_one(Posting, nurse["id"]), "test")
    assert [d.type for d in deliveries(sessions)] == ["posting.auto_linked", "posting.unlinked"]


def test_no_endpoint_writes_no_outbox_row(client, keys, sessions) -> None:
    nurse = post(client, keys, NURSE).json
    client.delete(f"/v1/postings/{nurse['id']}", headers=keys.header("poster"))
    assert deliveries(sessions) == []


def test_an_endpoint_failing_for_three_days_is_disabled_and_a_retry_enables_it(client, keys, sessions) -> None:
    with webhook_receiver(then=500) as receiver:
        endpoint = make_endpoint(client, keys, receiver.url)
        post(client, keys, NURSE)
        sender = deliverer(sessions)
        sender.drain()
        long_ago = utcnow() - timedelta(days=3, minutes=1)
        with sessions.begin() as session:
            session.execute(update(WebhookEndpoint).values(failing_since=long_ago))
            session.execute(update(WebhookDelivery).values(occurred_at=long_ago))
        sender.drain(now=utcnow() + timedelta(seconds=5))
        [shown] = client.get("/v1/webhook-endpoints", headers=keys.header("admin")).json["items"]
        assert shown["enabled"] is False and "answered 500" in shown["disabled_reason"]
        [failed] = deliveries(sessions)
        assert (failed.status, failed.attempts, failed.next_attempt_at) == ("failed", 2, None)
        post(client, keys, NURSE | {"external_id": "mp-9"})  # a disabled endpoint is sent nothing new
        assert len(deliveries(sessions)) == 1

        receiver.then = 200
        answer = client.post(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries/{failed.id}/retry",
                             headers=keys.header("admin"))
        assert answer.status_code == 202 and answer.json["status"] == "pending"
        assert sender.drain().delivered == 1
        [shown] = client.get("/v1/webhook-endpoints", headers=keys.header("admin")).json["items"]
        assert shown["enabled"] is True and shown["failing_since"] is None
        assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == 1


def test_delivery_checks_the_url_again_and_connects_nowhere_when_refused(client, keys, sessions, receiver) -> None:
    make_endpoint(client, keys, receiver.url)  # allowed when made; the operator removed 127.0.0.1 since
    post(client, keys, NURSE)
    result = deliverer(sessions, allow=frozenset()).drain()
    assert result.failed == 1 and receiver.requests == []
    [refused] = deliveries(sessions)
    assert refused.last_error.startswith("refused: the URL must be https")


def test_a_delivery_claimed_by_a_live_worker_is_not_sent_twice(client, keys, sessions, receiver) -> None:
    make_endpoint(client, keys, receiver.url)
    post(client, keys, NURSE)
    with sessions.begin() as session:
        session.execute(update(WebhookDelivery).values(lease_until=utcnow() + timedelta(seconds=30)))
    assert deliverer(sessions).drain().delivered == 0 and receiver.requests == []
    with sessions.begin() as session:  # the worker holding it died: its lease ran out
        session.execute(update(WebhookDelivery).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert deliverer(sessions).drain().delivered == 1


def test_deliveries_page_newest_first_and_filter_by_status(client, keys, sessions, receiver) -> None:
    endpoint = make_endpoint(client, keys, receiver.url)
    for n in range(3):
        post(client, keys, NURSE | {"external_id": f"mp-{n}"})
    url = f"/v1/webhook-endpoints/{endpoint['id']}/deliveries"
    first = client.get(f"{url}?limit=2", headers=keys.header("admin")).json
    second = client.get(f"{url}?limit=2&cursor={first['next_cursor']}", headers=keys.header("admin")).json
    ids = [item["id"] for item in first["items"] + second["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 3 and second["next_cursor"] is None
    assert client.get(f"{url}?status=delivered", headers=keys.header("admin")).json["items"] == []
    assert client.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries", headers=keys.header("other")).status_code == 404


def test_a_sync_closing_a_linked_job_tells_the_endpoint(client, keys, sessions, receiver) -> None:
    endpoint = make_endpoint(client, keys, receiver.url, ["posting.deactivated_in_ats", "posting.reactivated"])
    receiver.secret = endpoint["secret"]
    nurse = post(client, keys, NURSE).json
    with sessions.begin() as session:
        assert outbox.job_states_changed(session, ["job-nurse-berlin", "job-driver-berlin"]) == 1
    deliverer(sessions).drain()
    [payload] = receiver.accepted
    assert payload["type"] == "posting.reactivated" and payload["data"]["posting"]["id"] == nurse["id"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1


def test_a_commit_that_wrote_events_queues_their_delivery(app, client, keys, receiver) -> None:
    huey = app.extensions["jobmatch.tasks"].huey
    post(client, keys, NURSE)
    assert huey.pending_count() == 0  # no endpoint: nothing written, nothing queued
    make_endpoint(client, keys, receiver.url)
    post(client, keys, NURSE | {"external_id": "mp-2"})
    assert huey.pending_count() == 1
    huey.execute(huey.dequeue())
    assert len(receiver.requests) == 1


def test_the_integrations_page_shows_a_disabled_endpoint_and_a_broken_feed(client, keys, sessions) -> None:
    endpoint = make_endpoint(client, keys, "http://127.0.0.1:1/hooks")
    with sessions.begin() as session:
        session.execute(update(WebhookEndpoint).values(disabled_at=utcnow(), disabled_reason="every delivery failed"))
        customer_id = session.get_one(WebhookEndpoint, endpoint["id"]).customer_id
        feed = Feed(customer_id=customer_id, url="http://127.0.0.1:1/jobs.xml", source="site", format="indeed")
        session.add(feed)
        session.flush()
        session.add(FeedFetch(feed_id=feed.id, outcome="failed", error="the feed ends early; nothing was withdrawn"))
    sign_in(client, keys.admin)
    page = client.get("/review/integrations").get_data(as_text=True)
    assert "Disabled" in page and "every delivery failed" in page and f"/v1/webhook-endpoints/{endpoint['id']}" in page
    assert "the feed ends early; nothing was withdrawn" in page


def test_the_openapi_document_describes_the_event_body_as_a_callback(client, keys, sessions, receiver) -> None:
    document = client.get("/openapi.json").json
    callback = document["paths"]["/v1/webhook-endpoints"]["post"]["callbacks"]["event"]["{$request.body#/url}"]
    assert callback["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/WebhookEvent")
    make_endpoint(client, keys, receiver.url)
    post(client, keys, NURSE)
    deliverer(sessions).drain()
    [request] = receiver.requests
    sent = json.loads(request["body"])
    schemas = document["components"]["schemas"]
    assert set(sent) == set(schemas["WebhookEvent"]["properties"])
    assert set(sent["data"]["posting"]) == set(schemas["EventPosting"]["properties"])

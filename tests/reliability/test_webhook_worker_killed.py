"""A `jobmatch worker` killed while an endpoint has not answered yet loses no event: once its lease runs out a
restarted worker sends the event again, with the same webhook-id and body, to a real receiver on loopback."""

import os
import signal
import threading
import time

from sqlalchemy import select
from standardwebhooks import Webhook

from jobmatch.api import create_app
from jobmatch.api.database import database
from jobmatch.api.webhook_endpoints import new_secret
from jobmatch.config import Settings
from jobmatch.store.models import Customer, WebhookDelivery, WebhookEndpoint, WebhookSubscription
from jobmatch.store.types import utcnow
from tests.api.outbound_servers import webhook_receiver
from tests.factories import add_api_key
from tests.reliability.test_two_workers import start_worker, stop, wait_for


def delivery(sessions) -> WebhookDelivery:
    with sessions() as session:
        return session.scalars(select(WebhookDelivery)).one()


def test_a_worker_killed_mid_delivery_loses_nothing(database_url, sessions, tmp_path, redis_server) -> None:
    env = os.environ | {
        "JOBMATCH_DATABASE_URL": database_url, "JOBMATCH_INSTANCE_PATH": str(tmp_path),
        "JOBMATCH_REDIS_URL": redis_server.url, "JOBMATCH_OUTBOUND_ALLOW": "127.0.0.1",
    }
    secret = new_secret()
    with sessions.begin() as session:
        session.add(Customer(slug="acme", name="ACME"))
    poster = add_api_key(sessions, "acme", "poster")
    app = create_app(Settings.from_env(env))  # the API, queueing deliveries on the workers' Redis
    with webhook_receiver(secret=secret) as receiver:
        receiver.hold = hold = threading.Event()
        with sessions.begin() as session:
            customer = session.scalars(select(Customer)).one()
            session.add(WebhookEndpoint(customer_id=customer.id, url=receiver.url, secret=secret,
                                        subscriptions=[WebhookSubscription(event_type="*")]))
        first = start_worker(env, tmp_path / "worker-1.log")
        second = None
        try:
            wait_for(lambda: "consumer started" in (tmp_path / "worker-1.log").read_text(), "the first worker")
            answer = app.test_client().post("/v1/postings", headers={"Authorization": f"Bearer {poster}"},
                                            json={"external_id": "mp-1", "source": "stepstone", "title": "Koch"})
            assert answer.status_code == 201
            assert receiver.arrived.wait(30), "the first worker sent nothing"
            first.send_signal(signal.SIGKILL)  # mid-attempt: the receiver has not answered
            first.wait(timeout=10)
            receiver.hold = None
            hold.set()
            assert delivery(sessions).status == "pending"

            second = start_worker(env, tmp_path / "worker-2.log")
            wait_for(lambda: "consumer started" in (tmp_path / "worker-2.log").read_text(), "the second worker")
            time.sleep(max(0.0, (delivery(sessions).lease_until - utcnow()).total_seconds()) + 0.5)  # the lease runs out
            app.extensions["jobmatch.tasks"].outbound.deliver_soon()  # as the next commit with an event does
            wait_for(lambda: delivery(sessions).status == "delivered", "the delivery by the restarted worker", 60)
        finally:
            for process in (first, second):
                if process is not None and process.poll() is None:
                    stop(process)
            database(app).close()
    sent = receiver.requests
    assert len(sent) == 2
    assert sent[0]["headers"]["webhook-id"] == sent[1]["headers"]["webhook-id"] == delivery(sessions).event_id
    assert sent[0]["body"] == sent[1]["body"]
    payload = Webhook(secret).verify(sent[1]["body"], sent[1]["headers"])
    assert payload["type"] == "posting.no_match" and payload["data"]["posting"]["external_id"] == "mp-1"
    assert delivery(sessions).attempts == 1  # the killed attempt never finished

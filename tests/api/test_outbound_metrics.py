"""/metrics counts webhook deliveries by status, the wait of the oldest undelivered event, disabled endpoints
and feed fetches by outcome."""

import dataclasses

import pytest

from jobmatch.api import create_app
from jobmatch.api.database import database
from jobmatch.api.deliveries import Deliverer
from jobmatch.config import Settings
from tests.api.helpers import NURSE, post
from tests.api.outbound_servers import feed_server, indeed_feed, webhook_receiver
from tests.api.test_metrics import TOKEN, scrape

LOOPBACK = frozenset({"127.0.0.1"})


@pytest.fixture
def app(database_url, sessions, tmp_path):
    settings = Settings(database_url, "https://api.kombo.dev", None, None, tmp_path, metrics_token=TOKEN)
    app = create_app(dataclasses.replace(settings, outbound_allow=LOOPBACK))
    yield app
    database(app).close()


def test_deliveries_the_oldest_waiting_event_and_feed_fetches_are_counted(app, client, keys, sessions) -> None:
    assert scrape(client)["jobmatch_webhook_oldest_undelivered_seconds"] == 0
    with webhook_receiver(script=[500]) as receiver:
        made = client.post("/v1/webhook-endpoints", json={"url": receiver.url}, headers=keys.header("admin"))
        assert made.status_code == 201
        post(client, keys, NURSE)
        post(client, keys, NURSE | {"external_id": "mp-2", "title": "Astronaut", "job_code": None})
        Deliverer(sessions, LOOPBACK, 1).drain()
    samples = scrape(client)
    assert samples['jobmatch_webhook_deliveries{customer="acme",status="pending"}'] == 1
    assert samples['jobmatch_webhook_deliveries{customer="acme",status="delivered"}'] == 1
    assert samples["jobmatch_webhook_oldest_undelivered_seconds"] > 0
    assert samples["jobmatch_webhook_endpoints_disabled"] == 0

    fetcher = app.extensions["jobmatch.tasks"].outbound.fetcher
    with feed_server(indeed_feed([{"title": "Koch", "referencenumber": "r-1"}])) as feed:
        answer = client.post("/v1/feeds", json={"url": feed.url, "source": "site", "format": "indeed"},
                             headers=keys.header("admin"))
        fetcher.fetch(answer.json["id"])
        fetcher.fetch(answer.json["id"])
        feed.status = 503
        fetcher.fetch(answer.json["id"])
    samples = scrape(client)
    for outcome, count in (("updated", 1), ("not_modified", 1), ("failed", 1)):
        assert samples[f'jobmatch_feed_fetches_total{{customer="acme",outcome="{outcome}",source="site"}}'] == count

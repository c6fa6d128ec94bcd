"""Indeed XML feeds pulled from a real server on loopback: jobs become postings, a complete feed withdraws what
it no longer lists, a broken one withdraws nothing and says why, unchanged feeds are not read again."""

import dataclasses
import tracemalloc
from datetime import timedelta

import pytest
from sqlalchemy import select

from jobmatch.api import create_app, indeed_feed
from jobmatch.api.database import database
from jobmatch.config import Settings
from jobmatch.store.models import Posting
from jobmatch.store.types import utcnow
from tests.api.outbound_servers import feed_server, indeed_feed as feed_of

LOOPBACK = frozenset({"127.0.0.1"})
NURSE = {"title": "Pflegefachkraft (m/w/d)", "referencenumber": "ref-1", "requisitionid": "PF-101",
         "url": "https://acme.example/jobs/101", "company": "ACME", "city": "Berlin", "state": "BE",
         "country": "DE", "postalcode": "10115", "description": "<p>Pflege</p>", "jobtype": "fulltime"}
DRIVER = {"title": "Berufskraftfahrer CE", "referencenumber": "ref-2", "city": "Berlin", "country": "DE"}
COOK = {"title": "Koch (m/w/d)", "referencenumber": "ref-3", "city": "Hamburg"}


@pytest.fixture
def app(database_url, sessions, tmp_path):
    settings = dataclasses.replace(Settings(database_url, "https://api.kombo.dev", None, None, tmp_path),
                                   outbound_allow=LOOPBACK)
    app = create_app(settings)
    yield app
    database(app).close()


@pytest.fixture
def outbound(app):
    return app.extensions["jobmatch.tasks"].outbound


def register(client, keys, url, source="career-site"):
    answer = client.post("/v1/feeds", json={"url": url, "source": source, "format": "indeed"},
                         headers=keys.header("admin"))
    assert answer.status_code == 201, answer.json
    return answer.json["id"]


def postings(sessions):
    with sessions() as session:
        return {p.external_id: p for p in session.scalars(select(Posting).order_by(Posting.id))}


def test_each_job_is_a_posting_and_an_unchanged_feed_is_not_read_again(client, keys, sessions, outbound) -> None:
    with feed_server(feed_of([NURSE, DRIVER])) as server:
        feed_id = register(client, keys, server.url)
        run = outbound.fetcher.fetch(feed_id)
        assert (run.outcome, run.jobs, run.created, run.withdrawn, run.error) == ("updated", 2, 2, 0, None)
        stored = postings(sessions)
        nurse = stored["ref-1"]
        assert (nurse.source, nurse.title, nurse.job_code, nurse.post_url, nurse.employment_type) == (
            "career-site", "Pflegefachkraft (m/w/d)", "PF-101", "https://acme.example/jobs/101", "fulltime")
        assert nurse.location == {"city": "Berlin", "zip_code": "10115", "country": "DE", "raw": "Berlin, BE, DE"}
        assert nurse.linked_job_id == "job-nurse-berlin"

        again = outbound.fetcher.fetch(feed_id)
        assert (again.outcome, again.http_status, again.jobs) == ("not_modified", 304, 0)
        assert server.requests[1]["If-None-Match"] == '"v1"'
        assert server.requests[1]["If-Modified-Since"] == server.last_modified
        server.etag = '"v1-rebuilt"'  # the exporter rebuilt the same jobs: read, nothing matched or written
        rebuilt = outbound.fetcher.fetch(feed_id)
        assert (rebuilt.outcome, rebuilt.jobs, rebuilt.created, rebuilt.updated, rebuilt.withdrawn) == (
            "updated", 2, 0, 0, 0)
        assert postings(sessions)["ref-1"].updated_at == nurse.updated_at
    [shown] = client.get("/v1/feeds", headers=keys.header("admin")).json["items"]
    assert shown["last_fetch"]["outcome"] == "updated" and shown["source"] == "career-site"


def test_a_complete_feed_withdraws_what_it_no_longer_lists(client, keys, sessions, outbound) -> None:
    with feed_server(feed_of([NURSE, DRIVER])) as server:
        feed_id = register(client, keys, server.url)
        outbound.fetcher.fetch(feed_id)
        server.body, server.etag = feed_of([NURSE | {"title": "Pflegefachkraft (m/w/d) Teilzeit"}, COOK]), '"v2"'
        run = outbound.fetcher.fetch(feed_id)
    assert (run.outcome, run.jobs, run.created, run.updated, run.withdrawn) == ("updated", 2, 1, 1, 1)
    stored = postings(sessions)
    assert stored["ref-2"].withdrawn_at is not None
    assert stored["ref-1"].withdrawn_at is None and stored["ref-1"].title.endswith("Teilzeit")
    assert stored["ref-3"].withdrawn_at is None


@pytest.mark.slow
def test_a_feed_larger_than_a_batch_is_compared_batch_by_batch(client, keys, sessions, outbound) -> None:
    jobs = [{"title": f"Lagerhelfer {n}", "referencenumber": f"lager-{n}", "city": "Bamberg"} for n in range(1100)]
    with feed_server(feed_of(jobs)) as server:
        feed_id = register(client, keys, server.url)
        assert outbound.fetcher.fetch(feed_id).created == 1100
        jobs[700]["title"] = "Lagerhelfer (m/w/d) Nachtschicht"
        server.body, server.etag = feed_of(jobs[:-1]), '"v2"'
        run = outbound.fetcher.fetch(feed_id)
    assert (run.jobs, run.created, run.updated, run.withdrawn) == (1099, 0, 1, 1)
    stored = postings(sessions)
    assert stored["lager-700"].title.endswith("Nachtschicht") and stored["lager-1099"].withdrawn_at is not None


@pytest.mark.parametrize(("change", "says"), [
    ({"cut": -40}, "ends early"),
    ({"body": b"<source><job><title>Koch</title></job>"}, "ends early"),
    ({"body": b"<rss><channel/></rss>"}, "starts with <source>"),
    ({"body": b'<?xml version="1.0"?><!DOCTYPE source [<!ENTITY x "y">]><source></source>'}, "DTD"),
    ({"status": 500}, "answered 500"),
])
def test_a_broken_feed_withdraws_nothing_and_is_reported(client, keys, sessions, outbound, change, says) -> None:
    with feed_server(feed_of([NURSE, DRIVER])) as server:
        feed_id = register(client, keys, server.url)
        outbound.fetcher.fetch(feed_id)
        server.body, server.etag = feed_of([NURSE]), '"v2"'
        if "cut" in change:
            server.cut = len(server.body) + change["cut"]
        else:
            for name, value in change.items():
                setattr(server, name, value)
        run = outbound.fetcher.fetch(feed_id)
        assert run.outcome == "failed" and says in run.error and run.withdrawn == 0
        assert all(p.withdrawn_at is None for p in postings(sessions).values())
        [shown] = client.get("/v1/feeds", headers=keys.header("admin")).json["items"]
        assert shown["last_fetch"]["outcome"] == "failed" and says in shown["last_fetch"]["error"]
        server.cut, server.status = None, 200  # repaired: the next fetch reads it whole (validators not kept)
        server.body = feed_of([NURSE])
        assert outbound.fetcher.fetch(feed_id).withdrawn == 1


def test_a_job_that_fails_its_checks_is_skipped_alone(client, keys, sessions, outbound) -> None:
    with feed_server(feed_of([NURSE, {"referencenumber": "no-title"}, {"title": "Koch"}, DRIVER])) as server:
        run = outbound.fetcher.fetch(register(client, keys, server.url))
    assert (run.outcome, run.jobs, run.refused, run.created) == ("updated", 4, 2, 2)
    assert sorted(postings(sessions)) == ["ref-1", "ref-2"]


def test_feeds_that_are_not_public_https_or_repeat_a_source_are_refused(client, keys) -> None:
    for url, why in [("http://feeds.example.com/jobs.xml", "https"), ("https://192.168.0.10/jobs.xml", "private")]:
        answer = client.post("/v1/feeds", json={"url": url, "source": "s", "format": "indeed"},
                             headers=keys.header("admin"))
        assert answer.status_code == 422 and why in answer.json["error"]["details"]["json"]["url"][0]
    bad_format = client.post("/v1/feeds", json={"url": "http://127.0.0.1:1/x", "source": "s", "format": "rss"},
                             headers=keys.header("admin"))
    assert bad_format.status_code == 422
    register(client, keys, "http://127.0.0.1:1/jobs.xml", source="s")
    again = client.post("/v1/feeds", json={"url": "http://127.0.0.1:1/other.xml", "source": "s", "format": "indeed"},
                        headers=keys.header("admin"))
    assert again.status_code == 409
    assert client.post("/v1/feeds", json={}, headers=keys.header("poster")).status_code == 403


def test_a_feed_is_fetched_on_request_and_on_schedule_once_per_interval(app, client, keys, sessions, outbound) -> None:
    huey = app.extensions["jobmatch.tasks"].huey
    with feed_server(feed_of([NURSE])) as server:
        feed_id = register(client, keys, server.url)
        answer = client.post(f"/v1/feeds/{feed_id}/fetch", headers=keys.header("admin"))
        assert answer.status_code == 202 and answer.json == {"feed_id": feed_id, "queued": True}
        huey.execute(huey.dequeue())
        assert list(postings(sessions)) == ["ref-1"]
        now = utcnow()
        assert outbound.queue_due_feeds(now) == [feed_id]
        assert outbound.queue_due_feeds(now + timedelta(minutes=59)) == []
        assert outbound.queue_due_feeds(now + timedelta(minutes=60)) == [feed_id]
    assert client.post(f"/v1/feeds/{feed_id}/fetch", headers=keys.header("other")).status_code == 404


@pytest.mark.slow
def test_the_streaming_parse_holds_one_job_at_a_time() -> None:
    """Memory does not grow with the feed: 20,000 jobs (8 MB of XML) peak as 2,000 do, well under 5 MB."""
    job = "<job><title><![CDATA[Produktionsmitarbeiter (m/w/d)]]></title><referencenumber>{n}</referencenumber>" \
          "<city>Bamberg</city><description><![CDATA[" + "Wir suchen Verstaerkung. " * 12 + "]]></description></job>"

    def peak_parsing(jobs: int) -> int:
        def chunks():
            yield b"<source><publisher>x</publisher>"
            for start in range(0, jobs, 500):
                yield "".join(job.format(n=n) for n in range(start, start + 500)).encode()
            yield b"</source>"

        tracemalloc.start()
        try:
            assert sum(1 for _ in indeed_feed.jobs(chunks())) == jobs
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak_parsing(2_000), peak_parsing(20_000)
    assert large < small * 1.5 and large < 5 * 1024 * 1024, (small, large)

"""`jobmatch demo`: the embedded default end to end in one process, with no other service. A fake Kombo serves a
realistic customer's ATS; jobmatch waits out Kombo's first sync, mirrors the jobs, receives a day's postings from
a multiposter and a back office, and serves the API and the review page. The fake sends Kombo's signed
webhooks to the app on every change, so a job closed in the fake reaches the page as 'deactivated in ATS'."""

import json
import shlex
import threading
import time
from collections import Counter
from dataclasses import replace
from typing import Any

import click
import httpx
from sqlalchemy import select

from jobmatch.cli.context import AppContext, pass_app
from jobmatch.cli.serve import serve_app
from jobmatch.fixtures.demo_postings import demo_postings
from jobmatch.fixtures.fake_kombo import FakeKombo
from jobmatch.fixtures.kombo_jobs import generate_jobs
from jobmatch.store.models import Customer, Integration, Role
from jobmatch.sync.errors import KomboSetupPending
from jobmatch.sync.kombo import KomboClient
from jobmatch.sync.runner import SyncRunner, sync_when_ready

DEMO_CUSTOMER = "demo-personal"
DEMO_INTEGRATION = "personio:DemoPersonalGmbH0000000001"
DEMO_API_KEY = "demo-kombo-key"
DEMO_WEBHOOK_SECRET = "demo-webhook-secret"
SEED = 2025  # the same jobs and postings on every run, so a rerun finds what the last one stored
POSTINGS = 50
POLL_SECONDS = 1.0  # the fake is on loopback: check Kombo's first sync every second rather than backing off


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve the API and page on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--jobs", "job_count", default=300, show_default=True, type=click.IntRange(100, 5_000),
              help="How many ATS jobs the demo customer has (with more, no advert is of an occupation it lacks).")
@click.option("--setup-seconds", default=3.0, show_default=True, type=click.FloatRange(min=0),
              help="How long Kombo's first sync of the integration takes in the fake.")
@pass_app
def demo(app: AppContext, host: str, port: int, job_count: int, setup_seconds: float) -> None:
    """Serve a demo customer mirrored from a fake Kombo, with postings to review, until Ctrl-C."""
    from jobmatch.api import create_app
    from jobmatch.api.keys import create_key

    app.upgrade_schema()
    app.log_activity()
    _ensure_demo_customer(app)
    jobs = generate_jobs(job_count, seed=SEED)
    with FakeKombo(api_key=DEMO_API_KEY) as kombo:
        kombo.add_integration(DEMO_INTEGRATION, jobs=jobs, setup="FINAL_SYNC_PENDING",
                              organization_name="Demo Personal GmbH")
        click.echo(f"fake Kombo at {kombo.base_url}: {job_count} jobs of {DEMO_INTEGRATION}")
        _first_sync(app, kombo, setup_seconds)
        settings = replace(app.settings, kombo_base_url=kombo.base_url, kombo_api_key=DEMO_API_KEY,
                           kombo_webhook_secret=DEMO_WEBHOOK_SECRET)
        with app.sessions.begin() as session:
            keys = {role: create_key(session, DEMO_CUSTOMER, role) for role in (Role.POSTER, Role.REVIEWER)}

        def on_serving(url: str) -> None:
            kombo.subscribe(f"{url}/webhooks/kombo", DEMO_WEBHOOK_SECRET)
            linked = _post_postings(url, keys[Role.POSTER], jobs)
            _show(url, kombo.base_url, keys, linked, jobs)

        serve_app(create_app(settings), host, port, 2, on_serving)
    click.echo("demo stopped; its data stays in the database for the next run", err=True)


def _ensure_demo_customer(app: AppContext) -> None:
    """The customer and its integration, created on the first run and reused by later ones."""
    with app.sessions.begin() as session:
        customer = session.scalar(select(Customer).where(Customer.slug == DEMO_CUSTOMER))
        if customer is None:
            customer = Customer(slug=DEMO_CUSTOMER, name="Demo Personal GmbH")
            session.add(customer)
        if session.get(Integration, DEMO_INTEGRATION) is None:
            session.add(Integration(id=DEMO_INTEGRATION, customer=customer, tool="personio"))


def _first_sync(app: AppContext, kombo: FakeKombo, setup_seconds: float) -> None:
    """A full sync, waiting out Kombo's first sync of the new integration (which the fake finishes after
    `setup_seconds`) as `jobmatch sync --wait` does. Full on every run: the fake starts afresh, so what a
    previous run changed in it is undone in the mirror too."""
    finish_setup = threading.Timer(setup_seconds, kombo.set_setup, (DEMO_INTEGRATION, "COMPLETED"))
    finish_setup.daemon = True
    finish_setup.start()

    def waiting(exc: KomboSetupPending, delay: float) -> None:
        click.echo(f"Kombo's first sync of the integration is still running ({exc.code}): no jobs served yet; "
                   f"checking again in {min(delay, POLL_SECONDS):.0f} s")

    with KomboClient(DEMO_API_KEY, kombo.base_url) as client:
        result = sync_when_ready(SyncRunner(app.sessions, client), DEMO_INTEGRATION, full=True, on_wait=waiting,
                                 sleep=lambda delay: time.sleep(min(delay, POLL_SECONDS)))
    click.echo(f"first sync: {result.summary}")


def _post_postings(url: str, poster_key: str, jobs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Send the day's postings through the API, as a multiposter and a back office do; a posting that was
    linked by identifier, to close in the fake, or None."""
    postings = demo_postings(jobs, POSTINGS, seed=SEED)
    response = httpx.post(f"{url}/v1/postings/batch", json={"postings": postings},
                          headers={"Authorization": f"Bearer {poster_key}"}, timeout=120)
    response.raise_for_status()
    stored = [item["posting"] for item in response.json()["results"]]
    decisions = Counter(posting["decision"] for posting in stored)
    click.echo(f"{len(stored)} postings from a multiposter and a back office: "
               + ", ".join(f"{count} {decision}" for decision, count in sorted(decisions.items())))
    return next((p for p in stored if p["linked_job_id"] and p["link_method"] == "job_code"), None)


def _show(url: str, kombo_url: str, keys: dict[str, str], linked: dict[str, Any] | None,
          jobs: list[dict[str, Any]]) -> None:
    reviewer, poster = keys[Role.REVIEWER], keys[Role.POSTER]
    job_names = {job["id"]: job["name"] for job in jobs}
    example = next(job for job in reversed(jobs) if job["status"] == "OPEN" and job["location"]["city"])
    try_posting = json.dumps({"source": "multiposter", "external_id": "try-1", "title": f"{example['name']} Vollzeit",
                              "location": {"city": example["location"]["city"]}}, ensure_ascii=False)
    lines = [
        "",
        f"Review page:   {url}/review",
        f"Reviewer key:  {reviewer}",
        f"Poster key:    {poster}",
        "",
        "Postings waiting for a reviewer:",
        f"  curl -H 'Authorization: Bearer {reviewer}' '{url}/v1/postings?decision=needs_review&limit=5'",
        "Send a posting as a multiposter does (its title alone suggests a job for review):",
        f"  curl -H 'Authorization: Bearer {poster}' -H 'Content-Type: application/json' \\",
        f"    -d {shlex.quote(try_posting)} {url}/v1/postings",
    ]
    if linked is not None:
        job = f"{kombo_url}/_fake/integrations/{DEMO_INTEGRATION}/jobs/{linked['linked_job_id']}"
        lines += [
            f"Close or delete the ATS job {job_names[linked['linked_job_id']]!r} in the fake Kombo: its signed webhook",
            f"makes jobmatch sync, and posting {linked['id']} ({linked['title']!r}), linked to it by job code, shows",
            "as deactivated in the ATS on the page:",
            f"  curl -X POST {job}/close",
            f"  curl -X DELETE {job}",
            f"  curl -H 'Authorization: Bearer {reviewer}' {url}/v1/postings/{linked['id']}",
        ]
    lines += ["", "Ctrl-C stops the demo."]
    click.echo("\n".join(lines))

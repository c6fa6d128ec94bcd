"""`jobmatch demo`: the embedded default end to end, with a fake Kombo in this process and no other service."""

import threading

import click
from sqlalchemy import select

from jobmatch.cli.context import AppContext, pass_app
from jobmatch.fixtures.fake_kombo import FakeKombo
from jobmatch.fixtures.kombo_jobs import generate_jobs
from jobmatch.store.models import AtsJob, Customer, Integration
from jobmatch.sync.kombo import KomboClient
from jobmatch.sync.runner import SyncRunner, sync_when_ready

DEMO_CUSTOMER = "demo-personal"
DEMO_INTEGRATION = "personio:DemoPersonalGmbH0000000001"
DEMO_API_KEY = "demo-kombo-key"


@click.command()
@click.option("--jobs", "job_count", default=300, show_default=True, type=click.IntRange(1, 100_000),
              help="How many ATS jobs the demo customer has.")
@click.option("--setup-seconds", default=3.0, show_default=True, type=click.FloatRange(min=0),
              help="How long Kombo's first sync of the integration takes in the fake.")
@pass_app
def demo(app: AppContext, job_count: int, setup_seconds: float) -> None:
    """Mirror a realistic customer's ATS from a fake Kombo into the default database, then follow its changes."""
    app.upgrade_schema()
    _ensure_demo_customer(app)
    jobs = generate_jobs(job_count, seed=2025)
    with FakeKombo(api_key=DEMO_API_KEY) as kombo:
        kombo.add_integration(DEMO_INTEGRATION, jobs=jobs, setup="FINAL_SYNC_PENDING", organization_name="Demo Personal GmbH")
        threading.Timer(setup_seconds, kombo.set_setup, (DEMO_INTEGRATION, "COMPLETED")).start()
        click.echo(f"fake Kombo at {kombo.base_url} serving {job_count} jobs of {DEMO_INTEGRATION}")
        with KomboClient(DEMO_API_KEY, kombo.base_url) as client:
            runner = SyncRunner(app.sessions, client)
            result = sync_when_ready(
                runner, DEMO_INTEGRATION, full=True,
                on_wait=lambda exc, delay: click.echo(f"Kombo's first sync is still running; retrying in {delay:.0f} s"),
            )
            click.echo(f"first sync: {result.summary}")
            open_jobs = [job for job in jobs if job["status"] == "OPEN"]
            closed, deleted, edited = open_jobs[0], open_jobs[1], open_jobs[2]
            kombo.close_job(DEMO_INTEGRATION, closed["id"])
            kombo.delete_job(DEMO_INTEGRATION, deleted["id"])
            kombo.edit_job(DEMO_INTEGRATION, edited["id"], name=f"{edited['name']} - Teilzeit")
            click.echo(f"in the ATS: closed {closed['name']!r}, deleted {deleted['name']!r}, renamed {edited['name']!r}")
            click.echo(f"incremental sync: {runner.sync(DEMO_INTEGRATION).summary}")
    with app.sessions() as session:
        for job_id in (closed["id"], deleted["id"], edited["id"]):
            job = session.get_one(AtsJob, job_id)
            state = "active" if job.is_active else f"deactivated ({'deleted' if job.remote_deleted_at else job.status})"
            click.echo(f"  mirror: {job.name!r} [{job.job_code or 'no code'}] {state}")
        total = len(session.scalars(select(AtsJob.id).where(AtsJob.integration_id == DEMO_INTEGRATION)).all())
    click.echo(f"{total} jobs of {DEMO_CUSTOMER} mirrored in {app.engine.url.render_as_string(hide_password=True)}")


def _ensure_demo_customer(app: AppContext) -> None:
    with app.sessions.begin() as session:
        customer = session.scalar(select(Customer).where(Customer.slug == DEMO_CUSTOMER))
        if customer is None:
            customer = Customer(slug=DEMO_CUSTOMER, name="Demo Personal GmbH")
            session.add(customer)
        if session.get(Integration, DEMO_INTEGRATION) is None:
            session.add(Integration(id=DEMO_INTEGRATION, customer=customer, tool="personio"))

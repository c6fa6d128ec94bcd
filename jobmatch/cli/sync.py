"""`jobmatch sync` and `jobmatch lookup`: mirror ATS jobs from Kombo, all of them or the ones a customer named,
then re-match the waiting postings the changes concern (jobmatch.api.rematch), as a queued sync does."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import click
from sqlalchemy import select

from jobmatch.api.pools import Pools
from jobmatch.api.tasks import after_jobs_changed
from jobmatch.cli.context import AppContext, pass_app
from jobmatch.store.models import Integration
from jobmatch.sync.errors import KomboError, KomboSetupPending
from jobmatch.sync.kombo import KomboClient, RetryPolicy
from jobmatch.sync.lease import SyncInProgress
from jobmatch.sync.runner import Progress, SyncResult, SyncRunner, UnknownIntegration, sync_when_ready


@click.command()
@click.option("--integration", "integration_ids", multiple=True, help="Kombo integration id (default: every one).")
@click.option(
    "--full", is_flag=True,
    help="Read every job again instead of what changed since the watermark, and mark those not returned vanished.",
)
@click.option(
    "--wait", default=600.0, show_default=True, type=click.FloatRange(min=0),
    help="Seconds to keep retrying while Kombo's first sync of a new integration is still running.",
)
@pass_app
def sync(app: AppContext, integration_ids: tuple[str, ...], full: bool, wait: float) -> None:
    """Mirror ATS jobs from Kombo: a full read the first time, then what changed since the watermark."""
    if not integration_ids:
        with app.sessions() as session:
            integration_ids = tuple(session.scalars(select(Integration.id).order_by(Integration.id)))
        if not integration_ids:
            raise click.ClickException("no integrations yet; add one with `jobmatch integrations add`")
    failures, pools = 0, Pools.for_settings(app.settings)
    with _runner(app) as runner:
        for integration_id in integration_ids:
            try:
                result = sync_when_ready(runner, integration_id, full=full, max_wait=wait, on_wait=_say_waiting)
            except (KomboError, UnknownIntegration, SyncInProgress) as exc:
                _clear_progress()
                click.secho(f"{integration_id}: sync failed: {exc}", fg="red", err=True)
                failures += 1
                continue
            _clear_progress()
            click.echo(f"{result.integration_id}: {result.summary}")
            _rematch(app, pools, result)
    if failures:
        sys.exit(1)


@click.command()
@click.option("--integration", "integration_id", required=True, help="Kombo integration id.")
@click.option("--job-code", "job_codes", multiple=True, help="Requisition code; repeat for several.")
@click.option("--remote-id", "remote_ids", multiple=True, help="The ATS's own job id; repeat for several.")
@click.option("--id", "ids", multiple=True, help="Kombo job id; repeat for several.")
@click.option("--post-url", help="Public posting URL, exactly as the ATS publishes it.")
@click.option("--name-contains", help="A word of the job title.")
@pass_app
def lookup(
    app: AppContext,
    integration_id: str,
    job_codes: tuple[str, ...],
    remote_ids: tuple[str, ...],
    ids: tuple[str, ...],
    post_url: str | None,
    name_contains: str | None,
) -> None:
    """Fetch the jobs a customer named (codes, ids, a URL) from Kombo now and mirror them."""
    if not (job_codes or remote_ids or ids or post_url or name_contains):
        raise click.UsageError("name at least one job: --job-code, --remote-id, --id, --post-url or --name-contains")
    with _runner(app) as runner:
        try:
            result = runner.lookup(
                integration_id, ids=ids, remote_ids=remote_ids, job_codes=job_codes,
                post_url=post_url, name_contains=name_contains,
            )
        except (KomboError, UnknownIntegration, SyncInProgress) as exc:
            _clear_progress()
            raise click.ClickException(f"lookup failed: {exc}") from None
    _clear_progress()
    click.echo(f"{result.integration_id}: {result.summary}")
    _rematch(app, Pools.for_settings(app.settings), result)


def _rematch(app: AppContext, pools: Pools, result: SyncResult) -> None:
    rematched = after_jobs_changed(app.sessions, pools, result)
    if rematched.touched:
        click.echo(f"{result.integration_id}: {rematched.touched} waiting postings matched again, "
                   f"{rematched.changed} of them changed")


@contextmanager
def _runner(app: AppContext) -> Iterator[SyncRunner]:
    settings = app.settings
    retry = RetryPolicy(max_server_wait=settings.max_retry_after_seconds)
    with KomboClient(api_key=_api_key(app), base_url=settings.kombo_base_url, retry=retry) as client:
        overlap = timedelta(seconds=settings.sync_overlap_seconds)
        yield SyncRunner(app.sessions, client, on_progress=_show_progress, overlap=overlap)


def _api_key(app: AppContext) -> str:
    if not app.settings.kombo_api_key:
        raise click.UsageError("KOMBO_API_KEY is not set: it is needed to read jobs from Kombo")
    return app.settings.kombo_api_key


def _show_progress(progress: Progress) -> None:
    if sys.stderr.isatty():
        click.echo(f"\r{progress.integration_id}: page {progress.pages}, {progress.jobs:,} jobs", nl=False, err=True)


def _clear_progress() -> None:
    if sys.stderr.isatty():
        click.echo("\r\033[K", nl=False, err=True)


def _say_waiting(exc: KomboSetupPending, delay: float) -> None:
    _clear_progress()
    click.echo(f"{exc} Retrying in {delay:.0f} s (Ctrl-C to stop).", err=True)

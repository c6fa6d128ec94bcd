"""`jobmatch fake-kombo`: serve a fake Kombo in the foreground, for demos and for trying the sync by hand."""

import threading
from pathlib import Path

import click

from jobmatch.fixtures.fake_kombo import FakeKombo
from jobmatch.fixtures.fake_kombo.jsonl import load_jobs
from jobmatch.fixtures.kombo_jobs import generate_jobs


@click.command("fake-kombo")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0 picks a free port.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JOBS.jsonl: one Kombo job object per line, as data.results carries them.")
@click.option("--generate", type=click.IntRange(min=0), help="Serve N realistic generated jobs instead of --data.")
@click.option("--seed", type=int, help="Seed of --generate (default 0).")
@click.option("--api-key", default="test-key", show_default=True, help="The Bearer key clients must send.")
@click.option("--integration-id", default="personio:fake-kombo", show_default=True)
def fake_kombo(
    port: int, host: str, data: Path | None, generate: int | None, seed: int | None, api_key: str, integration_id: str
) -> None:
    """Serve Kombo's ATS job API with one integration until Ctrl-C; controls live under /_fake/."""
    if (data is None) == (generate is None):
        raise click.UsageError("give either --data JOBS.jsonl or --generate N")
    if seed is not None and generate is None:
        raise click.UsageError("--seed goes with --generate")
    try:
        jobs = load_jobs(data) if data else generate_jobs(generate, seed=seed or 0)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    kombo = FakeKombo(api_key, host=host, port=port)
    kombo.add_integration(integration_id, jobs)
    try:
        kombo.start()
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror}") from None
    click.echo(f"fake Kombo serving {len(jobs)} jobs")
    click.echo(f"  base URL:       {kombo.base_url}")
    click.echo(f"  API key:        {api_key}")
    click.echo(f"  integration id: {integration_id}")
    click.echo(f"  controls:       {kombo.base_url}/_fake/ (see jobmatch.fixtures.fake_kombo.control)")
    click.echo("Press Ctrl-C to stop.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        kombo.stop()

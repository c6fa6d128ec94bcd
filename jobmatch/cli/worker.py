"""`jobmatch worker`: the task queue's consumer alone, beside gunicorn serving the API."""

import logging

import click

from jobmatch.cli.context import AppContext, pass_app


@click.command()
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 32), help="Task threads.")
@pass_app
def worker(app: AppContext, workers: int) -> None:
    """Run queued tasks (syncs asked for by webhooks and admins, re-matching after them) until stopped:
    SIGINT lets running tasks finish, SIGTERM interrupts them."""
    from jobmatch.api.pools import Pools
    from jobmatch.api.tasks import Tasks, make_huey

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    tasks = Tasks(app.settings, app.sessions, Pools(), make_huey(app.settings))
    tasks.huey.create_consumer(workers=workers, worker_type="thread").run()

"""`jobmatch worker`: the task queue's consumer alone, beside gunicorn serving the API."""

import click

from jobmatch.cli.context import AppContext, pass_app


@click.command()
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 32), help="Task threads.")
@pass_app
def worker(app: AppContext, workers: int) -> None:
    """Run queued tasks (syncs asked for by webhooks and admins, re-matching after them, webhook deliveries, feed
    fetches) and, every minute, the safety net that syncs integrations not synced for
    JOBMATCH_SAFETY_SYNC_MINUTES, the outbox's sweep and the feeds that are due, until stopped: SIGINT lets
    running tasks finish, SIGTERM interrupts them."""
    from jobmatch.api.pools import Pools
    from jobmatch.api.tasks import Tasks, make_huey

    app.log_activity()
    tasks = Tasks(app.settings, app.sessions, Pools.for_settings(app.settings), make_huey(app.settings))
    tasks.huey.create_consumer(workers=workers, worker_type="thread").run()

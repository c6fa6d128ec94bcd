"""`jobmatch serve`: the embedded default in one process, the API and the task queue's consumer together, so
webhook-triggered syncs run without a separate worker. Production runs gunicorn and `jobmatch worker`."""

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import click
from werkzeug.serving import make_server

from jobmatch.cli.context import AppContext, pass_app

if TYPE_CHECKING:
    from flask import Flask


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 32), help="Task threads.")
@pass_app
def serve(app: AppContext, host: str, port: int, workers: int) -> None:
    """Serve the API, upgrading the schema first, with the task consumer in threads; Ctrl-C stops both
    (running syncs finish first)."""
    from jobmatch.api import create_app

    app.log_activity()
    app.upgrade_schema()
    flask_app = create_app(app.settings)
    serve_app(flask_app, host, port, workers,
              lambda url: click.echo(f"jobmatch serving on {url} (Ctrl-C to stop)", err=True))


def serve_app(flask_app: "Flask", host: str, port: int, workers: int, on_serving: Callable[[str], None]) -> None:
    """Serve the app with its task consumer in threads until SIGINT (graceful) or SIGTERM; `on_serving` gets
    the base URL once requests are answered, before the consumer starts (`jobmatch demo` posts through it)."""
    from jobmatch.api.database import database

    server = make_server(host, port, flask_app, threaded=True)  # a port in use: Werkzeug says so and exits 1
    consumer = flask_app.extensions["jobmatch.tasks"].huey.create_consumer(workers=workers, worker_type="thread")
    http = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    http.start()
    try:
        on_serving(f"http://{host}:{server.port}")
        consumer.run()
    finally:
        server.shutdown()
        database(flask_app).close()

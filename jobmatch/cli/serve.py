"""`jobmatch serve`: the embedded default in one process, the API and the task queue's consumer together, so
webhook-triggered syncs run without a separate worker. Production runs gunicorn and `jobmatch worker`."""

import logging
import threading

import click
from werkzeug.serving import make_server

from jobmatch.cli.context import AppContext, pass_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 32), help="Task threads.")
@pass_app
def serve(app: AppContext, host: str, port: int, workers: int) -> None:
    """Serve the API, upgrading the schema first, with the task consumer in threads; Ctrl-C stops both
    (running syncs finish first)."""
    from jobmatch.api import create_app
    from jobmatch.api.database import database

    app.upgrade_schema()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    flask_app = create_app(app.settings)
    server = make_server(host, port, flask_app, threaded=True)  # a port in use: Werkzeug says so and exits 1
    consumer = flask_app.extensions["jobmatch.tasks"].huey.create_consumer(workers=workers, worker_type="thread")
    http = threading.Thread(target=server.serve_forever, name="http", daemon=True)
    http.start()
    click.echo(f"jobmatch serving on http://{host}:{server.port} (Ctrl-C to stop)", err=True)
    try:
        consumer.run()  # until SIGINT (graceful) or SIGTERM
    finally:
        server.shutdown()
        database(flask_app).close()

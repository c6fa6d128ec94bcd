"""Probes for load balancers and orchestrators: `/healthz` says the process answers, `/readyz` that it can
serve (the database and the task queue answer). Neither needs an API key, and neither is part of the API."""

import logging
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from huey.storage import RedisStorage
from sqlalchemy import text

from jobmatch.api.database import database
from jobmatch.api.errors import fail
from jobmatch.api.tasks import current_tasks

log = logging.getLogger(__name__)

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process is up; no I/O, so a slow database never gets a healthy process restarted."""
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """200 when a trivial query and a queue call both succeed; 503 naming the one that failed otherwise."""
    checks = {"database": _check(_database), "queue": _check(_queue)}
    failed = sorted(name for name, outcome in checks.items() if outcome != "ok")
    if failed:
        fail(503, f"not ready: {' and '.join(failed)} unreachable", details=checks)
    return jsonify(status="ok", checks=checks)


def _database() -> None:
    with database(current_app).engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _queue() -> None:
    """Redis answers a ping; or the SQLite file can be opened afresh (the consumer's cached connection would keep
    writing to a tasks.db deleted under it, so only a new connection tells)."""
    storage = current_tasks().huey.storage
    if isinstance(storage, RedisStorage):
        storage.conn.ping()
        return
    uri = f"{Path(storage.filename).resolve().as_uri()}?mode=rw"  # rw: a missing file is an error, not created
    with closing(sqlite3.connect(uri, uri=True, timeout=5)) as connection:
        connection.execute("SELECT count(*) FROM task").fetchone()


def _check(probe: Callable[[], None]) -> str:
    try:
        probe()
    except Exception as exc:
        log.warning("readiness check %s failed: %s", probe.__name__.strip("_"), exc)
        return f"unreachable ({type(exc).__name__})"
    return "ok"

"""gunicorn settings for production: `gunicorn -c jobmatch/api/gunicorn_conf.py jobmatch.api.wsgi:app`, with
`jobmatch worker` running beside it. Each value can be overridden by its JOBMATCH_GUNICORN_* variable."""

import ctypes
import gc
import importlib
import multiprocessing
import os
import pkgutil
from contextlib import suppress

from jobmatch.config import ConfigError


def _count(variable: str, default: int) -> int:
    value = os.environ.get(variable) or str(default)
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{variable} must be a whole number of at least 1, not {value!r}")
    return int(value)


bind = os.environ.get("JOBMATCH_GUNICORN_BIND", "0.0.0.0:8000")
workers = _count("JOBMATCH_GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _count("JOBMATCH_GUNICORN_THREADS", 2)
# Matching a batch of postings can take seconds; a worker silent for longer than this is restarted.
timeout = _count("JOBMATCH_GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak cannot grow without bound; rarely, since a new worker builds each
# customer's job index again (seconds for a large pool) on its first posting.
max_requests = _count("JOBMATCH_GUNICORN_MAX_REQUESTS", 50_000)
max_requests_jitter = max_requests // 10
accesslog = None  # the app logs every request itself, with its id and duration (jobmatch.api.request_log)
errorlog = "-"
# Each worker builds its app (and its database pool) after the fork, never sharing connections; what can be
# shared is loaded before the fork (`on_starting`).
preload_app = False
forwarded_allow_ips = os.environ.get("JOBMATCH_GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server: object) -> None:
    """In the master, before any worker is forked: import the app's modules and read the matcher's tables, so the
    workers share those pages (copy on write) instead of each reading its own (about 80 MB of modules and 15 MB
    of tables a worker), then freeze them out of the cycle collector's walks, whose bookkeeping would write to
    every page and copy it. Nothing here opens a connection or makes an app."""
    import jobmatch.api
    from jobmatch.matcher import load_tables

    for module in pkgutil.walk_packages(jobmatch.api.__path__, "jobmatch.api."):
        if module.name not in ("jobmatch.api.wsgi", __name__):  # wsgi makes the app
            importlib.import_module(module.name)
    load_tables()
    _trim()
    gc.freeze()


def _trim() -> None:
    """Hand the system the free memory malloc keeps after the imports and the tables (the tables' text and what
    reading them made and dropped: 2 MB of a worker): a worker's RSS counts each page of the master resident when it forks."""
    with suppress(OSError, AttributeError):  # a C library without malloc_trim (not glibc) keeps it
        ctypes.CDLL(None).malloc_trim(0)

"""gunicorn settings for production: `gunicorn -c jobmatch/api/gunicorn_conf.py jobmatch.api.wsgi:app`, with
`jobmatch worker` running beside it. Each value can be overridden by its JOBMATCH_GUNICORN_* variable."""

import multiprocessing
import os

bind = os.environ.get("JOBMATCH_GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("JOBMATCH_GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("JOBMATCH_GUNICORN_THREADS", "2"))
# Matching a batch of postings can take seconds; a worker silent for longer than this is restarted.
timeout = int(os.environ.get("JOBMATCH_GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then, so a slow leak cannot grow without bound
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# Each worker builds its app (and its database pool) after the fork, never sharing connections.
preload_app = False
forwarded_allow_ips = os.environ.get("JOBMATCH_GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

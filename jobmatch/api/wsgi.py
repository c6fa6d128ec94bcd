"""The WSGI entry point for gunicorn: `gunicorn -c jobmatch/api/gunicorn_conf.py jobmatch.api.wsgi:app`.
Settings come from the environment; tasks are queued for `jobmatch worker`."""

from jobmatch.api import create_app

app = create_app()

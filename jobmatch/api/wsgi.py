"""The WSGI entry point for gunicorn: `gunicorn -c jobmatch/api/gunicorn_conf.py jobmatch.api.wsgi:app`.
Settings come from the environment; tasks are queued for `jobmatch worker`."""

from jobmatch import logs
from jobmatch.api import create_app
from jobmatch.config import Settings

settings = Settings.from_env()
logs.configure(settings.log_format, settings.log_level or "INFO")
app = create_app(settings)

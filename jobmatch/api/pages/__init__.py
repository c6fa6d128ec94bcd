"""The reviewer's page at /review: server-rendered, plain forms and links, a little JavaScript on top.

It signs in with a reviewer (or admin) key into Flask's signed session cookie and records decisions through
the same `decisions` functions as the JSON API, so a decision made here is the same record as one made there.
"""

from datetime import timedelta

from flask import Blueprint, Flask

from jobmatch.api.deactivation import not_applicable
from jobmatch.api.pages import session as signin
from jobmatch.config import Settings

SIGNED_IN_FOR = timedelta(hours=12)  # a working day; then the reviewer signs in again

bp = Blueprint("pages", __name__, url_prefix="/review", static_folder="../static", static_url_path="/static")
signin.protect(bp)
bp.add_app_template_global(not_applicable, "not_applicable")

from jobmatch.api.pages import integrations, jobs, posting, queue, stats  # noqa: E402,F401  (their routes join bp)


def register(app: Flask, settings: Settings) -> None:
    """Mount the page and configure the session cookie it signs in with."""
    app.config.update(
        SECRET_KEY=settings.instance_secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=SIGNED_IN_FOR,
    )
    app.session_interface = signin.PageSessions(bp.url_prefix)
    app.register_blueprint(bp)

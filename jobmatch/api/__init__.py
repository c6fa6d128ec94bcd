"""The HTTP API: postings in, candidates out, reviewer decisions recorded. `create_app` builds it."""

from flask import Flask

from jobmatch.api import errors
from jobmatch.api.database import Database, close_session
from jobmatch.api.pools import Pools
from jobmatch.api.smorest import Api
from jobmatch.config import Settings

MAX_BODY_BYTES = 1024 * 1024


def create_app(settings: Settings | None = None) -> Flask:
    """An app bound to one database; settings come from the environment unless given."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        API_TITLE="jobmatch",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}}},
            "security": [{"apiKey": []}],
        },
    )
    app.extensions["jobmatch.database"] = Database(settings.database_url)
    app.extensions["jobmatch.pools"] = Pools()
    app.teardown_appcontext(close_session)
    api = Api(app)
    errors.register(app)  # after Api, so the envelope replaces flask-smorest's own error shape

    from jobmatch.api.postings import blp as postings
    from jobmatch.api.review import blp as review

    api.register_blueprint(postings)
    api.register_blueprint(review)
    return app

"""The HTTP API: postings in, candidates out, reviewer decisions recorded. `create_app` builds it."""

from flask import Flask

from jobmatch.api import errors, request_log
from jobmatch.api.database import Database, close_session
from jobmatch.api.pools import Pools
from jobmatch.api.smorest import Api
from jobmatch.api.tasks import Tasks, make_huey
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
    app.extensions["jobmatch.settings"] = settings
    app.extensions["jobmatch.database"] = Database(settings.database_url)
    app.extensions["jobmatch.pools"] = Pools.for_settings(settings)
    app.extensions["jobmatch.tasks"] = Tasks(
        settings, app.extensions["jobmatch.database"].sessions, app.extensions["jobmatch.pools"], make_huey(settings)
    )
    app.teardown_appcontext(close_session)
    request_log.register(app)
    api = Api(app)
    errors.register(app)  # after Api, so the envelope replaces flask-smorest's own error shape

    from jobmatch.api import health, metrics, pages
    from jobmatch.api.ats_jobs import blp as ats_jobs
    from jobmatch.api.broadbean import blp as multiposters
    from jobmatch.api.customer import blp as customer
    from jobmatch.api.feeds import blp as feeds
    from jobmatch.api.integrations import blp as integrations
    from jobmatch.api.postings import blp as postings
    from jobmatch.api.review import blp as review
    from jobmatch.api.webhook_endpoints import blp as webhook_endpoints
    from jobmatch.api.review import queue_blp as review_queue
    from jobmatch.api.webhooks import blp as webhooks

    api.register_blueprint(postings)
    api.register_blueprint(review)
    api.register_blueprint(review_queue)
    api.register_blueprint(webhooks)
    api.register_blueprint(integrations)
    api.register_blueprint(ats_jobs)
    api.register_blueprint(customer)
    api.register_blueprint(webhook_endpoints)
    api.register_blueprint(multiposters)
    api.register_blueprint(feeds)
    pages.register(app, settings)  # the reviewer's page at /review
    app.register_blueprint(health.blp)  # /healthz and /readyz, outside the API's OpenAPI document
    app.register_blueprint(metrics.blueprint(settings))  # /metrics for Prometheus
    return app

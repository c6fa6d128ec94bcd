"""An app wired to a fake Kombo, with a webhook secret and its task queue in Huey's immediate mode."""

import json
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from jobmatch.api import create_app
from jobmatch.api.tasks import Tasks
from jobmatch.config import Settings
from jobmatch.fixtures.fake_kombo import FakeKombo
from jobmatch.sync.webhooks import sign

SECRET = "whsec-test-secret"


def kombo_app(database_url: str, tmp_path: Path, kombo: FakeKombo, secret: str | None = SECRET) -> Flask:
    app = create_app(Settings(database_url, kombo.base_url, kombo.api_key, secret, tmp_path))
    tasks(app).huey.immediate = True
    return app


def tasks(app: Flask) -> Tasks:
    return app.extensions["jobmatch.tasks"]


def send(client: FlaskClient, payload: object, secret: str = SECRET, signature: str | None = None):
    """POST a webhook as Kombo does: the raw body signed with the secret."""
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-Kombo-Signature": signature or sign(body, secret)}
    return client.post("/webhooks/kombo", data=body, headers=headers)

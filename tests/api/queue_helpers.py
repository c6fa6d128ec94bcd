"""An app wired to a fake Kombo, with a webhook secret and its task queue in Huey's immediate mode; the `kombo`
and `app` fixtures of the webhook, task and integration tests."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from jobmatch.api import create_app
from jobmatch.api.database import database
from jobmatch.api.tasks import Tasks
from jobmatch.config import Settings
from jobmatch.fixtures.fake_kombo import FakeKombo
from jobmatch.sync.webhooks import sign
from tests.api.conftest import ACME_JOBS
from tests.factories import INTEGRATION_ID

SECRET = "whsec-test-secret"


@pytest.fixture
def kombo() -> Iterator[FakeKombo]:
    with FakeKombo(api_key="kombo-key") as fake:
        fake.add_integration(INTEGRATION_ID, jobs=ACME_JOBS)
        yield fake


@pytest.fixture
def app(database_url, sessions, tmp_path, kombo):
    app = kombo_app(database_url, tmp_path, kombo)
    yield app
    database(app).close()


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

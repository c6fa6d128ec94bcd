"""An app on the test database, two customers each with an ATS pool and keys of every role."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.api import create_app
from jobmatch.api.database import database
from jobmatch.config import Settings
from jobmatch.fixtures.kombo_jobs import kombo_job
from tests.factories import add_api_key, add_ats_jobs, add_integration

OTHER_INTEGRATION_ID = "greenhouse:OtherCustomer000000000000"

ACME_JOBS = [
    kombo_job("job-nurse-berlin", "101", "Pflegefachkraft (m/w/d)", job_code="PF-101", city="Berlin",
              post_url="https://acme.example/jobs/101"),
    kombo_job("job-nurse-hamburg", "102", "Pflegefachkraft (m/w/d)", job_code="PF-102", city="Hamburg"),
    kombo_job("job-driver-berlin", "103", "Berufskraftfahrer CE", job_code="BK-103", city="Berlin"),
    kombo_job("job-closed", "104", "Lagerist", job_code="LG-104", city="Berlin", status="CLOSED"),
]
OTHER_JOBS = [kombo_job("job-other-cook", "201", "Koch (m/w/d)", job_code="KO-201", city="München")]


@dataclass
class Keys:
    poster: str
    reviewer: str
    admin: str
    other: str  # an admin key of another customer

    def header(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, role)}"}


@pytest.fixture
def app(database_url: str, sessions: sessionmaker[Session], tmp_path: Path) -> Iterator[Flask]:
    settings = Settings(database_url, "https://api.kombo.dev", None, None, tmp_path)
    app = create_app(settings)
    yield app
    database(app).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def keys(sessions: sessionmaker[Session]) -> Keys:
    add_integration(sessions, slug="acme")
    add_integration(sessions, OTHER_INTEGRATION_ID, slug="other")
    add_ats_jobs(sessions, ACME_JOBS)
    add_ats_jobs(sessions, OTHER_JOBS, OTHER_INTEGRATION_ID)
    return Keys(*(add_api_key(sessions, "acme", role) for role in ("poster", "reviewer", "admin")),
                other=add_api_key(sessions, "other", "admin"))

"""Every operation of the generated OpenAPI document, fuzzed through the WSGI app: valid and invalid requests
alike must get an answer the document describes (a documented status, its content type, a body matching its
schema) and never a server error."""

from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.fixtures.kombo_jobs import generate_jobs
from tests.api.conftest import Keys
from tests.api.helpers import post
from tests.factories import add_ats_jobs

MAX_EXAMPLES = 12  # per operation and mode: keeps the whole run to seconds per backend

# A cursor is a token the API gave, which no schema can describe, and a search (q) answers at once, without
# cursor: the list routes answer 422 to such requests even when each parameter is valid on its own.
# Making a webhook endpoint or a feed resolves its URL's host, and the suite sends nothing beyond loopback (a
# DNS query included): those two are tested on literal and local addresses in their own tests instead.
CONFIG = SchemathesisConfig.from_dict({"operations": [{
    "include-path": ["/v1/postings", "/v1/ats-jobs"], "include-method": "GET",
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422"]}},
}, {"include-path": ["/v1/webhook-endpoints", "/v1/feeds"], "include-method": "POST", "enabled": False}]})


@pytest.fixture
def seeded(client: FlaskClient, keys: Keys, sessions: sessionmaker[Session]) -> Keys:
    """Beside the conftest's customers: a pool of generated jobs and postings matched against it."""
    jobs = generate_jobs(40, seed=11)
    add_ats_jobs(sessions, jobs)
    for number, job in enumerate(jobs[:6]):
        body = {"external_id": f"seed-{number}", "source": "stepstone", "title": job["name"],
                "job_code": job.get("job_code")}
        assert post(client, keys, body).status_code == 201
    return keys


def test_every_operation_answers_as_documented(app: Flask, seeded: Keys) -> None:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app, config=CONFIG)
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, "the document lost its operations"
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, seeded.header("admin"))
            except (Exception, BaseExceptionGroup) as exc:  # collected: one run names every failing operation
                failures[f"{operation.label} ({mode.value})"] = str(exc)
    assert not failures, "\n\n".join(f"{label}:\n{error}" for label, error in failures.items())


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        case.call_and_validate(headers=headers)

    check()

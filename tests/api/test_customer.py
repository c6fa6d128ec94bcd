"""Admins choose whether matching may use every ATS job or only the ones the customer exposed."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from jobmatch.api import create_app
from jobmatch.api.database import database
from jobmatch.config import Settings
from tests.api.helpers import NURSE, post


def set_exposed_only(client, keys, value: bool):
    return client.patch("/v1/customer", json={"match_exposed_only": value}, headers=keys.header("admin"))


def expose(client, keys, job_ids: list[str], value: bool = True) -> None:
    response = client.patch("/v1/ats-jobs", json={"ids": job_ids, "exposed": value}, headers=keys.header("reviewer"))
    assert response.status_code == 200, response.json


def candidates(client, keys, external_id: str) -> list[str]:
    response = post(client, keys, NURSE | {"external_id": external_id})
    assert response.status_code == 201, response.json
    return [candidate["job_id"] for candidate in response.json["candidates"]]


def test_admins_read_and_change_the_setting(client, keys) -> None:
    response = client.get("/v1/customer", headers=keys.header("admin"))
    assert response.json == {"slug": "acme", "name": "Acme", "match_exposed_only": False,
                             "only_public_jobs_applicable": False}
    assert set_exposed_only(client, keys, True).json["match_exposed_only"] is True
    assert client.get("/v1/customer", headers=keys.header("admin")).json["match_exposed_only"] is True
    assert client.get("/v1/customer", headers=keys.header("other")).json["match_exposed_only"] is False
    for role in ("poster", "reviewer"):
        assert client.get("/v1/customer", headers=keys.header(role)).status_code == 403
        forbidden = client.patch("/v1/customer", json={"match_exposed_only": True}, headers=keys.header(role))
        assert forbidden.status_code == 403
    for body in ({"match_exposed_only": "often"}, {"match_exposed_only": True, "slug": "mine"},
                 {"only_public_jobs_applicable": None}):
        bad = client.patch("/v1/customer", json=body, headers=keys.header("admin"))
        assert bad.status_code == 422, body
        assert bad.json["error"]["details"]["json"]
    unchanged = client.patch("/v1/customer", json={}, headers=keys.header("admin"))  # nothing asked, nothing changed
    assert unchanged.status_code == 200 and unchanged.json["match_exposed_only"] is True


def test_exposed_only_matching_sees_exposure_changes_at_once(client, keys) -> None:
    assert candidates(client, keys, "all-jobs")[:2] == ["job-nurse-berlin", "job-nurse-hamburg"]
    set_exposed_only(client, keys, True)
    assert candidates(client, keys, "none-exposed") == []
    expose(client, keys, ["job-nurse-hamburg"])
    assert candidates(client, keys, "hamburg-exposed") == ["job-nurse-hamburg"]
    expose(client, keys, ["job-nurse-hamburg"], False)  # the same number of exposed jobs, another job
    expose(client, keys, ["job-nurse-berlin"])
    linked = post(client, keys, NURSE | {"external_id": "berlin-exposed"}).json
    assert [c["job_id"] for c in linked["candidates"]] == ["job-nurse-berlin"]
    assert linked["decision"] == "auto_linked"
    set_exposed_only(client, keys, False)
    assert candidates(client, keys, "all-again")[:2] == ["job-nurse-berlin", "job-nurse-hamburg"]


@pytest.fixture
def other_worker(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """A second app on the same database, with pools of its own, as another server process has."""
    app = create_app(Settings(database_url, "https://api.kombo.dev", None, None, tmp_path / "other"))
    yield app
    database(app).close()


def test_every_process_notices_an_exposure_change(client, keys, other_worker) -> None:
    """The other process's cached pool is rebuilt because the change raised the customer's exposure version."""
    set_exposed_only(client, keys, True)
    expose(client, keys, ["job-nurse-hamburg"])
    assert candidates(other_worker.test_client(), keys, "warm") == ["job-nurse-hamburg"]
    expose(client, keys, ["job-nurse-hamburg"], False)
    expose(client, keys, ["job-nurse-berlin"])
    assert candidates(other_worker.test_client(), keys, "after") == ["job-nurse-berlin"]

"""Keys, roles and tenancy: no route reveals or changes another customer's data."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from jobmatch.api import MAX_BODY_BYTES
from jobmatch.store.models import ApiKey, AtsJob, Posting
from tests.api.helpers import NURSE, post
from tests.factories import INTEGRATION_ID

# A valid body for every route that takes one, so a 404 cannot come from validation.
BODIES = {"review.link_posting": {"job_id": "job-nurse-berlin"}, "review.reject_posting": {"job_id": "job-nurse-berlin"}}


def posting_routes(app):
    for rule in app.url_map.iter_rules():
        if "posting_id" in rule.arguments and not rule.endpoint.startswith("pages."):  # pages: test_pages.py
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule.rule.replace("<int:posting_id>", "{id}"), rule.endpoint


def test_another_customers_key_gets_404_and_no_data_on_every_route(app, client, keys) -> None:
    created = post(client, keys, NURSE).json
    routes = list(posting_routes(app))
    assert {endpoint for _, _, endpoint in routes} == {
        "postings.get_posting", "postings.withdraw_posting", "review.link_posting", "review.reject_posting",
        "review.unlink_posting", "review.undo_posting", "review_queue.release_claim"}
    for method, path, endpoint in routes:
        response = client.open(path.format(id=created["id"]), method=method, json=BODIES.get(endpoint),
                               headers=keys.header("other"))
        assert response.status_code == 404, (method, path, response.json)
        assert set(response.json) == {"error"}
        assert NURSE["external_id"] not in response.get_data(as_text=True)
    listing = client.get("/v1/postings", headers=keys.header("other")).json
    assert listing == {"items": [], "next_cursor": None}
    assert client.get(f"/v1/postings/{created['id']}", headers=keys.header("poster")).json == created

    own = client.post("/v1/postings", json=NURSE, headers=keys.header("other"))
    assert own.status_code == 201
    assert own.json["id"] != created["id"]
    assert own.json["candidates"] == []
    foreign_job = client.post(f"/v1/postings/{own.json['id']}/link", json={"job_id": "job-nurse-berlin"},
                              headers=keys.header("other"))
    assert foreign_job.status_code == 404


def test_another_customers_key_sees_and_changes_none_of_the_ats_jobs(app, client, keys, sessions) -> None:
    routes = [(method, rule.rule.replace("<string:job_id>", "{id}"), rule.endpoint)
              for rule in app.url_map.iter_rules() if "job_id" in rule.arguments
              for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert {endpoint for _, _, endpoint in routes} == {"ats_jobs.get_job", "ats_jobs.expose_job"}
    for method, path, _ in routes:
        response = client.open(path.format(id="job-nurse-berlin"), method=method, json={"exposed": True},
                               headers=keys.header("other"))
        assert response.status_code == 404, (method, path, response.json)
        assert "Pflegefachkraft" not in response.get_data(as_text=True)
    bulk = client.patch("/v1/ats-jobs", json={"ids": ["job-nurse-berlin", "job-other-cook"], "exposed": True},
                        headers=keys.header("other"))
    assert bulk.status_code == 404
    assert bulk.json["error"]["details"] == {"json": {"ids": {"unknown": ["job-nurse-berlin"]}}}
    with sessions() as session:
        assert session.scalars(select(AtsJob.id).where(AtsJob.exposed)).all() == []
    for query in ({}, {"q": "Pflegefachkraft"}, {"q": "PF-101"}, {"job_code": "PF-101"}):
        listing = client.get("/v1/ats-jobs", query_string=query, headers=keys.header("other")).json
        assert all(item["id"] == "job-other-cook" for item in listing["items"]), query
    assert client.get("/v1/customer", headers=keys.header("other")).json["slug"] == "other"


@pytest.mark.parametrize(("role", "method", "path", "body", "status"), [
    ("poster", "POST", "/v1/postings", NURSE, 201),
    ("reviewer", "POST", "/v1/postings", NURSE, 403),
    ("admin", "POST", "/v1/postings", NURSE, 201),
    ("reviewer", "GET", "/v1/postings", None, 200),
    ("poster", "GET", "/v1/postings", None, 200),
    ("reviewer", "DELETE", "/v1/postings/{id}", None, 403),
    ("poster", "POST", "/v1/postings/{id}/link", {"job_id": "job-nurse-hamburg"}, 403),
    ("poster", "POST", "/v1/postings/{id}/reject", {}, 403),
    ("poster", "POST", "/v1/postings/{id}/unlink", None, 403),
    ("admin", "POST", "/v1/postings/{id}/unlink", None, 200),
])
def test_roles(client, keys, role, method, path, body, status) -> None:
    created = post(client, keys, NURSE | {"external_id": "setup"}).json
    response = client.open(path.format(id=created["id"]), method=method, json=body, headers=keys.header(role))
    assert response.status_code == status, response.json
    if status == 403:
        assert response.json["error"]["code"] == "forbidden"
        assert role in response.json["error"]["message"]


def test_missing_malformed_unknown_and_revoked_keys_are_401(client, keys, sessions) -> None:
    for header in ({}, {"Authorization": keys.poster}, {"Authorization": "Bearer "},
                   {"Authorization": "Bearer jm_not-a-key"}):
        response = client.get("/v1/postings", headers=header)
        assert response.status_code == 401, header
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json["error"]["code"] == "unauthorized"
    with sessions.begin() as session:
        session.execute(update(ApiKey).where(ApiKey.prefix == keys.poster[:11]).values(revoked_at=datetime.now(UTC)))
    assert client.get("/v1/postings", headers=keys.header("poster")).status_code == 401
    assert client.get("/v1/postings", headers=keys.header("reviewer")).status_code == 200


def test_keys_are_stored_hashed(keys, sessions) -> None:
    with sessions() as session:
        stored = {(row.key_hash, row.prefix) for row in session.query(ApiKey)}
    assert all(keys.poster not in pair for pair in stored)
    assert any(prefix == keys.poster[:11] for _, prefix in stored)


def test_another_customers_integrations_are_404_on_every_route(app, client, keys) -> None:
    routes = [(method, rule.rule.replace("<integration_id>", INTEGRATION_ID), rule.endpoint)
              for rule in app.url_map.iter_rules() if "integration_id" in rule.arguments
              for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert {endpoint for _, _, endpoint in routes} == {
        "integrations.request_integration_sync", "integrations.update_integration", "integrations.list_quarantined_jobs"
    }
    for method, path, _ in routes:
        body = {"statuses": ["OPEN"]} if method == "PATCH" else None
        response = client.open(path, method=method, json=body, headers=keys.header("other"))
        assert response.status_code == 404, (method, path, response.json)
        assert set(response.json) == {"error"}
    listing = client.get("/v1/integrations", headers=keys.header("other")).get_data(as_text=True)
    assert INTEGRATION_ID not in listing
    own = client.get("/v1/integrations", headers=keys.header("admin")).json["items"]
    assert [item["sync_queued"] for item in own] == [False]  # the refused requests queued nothing


def test_a_postings_key_is_checked_before_its_body(client, keys, sessions) -> None:
    """The key's query reads the learned aliases of the title the body names, so the body is looked at before
    the key is checked: whatever the body, an unknown or revoked key is answered 401, and nothing is stored."""
    bodies = [{"data": json.dumps(NURSE)}, {"data": json.dumps(NURSE | {"title": 7})}, {"data": "{not json"},
              {"data": json.dumps(NURSE | {"title": "x" * MAX_BODY_BYTES})}]
    bad = {"Authorization": "Bearer jm_not-a-key", "Content-Type": "application/json"}
    for body in bodies:
        assert client.post("/v1/postings", headers=bad, **body).status_code == 401
    assert post(client, keys, NURSE | {"external_id": "before"}).status_code == 201
    with sessions.begin() as session:
        session.execute(update(ApiKey).where(ApiKey.prefix == keys.poster[:11]).values(revoked_at=datetime.now(UTC)))
    revoked = keys.header("poster") | {"Content-Type": "application/json"}
    for body in bodies:
        assert client.post("/v1/postings", headers=revoked, **body).status_code == 401
    with sessions() as session:
        assert session.scalars(select(Posting.external_id)).all() == ["before"]

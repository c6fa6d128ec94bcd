"""A back office key: the customer's own system posts jobs and searches the customer's jobs for its dropdown."""

from tests.api.helpers import NURSE
from tests.factories import add_api_key


def test_a_backoffice_key_searches_jobs_and_posts_but_decides_nothing(client, keys, sessions) -> None:
    backoffice = {"Authorization": f"Bearer {add_api_key(sessions, 'acme', 'backoffice')}"}
    found = client.get("/v1/ats-jobs?q=Pflegefachkraft", headers=backoffice)
    assert found.status_code == 200
    assert {job["id"] for job in found.json["items"]} == {"job-nurse-berlin", "job-nurse-hamburg"}
    assert client.get("/v1/ats-jobs?q=Koch", headers=backoffice).json["items"] == []  # another customer's job

    created = client.post("/v1/postings", json=NURSE, headers=backoffice)
    assert created.status_code == 201
    posting_id = created.json["id"]
    assert client.get(f"/v1/postings/{posting_id}", headers=backoffice).status_code == 200
    for method, path, body in (
        ("post", f"/v1/postings/{posting_id}/link", {"job_id": "job-nurse-berlin"}),
        ("patch", "/v1/ats-jobs", {"ids": ["job-nurse-berlin"], "exposed": True}),
        ("get", "/v1/ats-jobs/job-nurse-berlin", None),
        ("get", "/v1/integrations", None),
    ):
        response = getattr(client, method)(path, json=body, headers=backoffice)
        assert response.status_code == 403, path
        assert "a backoffice key may not do this" in response.json["error"]["message"]


def test_a_poster_key_still_may_not_read_the_job_list(client, keys) -> None:
    assert client.get("/v1/ats-jobs?q=Pflegefachkraft", headers=keys.header("poster")).status_code == 403

"""Reviewers search the customer's ATS jobs, read one with its history, and choose which ones to expose."""

from datetime import UTC, datetime

from sqlalchemy import select

from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.store.models import AtsJob, SyncRun
from jobmatch.sync.mirror import write_page
from tests.api.conftest import ACME_JOBS
from tests.factories import INTEGRATION_ID

SYNCED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
FIELDS = {"id", "name", "job_code", "remote_id", "post_url", "status", "location", "department", "employment_type",
          "visibility", "exposed", "active", "not_applicable", "quarantine", "remote_deleted_at", "score"}


def search(client, keys, role="reviewer", **query):
    return client.get("/v1/ats-jobs", query_string=query, headers=keys.header(role))


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def sync(sessions, jobs) -> int:
    """Write jobs as one sync run does; returns the run's id."""
    with sessions.begin() as session:
        run = SyncRun(integration_id=INTEGRATION_ID, kind="incremental")
        session.add(run)
        session.flush()
        write_page(session, INTEGRATION_ID, run.id, jobs, SYNCED)
        return run.id


def exposed(sessions) -> set[str]:
    with sessions() as session:
        return set(session.scalars(select(AtsJob.id).where(AtsJob.exposed)))


def test_a_title_search_ranks_the_customers_jobs_best_first(client, keys) -> None:
    response = search(client, keys, q="Pflegefachkraft")
    assert set(ids(response)[:2]) == {"job-nurse-berlin", "job-nurse-hamburg"}
    assert "job-driver-berlin" not in ids(response)
    first = response.json["items"][0]
    assert set(first) == FIELDS
    assert first["score"] == 100.0
    assert first["location"]["city"] in ("Berlin", "Hamburg")
    assert response.json["next_cursor"] is None
    assert ids(search(client, keys, q="Pfelgefachkraft"))[:2] == ids(response)[:2]  # a typo still finds them
    assert ids(search(client, keys, q="Koch")) == []  # another customer's job


def test_a_word_half_typed_finds_the_jobs_containing_it_after_the_ranked_ones(client, keys) -> None:
    items = search(client, keys, q="pfleg").json["items"]  # ("pflegef" the matcher ranks: letters alike)
    assert {item["id"] for item in items} == {"job-nurse-berlin", "job-nurse-hamburg"}
    assert [item["score"] for item in items] == [None, None]  # found by containing it, not ranked
    ranked = search(client, keys, q="Pflegefachkraft", limit=5).json["items"]
    assert len({item["id"] for item in ranked}) == len(ranked)  # a ranked job is not repeated as containing q
    assert ids(search(client, keys, q="pflegef", status="CLOSED")) == []  # the filters hold for both
    assert ids(search(client, keys, q="50%")) == []  # LIKE's wildcards are literal


def test_a_code_or_url_as_q_finds_the_job_it_identifies(client, keys) -> None:
    assert ids(search(client, keys, q="pf\u2011101")) == ["job-nurse-berlin"]
    assert ids(search(client, keys, q="https://www.acme.example/jobs/101/?utm_source=x")) == ["job-nurse-berlin"]
    assert ids(search(client, keys, q="103")) == ["job-driver-berlin"]  # its remote id


def test_closed_jobs_are_found_and_marked_inactive(client, keys) -> None:
    (closed,) = search(client, keys, q="Lagerist").json["items"]
    assert (closed["id"], closed["status"], closed["active"]) == ("job-closed", "CLOSED", False)


def test_filters_narrow_the_search_and_the_list(client, keys) -> None:
    assert ids(search(client, keys, q="Pflegefachkraft", job_code="PF-102")) == ["job-nurse-hamburg"]
    assert ids(search(client, keys, status="CLOSED")) == ["job-closed"]
    assert ids(search(client, keys, post_url="https://acme.example/jobs/101")) == ["job-nurse-berlin"]
    assert ids(search(client, keys, remote_id="103")) == ["job-driver-berlin"]
    assert ids(search(client, keys, exposed="true")) == []
    client.patch("/v1/ats-jobs/job-nurse-hamburg", json={"exposed": True}, headers=keys.header("reviewer"))
    assert ids(search(client, keys, exposed="true")) == ["job-nurse-hamburg"]
    assert ids(search(client, keys, q="Pflegefachkraft", exposed="false")) == ["job-nurse-berlin"]


def test_the_list_without_q_pages_by_cursor(client, keys) -> None:
    first = search(client, keys, limit=3)
    assert ids(first) == sorted(job["id"] for job in ACME_JOBS)[:3]
    assert all(item["score"] is None for item in first.json["items"])
    rest = search(client, keys, limit=3, cursor=first.json["next_cursor"])
    assert ids(rest) == sorted(job["id"] for job in ACME_JOBS)[3:]
    assert rest.json["next_cursor"] is None


def test_bad_queries_are_422_saying_where(client, keys) -> None:
    for query in ({"cursor": "bm9wZQ=="}, {"q": "Koch", "cursor": "YXRzX2pvYjp4"}, {"q": "  "}, {"limit": 0},
                  {"exposed": "maybe"}, {"unknown": "1"}):
        response = search(client, keys, **query)
        assert response.status_code == 422, query
        assert response.json["error"]["details"]["query"], query


def test_the_search_sees_what_a_sync_changed(client, keys, sessions) -> None:
    assert ids(search(client, keys, q="Gabelstaplerfahrer")) == []
    sync(sessions, [kombo_job("job-forklift", "105", "Gabelstaplerfahrer (m/w/d)", city="Berlin")])
    assert ids(search(client, keys, q="Gabelstaplerfahrer")) == ["job-forklift"]


def test_one_job_comes_with_its_change_history(client, keys, sessions) -> None:
    renamed = ACME_JOBS[2] | {"name": "Berufskraftfahrer CE (m/w/d)", "status": "CLOSED"}
    run_id = sync(sessions, [renamed])
    response = client.get("/v1/ats-jobs/job-driver-berlin", headers=keys.header("reviewer"))
    assert response.status_code == 200
    job = response.json
    assert (job["name"], job["status"], job["active"]) == ("Berufskraftfahrer CE (m/w/d)", "CLOSED", False)
    changes = {change["field"]: change for change in job["changes"]}
    assert set(changes) == {"name", "status"}
    assert changes["name"]["old_value"] == "Berufskraftfahrer CE"
    assert changes["name"]["new_value"] == "Berufskraftfahrer CE (m/w/d)"
    assert changes["status"]["sync_run_id"] == run_id
    assert datetime.fromisoformat(changes["status"]["changed_at"]) == SYNCED
    assert client.get("/v1/ats-jobs/job-nurse-berlin", headers=keys.header("reviewer")).json["changes"] == []


def test_exposing_one_job(client, keys, sessions) -> None:
    response = client.patch("/v1/ats-jobs/job-nurse-berlin", json={"exposed": True}, headers=keys.header("reviewer"))
    assert response.status_code == 200
    assert response.json["exposed"] is True
    assert exposed(sessions) == {"job-nurse-berlin"}
    client.patch("/v1/ats-jobs/job-nurse-berlin", json={"exposed": False}, headers=keys.header("admin"))
    assert exposed(sessions) == set()
    for body in ({}, {"exposed": "yes please"}, {"exposed": True, "name": "x"}):
        bad = client.patch("/v1/ats-jobs/job-nurse-berlin", json=body, headers=keys.header("reviewer"))
        assert bad.status_code == 422, body
    missing = client.patch("/v1/ats-jobs/no-such-job", json={"exposed": True}, headers=keys.header("reviewer"))
    assert missing.status_code == 404
    assert "no-such-job" in missing.json["error"]["message"]


def test_exposing_many_jobs_is_all_or_nothing(client, keys, sessions) -> None:
    def bulk(ids, value=True):
        return client.patch("/v1/ats-jobs", json={"ids": ids, "exposed": value}, headers=keys.header("reviewer"))

    refused = bulk(["job-nurse-berlin", "no-such-job", "job-other-cook"])
    assert refused.status_code == 404
    assert "no-such-job" in refused.json["error"]["message"] and "job-other-cook" in refused.json["error"]["message"]
    assert refused.json["error"]["details"] == {"json": {"ids": {"unknown": ["no-such-job", "job-other-cook"]}}}
    assert exposed(sessions) == set()

    assert bulk(["job-nurse-berlin", "job-closed", "job-nurse-berlin"]).json == {"exposed": True, "jobs": 2,
                                                                                  "changed": 2}
    assert bulk(["job-nurse-berlin", "job-driver-berlin"]).json == {"exposed": True, "jobs": 2, "changed": 1}
    assert exposed(sessions) == {"job-nurse-berlin", "job-closed", "job-driver-berlin"}
    assert bulk(["job-closed"], False).json["changed"] == 1
    assert exposed(sessions) == {"job-nurse-berlin", "job-driver-berlin"}
    with sessions() as session:
        version = dict(session.execute(select(AtsJob.id, AtsJob.version)).all())
    # each change stamped with the customer's next version: the feed returns them in the order they were made
    assert version["job-nurse-berlin"] < version["job-driver-berlin"] < version["job-closed"]
    assert bulk([]).status_code == 422
    assert bulk([f"job-{n}" for n in range(1001)]).status_code == 422


def test_posters_may_not_see_or_expose_jobs(client, keys) -> None:
    assert search(client, keys, role="poster").status_code == 403
    assert client.get("/v1/ats-jobs/job-nurse-berlin", headers=keys.header("poster")).status_code == 403
    patch = client.patch("/v1/ats-jobs/job-nurse-berlin", json={"exposed": True}, headers=keys.header("poster"))
    assert patch.status_code == 403

import threading

import pytest
from sqlalchemy import event, func, select

from jobmatch.api.database import database
from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.store.models import Posting
from tests.api.helpers import NURSE, post
from tests.factories import add_ats_jobs


def test_a_new_posting_is_matched_and_stored(client, keys, sessions) -> None:
    response = post(client, keys, NURSE)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["decision"] == "auto_linked"
    assert (body["linked_job_id"], body["link_method"]) == ("job-nurse-berlin", "job_code")
    assert any("PF-101" in reason for reason in body["link_evidence"])
    assert body["candidates"][0]["job_id"] == "job-nurse-berlin"
    assert [c["rank"] for c in body["candidates"]] == list(range(1, len(body["candidates"]) + 1))
    assert [(e["action"], e["actor"], e["job_id"]) for e in body["history"]] == [
        ("auto_linked", "system", "job-nurse-berlin")]
    assert body["location"] == {"city": "Berlin", "zip_code": None, "country": None, "raw": None}
    with sessions() as session:
        stored = session.scalar(select(Posting.candidates))
    assert [dict(c, weak=False) for c in stored] == body["candidates"]


@pytest.mark.parametrize("body", [
    NURSE,  # auto_linked: candidates, link, an event
    {"external_id": "mp-2", "source": "indeed", "title": "Pflegefachkraft"},  # needs_review
    {"external_id": "mp-3", "source": "indeed", "title": "Astronaut", "location": None},  # no_match
])
def test_a_new_posting_is_answered_exactly_as_it_reads_back(client, keys, body) -> None:
    """The answer to a new posting is built from the values written, not read back: it must be what GET shows."""
    created = post(client, keys, body)
    assert created.status_code == 201, created.json
    read = client.get(f"/v1/postings/{created.json['id']}", headers=keys.header("poster"))
    assert read.json == created.json
    assert created.json["can_apply"] is (created.json["decision"] == "auto_linked")


def test_a_title_alone_needs_review_and_other_customers_jobs_are_never_candidates(client, keys) -> None:
    body = post(client, keys, {"external_id": "mp-2", "source": "indeed", "title": "Pflegefachkraft"}).json
    assert body["decision"] == "needs_review"
    assert body["linked_job_id"] is None
    assert {c["job_id"] for c in body["candidates"]} >= {"job-nurse-berlin", "job-nurse-hamburg"}
    cook = post(client, keys, {"external_id": "mp-3", "source": "indeed", "title": "Koch (m/w/d)",
                               "job_code": "KO-201"}).json
    assert "job-other-cook" not in {c["job_id"] for c in cook["candidates"]}
    assert cook["linked_job_id"] is None


def test_posting_again_is_idempotent_and_rematches_only_changes(client, keys, sessions) -> None:
    first = post(client, keys, NURSE)
    again = post(client, keys, NURSE)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    assert again.json["history"] == first.json["history"]

    changed = post(client, keys, NURSE | {"job_code": "PF-102", "location": {"city": "Hamburg"}})
    assert changed.status_code == 200
    assert changed.json["id"] == first.json["id"]
    assert changed.json["linked_job_id"] == "job-nurse-hamburg"
    actions = [(e["action"], e["reason"]) for e in changed.json["history"]]
    assert actions[1] == ("rematched", "changed: job_code, location")
    assert actions[2][0] == "auto_linked"
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Posting)) == 1

    other_source = post(client, keys, NURSE | {"source": "indeed"})
    assert other_source.status_code == 201
    assert other_source.json["id"] != first.json["id"]


def test_get_a_posting_with_candidates_and_history(client, keys) -> None:
    created = post(client, keys, NURSE).json
    for role in ("poster", "reviewer", "admin"):
        response = client.get(f"/v1/postings/{created['id']}", headers=keys.header(role))
        assert response.status_code == 200
        assert response.json == created
    assert client.get("/v1/postings/999999", headers=keys.header("poster")).status_code == 404


def test_list_filters_and_cursor_pagination(client, keys) -> None:
    ids = [post(client, keys, {"external_id": f"t-{n}", "source": "s", "title": "Pflegefachkraft"}).json["id"]
           for n in range(5)]
    linked = post(client, keys, NURSE).json["id"]
    header = keys.header("reviewer")

    seen, cursor = [], None
    while True:
        page = client.get("/v1/postings", query_string={"limit": 2} | ({"cursor": cursor} if cursor else {}),
                          headers=header).json
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids + [linked]

    def listed(**filters):
        return [item["id"] for item in client.get("/v1/postings", query_string=filters, headers=header).json["items"]]

    assert listed(linked="true") == [linked]
    assert listed(linked="false") == ids
    assert listed(decision="needs_review") == ids
    assert listed(decision="auto_linked") == [linked]
    assert listed(decision="linked") == []
    client.delete(f"/v1/postings/{ids[0]}", headers=keys.header("poster"))
    assert listed(withdrawn="true") == [ids[0]]


def test_bad_list_queries_are_422(client, keys) -> None:
    header = keys.header("reviewer")
    for query, field in (({"cursor": "bm9wZQ"}, "cursor"), ({"decision": "maybe"}, "decision"),
                         ({"limit": 0}, "limit"), ({"sort": "id"}, "sort")):
        response = client.get("/v1/postings", query_string=query, headers=header)
        assert response.status_code == 422, query
        assert field in response.json["error"]["details"]["query"]


def test_withdrawing_keeps_the_posting_readable_and_posting_again_reopens_it(client, keys) -> None:
    created = post(client, keys, NURSE).json
    url = f"/v1/postings/{created['id']}"
    assert client.delete(url, headers=keys.header("poster")).status_code == 204
    assert client.delete(url, headers=keys.header("poster")).status_code == 204
    body = client.get(url, headers=keys.header("poster")).json
    assert body["withdrawn_at"] is not None
    assert [e["action"] for e in body["history"]] == ["auto_linked", "withdrawn"]
    assert body["history"][1]["actor"] == keys.poster[:11]

    reopened = post(client, keys, NURSE)
    assert reopened.status_code == 200
    assert reopened.json["withdrawn_at"] is None
    assert reopened.json["history"][-1]["reason"] == "posted again after withdrawal"


def test_the_job_pool_is_read_again_when_a_sync_changed_it(client, keys, sessions) -> None:
    cook = {"external_id": "mp-cook", "source": "s", "title": "Koch (m/w/d)", "job_code": "KO-301"}
    assert post(client, keys, cook).json["decision"] == "no_match"
    add_ats_jobs(sessions, [kombo_job("job-cook", "301", "Koch (m/w/d)", job_code="KO-301", city="Berlin")])
    changed = post(client, keys, cook | {"location": {"city": "Berlin"}}).json
    assert (changed["decision"], changed["linked_job_id"]) == ("auto_linked", "job-cook")


def test_the_same_posting_sent_concurrently_is_stored_once(app, keys, sessions) -> None:
    barrier, answers = threading.Barrier(4), []

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        answers.append(post(client, keys, NURSE))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer.status_code for answer in answers) == [200, 200, 200, 201]
    assert len({answer.json["id"] for answer in answers}) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Posting)) == 1


def test_a_new_posting_on_postgresql_costs_two_statements_and_no_transaction(app, client, keys, database_url) -> None:
    """The key (with the pool's versions and the title's learned aliases) and one WITH writing the posting, each
    committed as it runs: no BEGIN and COMMIT of the request's session around a read."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite writes a new posting's rows in the session's transaction")
    engine = database(app).engine
    post(client, keys, NURSE | {"external_id": "warm"})  # the pool is built, the key's last use noted
    statements, commits = [], []
    note_statement = lambda *args: statements.append(args[2].split(None, 1)[0])  # noqa: E731
    note_commit = lambda *_: commits.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", note_statement)
    event.listen(engine, "commit", note_commit)
    try:
        for body in (NURSE, {"external_id": "mp-2", "source": "indeed", "title": "Pflegefachkraft"}):
            assert post(client, keys, body).status_code == 201
    finally:
        event.remove(engine, "before_cursor_execute", note_statement)
        event.remove(engine, "commit", note_commit)
    assert statements == ["SELECT", "WITH"] * 2
    assert commits == []

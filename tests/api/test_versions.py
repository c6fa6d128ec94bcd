"""A posting's version and ETag, and decisions refused (412, nothing changed) when the posting changed since
their sender read it, also when two reviewers decide at the same moment."""

import threading

import pytest
from sqlalchemy import Engine, event

from tests.api.helpers import post
from tests.api.test_review import TITLE_ONLY, review


def read(client, keys, posting_id):
    return client.get(f"/v1/postings/{posting_id}", headers=keys.header("reviewer"))


def decide(client, keys, posting_id, action, body=None, etag=None):
    headers = keys.header("reviewer") | ({"If-Match": etag} if etag else {})
    return client.post(f"/v1/postings/{posting_id}/{action}", json=body, headers=headers)


def test_the_etag_names_the_version_and_every_change_raises_it(client, keys) -> None:
    created = post(client, keys, TITLE_ONLY).json
    first = read(client, keys, created["id"])
    assert (first.json["version"], first.headers["ETag"]) == (1, '"1"')
    linked = decide(client, keys, created["id"], "link", {"job_id": "job-nurse-berlin"}, etag='"1"')
    assert linked.status_code == 200
    assert linked.headers["ETag"] == f'"{linked.json["version"]}"' != '"1"'
    assert read(client, keys, created["id"]).headers["ETag"] == linked.headers["ETag"]
    unlinked = decide(client, keys, created["id"], "unlink", etag=linked.headers["ETag"])
    assert unlinked.status_code == 200
    assert unlinked.json["version"] > linked.json["version"]


@pytest.mark.parametrize("action, body", [
    ("link", {"job_id": "job-nurse-hamburg"}), ("reject", {"job_id": "job-nurse-berlin"}), ("reject", {}),
    ("unlink", None), ("undo", None),
])
def test_a_decision_on_an_older_version_is_refused_and_changes_nothing(client, keys, action, body) -> None:
    created = post(client, keys, TITLE_ONLY).json
    stale = read(client, keys, created["id"]).headers["ETag"]
    now = decide(client, keys, created["id"], "link", {"job_id": "job-nurse-berlin"}).json
    refused = decide(client, keys, created["id"], action, body, etag=stale)
    assert refused.status_code == 412
    error = refused.json["error"]
    assert error["code"] == "precondition_failed"
    assert f"changed since version {stale.strip(chr(34))}" in error["message"]
    assert error["details"] == {"version": now["version"], "decision": "linked", "linked_job_id": "job-nurse-berlin"}
    assert refused.headers["ETag"] == f'"{now["version"]}"'
    assert read(client, keys, created["id"]).json == now


def test_if_match_must_be_an_etag(client, keys) -> None:
    created = post(client, keys, TITLE_ONLY).json
    bad = decide(client, keys, created["id"], "link", {"job_id": "job-nurse-berlin"}, etag="W/1")
    assert bad.status_code == 400
    assert bad.json["error"]["details"] == {"headers": {"If-Match": ["not an ETag of a posting"]}}
    anything = decide(client, keys, created["id"], "link", {"job_id": "job-nurse-berlin"}, etag="*")
    assert anything.status_code == 200


def _in_threads(app, keys, posting_id, bodies, etag):
    """Each body as a link with the same If-Match, sent from a thread of its own at the same moment."""
    answers: list = [None] * len(bodies)
    start = threading.Barrier(len(bodies))

    def send(i):
        start.wait()
        answers[i] = decide(app.test_client(), keys, posting_id, "link", bodies[i], etag=etag)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def test_two_reviewers_at_once_one_wins_the_other_gets_412(app, client, keys) -> None:
    for round_ in range(4):
        created = post(client, keys, TITLE_ONLY | {"external_id": f"race-{round_}"}).json
        jobs = ["job-nurse-berlin", "job-nurse-hamburg"]
        answers = _in_threads(app, keys, created["id"], [{"job_id": job} for job in jobs], '"1"')
        assert sorted(a.status_code for a in answers) == [200, 412]
        winner = next(a for a in answers if a.status_code == 200).json
        final = read(client, keys, created["id"]).json
        assert final["linked_job_id"] == winner["linked_job_id"]
        assert [e["action"] for e in final["history"]] == ["linked"]


def test_a_change_between_the_check_and_the_write_is_caught_at_the_write(app, client, keys) -> None:
    """The first decision to write is held, after its version check passed, until the other has committed; its
    UPDATE still must find the posting changed. It is held before its first write statement, where it holds no
    lock: held later, on SQLite, it could hold the database's write lock (one of the two links also writes a
    learned alias before its flush) while the other waited for that lock, and neither could go on."""
    created = post(client, keys, TITLE_ONLY).json
    read(client, keys, created["id"])  # the reviewer's key noted as used: no write of it during the decisions
    arrived, other_done, lock = [], threading.Event(), threading.Lock()
    held_too_long = threading.Event()

    def hold_the_first(_connection, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            return
        with lock:
            arrived.append(threading.current_thread().name)
            first = len(arrived) == 1
        if first and not other_done.wait(20):
            held_too_long.set()

    event.listen(Engine, "before_cursor_execute", hold_the_first)
    try:
        answers: dict[str, object] = {}

        def send(name, job):
            answers[name] = decide(app.test_client(), keys, created["id"], "link", {"job_id": job}, etag='"1"')
            if len(arrived) > 1 and threading.current_thread().name == arrived[1]:
                other_done.set()

        threads = [threading.Thread(target=send, args=(name, job), name=name)
                   for name, job in (("a", "job-nurse-berlin"), ("b", "job-nurse-hamburg"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        event.remove(Engine, "before_cursor_execute", hold_the_first)
    assert not held_too_long.is_set(), "the other decision did not commit while the first was held"
    held, other = arrived[0], next(name for name in arrived if name != arrived[0])
    assert answers[held].status_code == 412
    assert answers[other].status_code == 200
    assert read(client, keys, created["id"]).json["linked_job_id"] == answers[other].json["linked_job_id"]


def test_without_if_match_a_decision_applies_to_the_posting_as_it_is(client, keys) -> None:
    created = post(client, keys, TITLE_ONLY).json
    decide(client, keys, created["id"], "link", {"job_id": "job-nurse-berlin"})
    again = review(client, keys, created["id"], "link", {"job_id": "job-nurse-hamburg"})
    assert (again.status_code, again.json["linked_job_id"]) == (200, "job-nurse-hamburg")


def test_a_new_match_bumps_the_version_only_when_it_changed_the_posting(app, client, keys, sessions) -> None:
    from jobmatch.api import decisions
    from jobmatch.api.database import database
    from jobmatch.store.models import AtsJob, Posting

    created = post(client, keys, TITLE_ONLY).json

    def rematch():
        with app.app_context(), database(app).sessions() as db:
            posting = db.get(Posting, created["id"])
            decisions.match(posting, app.extensions["jobmatch.pools"].index(db, posting.customer_id))
            db.commit()
        return read(client, keys, created["id"]).json

    assert rematch()["version"] == 1
    from jobmatch.sync.mirror import bump_jobs_version

    with sessions.begin() as db:  # the job closed, as a sync would write it
        job = db.get(AtsJob, "job-nurse-hamburg")
        version = bump_jobs_version(db, job.integration_id)
        job.status, job.data, job.version = "CLOSED", {**job.data, "status": "CLOSED"}, version
    changed = rematch()
    assert changed["version"] == 2
    assert changed["candidates"] != created["candidates"]

"""The team's queue: POST /v1/review/next claims a posting for one key, others' next skips it, a decision or a
release ends the claim, and an expired claim is anyone's again."""

import threading
from datetime import timedelta

from sqlalchemy import update

from jobmatch.store.models import ReviewClaim
from jobmatch.store.types import utcnow
from tests.api.helpers import post
from tests.api.test_review import TITLE_ONLY
from tests.factories import add_api_key


def waiting(client, keys, n):
    return [post(client, keys, TITLE_ONLY | {"external_id": f"w-{i}"}).json["id"] for i in range(n)]


def next_for(client, header, **body):
    return client.post("/v1/review/next", json=body or None, headers=header)


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def test_two_reviewers_get_different_postings_and_keep_their_own(client, keys, sessions) -> None:
    ids = waiting(client, keys, 3)
    anna, ben = keys.header("reviewer"), bearer(add_api_key(sessions, "acme", "reviewer"))
    first = next_for(client, anna)
    assert first.status_code == 200
    assert (first.json["id"], first.headers["ETag"]) == (ids[0], '"1"')
    assert first.json["candidates"] and "history" in first.json
    assert next_for(client, ben).json["id"] == ids[1]
    assert next_for(client, anna).json["id"] == ids[0]  # one's own open claim again

    decided = client.post(f"/v1/postings/{ids[0]}/link", json={"job_id": "job-nurse-berlin"}, headers=anna)
    assert decided.status_code == 200
    assert next_for(client, anna).json["id"] == ids[2]
    assert next_for(client, ben).json["id"] == ids[1]
    assert client.delete(f"/v1/review/claims/{ids[1]}", headers=ben).status_code == 204
    assert next_for(client, anna).json["id"] == ids[2]  # still anna's own
    assert client.delete(f"/v1/review/claims/{ids[2]}", headers=anna).status_code == 204
    assert next_for(client, anna).json["id"] == ids[1]  # released by ben: oldest free one


def test_skipped_postings_come_last(client, keys) -> None:
    ids = waiting(client, keys, 3)
    anna = keys.header("reviewer")
    assert next_for(client, anna).json["id"] == ids[0]
    assert next_for(client, anna, skipped=[ids[0]]).json["id"] == ids[1]  # one's own claim skipped too
    client.delete(f"/v1/review/claims/{ids[1]}", headers=anna)
    assert next_for(client, anna, skipped=[ids[0], ids[1]]).json["id"] == ids[2]
    client.delete(f"/v1/review/claims/{ids[2]}", headers=anna)
    assert next_for(client, anna, skipped=ids).json["id"] == ids[0]  # only skipped ones left: the oldest


def test_nothing_waiting_answers_204_and_filters_apply(client, keys, sessions) -> None:
    anna = keys.header("reviewer")
    assert next_for(client, anna).status_code == 204
    ids = waiting(client, keys, 1)
    assert next_for(client, anna, source="other-board").status_code == 204
    assert next_for(client, anna, source="indeed", decision="needs_review").json["id"] == ids[0]
    ben = bearer(add_api_key(sessions, "acme", "reviewer"))
    assert next_for(client, ben).status_code == 204  # the only one is anna's
    bad = next_for(client, anna, decision="linked")
    assert bad.status_code == 422
    assert "decision" in bad.json["error"]["details"]["json"]


def test_an_expired_claim_is_free_again(client, keys, sessions) -> None:
    ids = waiting(client, keys, 1)
    anna, ben = keys.header("reviewer"), bearer(add_api_key(sessions, "acme", "reviewer"))
    next_for(client, anna)
    with sessions.begin() as session:
        session.execute(update(ReviewClaim).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert next_for(client, ben).json["id"] == ids[0]
    assert next_for(client, anna).status_code == 204


def test_a_claim_lasts_the_configured_minutes(client, keys, sessions) -> None:
    waiting(client, keys, 1)
    before = utcnow()
    next_for(client, keys.header("reviewer"))
    with sessions() as session:
        claim = session.query(ReviewClaim).one()
    assert timedelta(minutes=10) <= claim.expires_at - before < timedelta(minutes=10, seconds=30)


def test_only_the_holder_or_an_admin_releases_a_claim(client, keys, sessions) -> None:
    ids = waiting(client, keys, 1)
    anna, ben = keys.header("reviewer"), bearer(add_api_key(sessions, "acme", "reviewer"))
    next_for(client, anna)
    refused = client.delete(f"/v1/review/claims/{ids[0]}", headers=ben)
    assert refused.status_code == 409
    assert next_for(client, ben).status_code == 204
    assert client.delete(f"/v1/review/claims/{ids[0]}", headers=keys.header("admin")).status_code == 204
    assert next_for(client, ben).json["id"] == ids[0]
    assert client.delete("/v1/review/claims/999999", headers=ben).status_code == 404
    assert client.post("/v1/review/next", headers=keys.header("poster")).status_code == 403
    assert client.delete(f"/v1/review/claims/{ids[0]}", headers=keys.header("other")).status_code == 404


def test_reviewers_asking_at_once_never_get_the_same_posting(app, client, keys, sessions) -> None:
    ids = waiting(client, keys, 6)
    headers = [bearer(add_api_key(sessions, "acme", "reviewer")) for _ in range(4)]
    start, got = threading.Barrier(len(headers)), [None] * len(headers)

    def ask(i):
        start.wait()
        got[i] = next_for(app.test_client(), headers[i])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(headers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [answer.status_code for answer in got] == [200] * len(headers)
    taken = [answer.json["id"] for answer in got]
    assert len(set(taken)) == len(taken)
    assert set(taken) == set(ids[:4])

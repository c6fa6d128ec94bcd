"""Many postings in one request: each answered in order with its own status, one bad posting failing alone."""

from sqlalchemy import func, select

from jobmatch.store.models import Posting
from tests.api.helpers import NURSE, post

DRIVER = {"external_id": "mp-2", "source": "stepstone", "title": "Berufskraftfahrer CE", "location": {"city": "Berlin"}}


def batch(client, keys, postings, role="poster"):
    return client.post("/v1/postings/batch", json={"postings": postings}, headers=keys.header(role))


def stored(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Posting))


def test_each_posting_gets_its_own_answer_in_order(client, keys, sessions) -> None:
    response = batch(client, keys, [NURSE, {**DRIVER, "title": ""}, DRIVER, NURSE, "not a posting",
                                    NURSE | {"job_code": "PF-102", "location": {"city": "Hamburg"}}])
    assert response.status_code == 200
    results = response.json["results"]
    assert [result["status"] for result in results] == [201, 422, 201, 200, 422, 200]
    assert results[1] == {"status": 422, "posting": None,
                          "errors": {"title": ["Length must be between 1 and 500.", "must not be blank"]}}
    assert results[4]["errors"] == {"_schema": ["Invalid input type."]}
    assert results[0]["posting"]["decision"] == "auto_linked"
    assert results[0]["posting"]["linked_job_id"] == "job-nurse-berlin"
    assert results[3]["posting"]["id"] == results[0]["posting"]["id"]
    assert results[5]["posting"]["linked_job_id"] == "job-nurse-hamburg"  # changed, so matched again
    assert results[2]["posting"]["candidates"][0]["job_id"] == "job-driver-berlin"
    assert stored(sessions) == 2


def test_a_batch_answers_as_single_postings_do(client, keys) -> None:
    (result,) = batch(client, keys, [NURSE]).json["results"]
    single = post(client, keys, NURSE)
    assert single.status_code == 200
    assert result["posting"] == single.json


def test_the_batch_itself_is_checked(client, keys, sessions) -> None:
    for body in ({}, {"postings": []}, {"postings": [DRIVER] * 501}, {"postings": DRIVER}, [DRIVER]):
        response = client.post("/v1/postings/batch", json=body, headers=keys.header("poster"))
        assert response.status_code == 422, body
    assert stored(sessions) == 0
    assert batch(client, keys, [DRIVER], role="reviewer").status_code == 403
    assert batch(client, keys, [DRIVER], role="admin").json["results"][0]["status"] == 201


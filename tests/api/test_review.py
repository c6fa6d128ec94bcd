from jobmatch.store.models import AtsJob
from tests.api.helpers import NURSE, post

TITLE_ONLY = {"external_id": "mp-9", "source": "indeed", "title": "Pflegefachkraft (m/w/d)",
              "location": {"city": "Berlin"}}


def review(client, keys, posting_id, action, body=None, role="reviewer"):
    return client.post(f"/v1/postings/{posting_id}/{action}", json=body, headers=keys.header(role))


def test_link_a_candidate_and_repeat_it_harmlessly(client, keys) -> None:
    created = post(client, keys, TITLE_ONLY).json
    assert created["decision"] == "needs_review"
    linked = review(client, keys, created["id"], "link", {"job_id": "job-nurse-hamburg"})
    assert linked.status_code == 200
    body = linked.json
    assert (body["decision"], body["linked_job_id"], body["link_method"]) == ("linked", "job-nurse-hamburg", "reviewer")
    assert body["link_evidence"] == next(c["reasons"] for c in created["candidates"]
                                         if c["job_id"] == "job-nurse-hamburg")
    event = body["history"][-1]
    assert (event["action"], event["job_id"], event["actor"]) == ("linked", "job-nurse-hamburg", keys.reviewer[:11])
    assert event["at"]
    assert review(client, keys, created["id"], "link", {"job_id": "job-nurse-hamburg"}).json["history"] == body["history"]


def test_link_any_job_of_the_customer_but_never_another_customers(client, keys) -> None:
    created = post(client, keys, TITLE_ONLY).json
    driver = review(client, keys, created["id"], "link", {"job_id": "job-driver-berlin"}).json
    assert (driver["linked_job_id"], driver["link_evidence"]) == ("job-driver-berlin", [])
    foreign = review(client, keys, created["id"], "link", {"job_id": "job-other-cook"})
    assert foreign.status_code == 404
    assert "job-other-cook" in foreign.json["error"]["message"]


def test_a_reviewer_link_survives_a_rematch(client, keys) -> None:
    created = post(client, keys, NURSE).json
    review(client, keys, created["id"], "link", {"job_id": "job-driver-berlin"})
    changed = post(client, keys, NURSE | {"title": "Pflegefachkraft Intensivpflege"}).json
    assert (changed["decision"], changed["linked_job_id"]) == ("linked", "job-driver-berlin")
    assert changed["history"][-1]["action"] == "rematched"


def test_a_rejected_job_is_never_suggested_again(client, keys) -> None:
    created = post(client, keys, NURSE).json
    assert created["linked_job_id"] == "job-nurse-berlin"
    rejected = review(client, keys, created["id"], "reject", {"job_id": "job-nurse-berlin", "reason": "wrong ward"}).json
    assert rejected["linked_job_id"] is None
    assert rejected["decision"] in ("needs_review", "no_match")
    assert "job-nurse-berlin" not in {c["job_id"] for c in rejected["candidates"]}
    event = rejected["history"][-1]
    assert (event["action"], event["job_id"], event["reason"], event["actor"]) == (
        "rejected", "job-nurse-berlin", "wrong ward", keys.reviewer[:11])
    again = post(client, keys, NURSE | {"title": "Pflegefachkraft (w/m/d)"}).json
    assert "job-nurse-berlin" not in {c["job_id"] for c in again["candidates"]}
    assert again["linked_job_id"] is None

    relinked = review(client, keys, created["id"], "link", {"job_id": "job-nurse-berlin"}).json
    assert relinked["linked_job_id"] == "job-nurse-berlin"


def test_reject_without_a_job_means_not_in_the_ats(client, keys) -> None:
    created = post(client, keys, NURSE).json
    body = review(client, keys, created["id"], "reject", {"reason": "not in the ATS yet"}).json
    assert (body["decision"], body["linked_job_id"]) == ("rejected", None)
    assert (body["history"][-1]["action"], body["history"][-1]["job_id"]) == ("rejected", None)
    assert body["candidates"] == created["candidates"]


def test_unlink_goes_back_to_review(client, keys) -> None:
    created = post(client, keys, NURSE).json
    body = review(client, keys, created["id"], "unlink").json
    assert (body["decision"], body["linked_job_id"], body["link_method"]) == ("needs_review", None, None)
    assert (body["history"][-1]["action"], body["history"][-1]["job_id"]) == ("unlinked", "job-nurse-berlin")
    again = review(client, keys, created["id"], "unlink")
    assert again.status_code == 409
    assert again.json["error"]["code"] == "conflict"


def test_a_link_to_a_weak_suggestion_unlinked_is_a_no_match_again(client, keys) -> None:
    created = post(client, keys, {"external_id": "bo-1", "source": "backoffice", "title": "LKW-Fahrer (m/w/d)",
                                  "location": {"city": "Berlin"}}).json
    assert (created["decision"], created["candidates"][0]["weak"]) == ("no_match", True)
    job_id = created["candidates"][0]["job_id"]
    assert review(client, keys, created["id"], "link", {"job_id": job_id}).json["linked_job_id"] == job_id
    body = review(client, keys, created["id"], "unlink").json
    assert (body["decision"], body["linked_job_id"]) == ("no_match", None)


def test_a_withdrawn_posting_cannot_be_reviewed(client, keys) -> None:
    created = post(client, keys, NURSE).json
    client.delete(f"/v1/postings/{created['id']}", headers=keys.header("poster"))
    for action, body in (("link", {"job_id": "job-nurse-berlin"}), ("reject", {}), ("unlink", None)):
        response = review(client, keys, created["id"], action, body)
        assert response.status_code == 409, action
        assert "withdrawn" in response.json["error"]["message"]


def test_review_bodies_are_validated(client, keys) -> None:
    created = post(client, keys, NURSE).json
    missing = review(client, keys, created["id"], "link", {})
    assert missing.status_code == 422
    assert missing.json["error"]["details"] == {"json": {"job_id": ["Missing data for required field."]}}
    unknown = review(client, keys, created["id"], "reject", {"job": "job-nurse-berlin"})
    assert unknown.status_code == 422
    assert unknown.json["error"]["details"] == {"json": {"job": ["Unknown field."]}}


def test_each_decision_answers_with_the_new_links_state(client, keys, sessions) -> None:
    """The answer to a link or unlink tells whether the job now linked takes applications, not the one before."""
    with sessions.begin() as session:
        session.get(AtsJob, "job-driver-berlin").status = "CLOSED"
    created = post(client, keys, NURSE).json
    assert (created["deactivated_in_ats"], created["can_apply"]) == (None, True)
    closed = review(client, keys, created["id"], "link", {"job_id": "job-driver-berlin"}).json
    assert (closed["deactivated_in_ats"]["reason"], closed["can_apply"]) == ("closed", False)
    unlinked = review(client, keys, created["id"], "unlink").json
    assert (unlinked["deactivated_in_ats"], unlinked["can_apply"]) == (None, False)
    relinked = review(client, keys, created["id"], "link", {"job_id": "job-nurse-berlin"}).json
    assert (relinked["deactivated_in_ats"], relinked["can_apply"]) == (None, True)

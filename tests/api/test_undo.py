"""Undo: the posting as it was before its last decision, for the key that made it or an admin, in the history."""

import pytest

from tests.api.helpers import NURSE, post
from tests.api.test_review import TITLE_ONLY, review
from tests.factories import add_api_key

SHOWN = ("decision", "linked_job_id", "link_method", "link_evidence", "candidates")


def undo(client, header, posting_id):
    return client.post(f"/v1/postings/{posting_id}/undo", headers=header)


@pytest.mark.parametrize("posting, action, body, recorded", [
    (TITLE_ONLY, "link", {"job_id": "job-nurse-berlin"}, "linked"),
    (NURSE, "reject", {"job_id": "job-nurse-berlin", "reason": "wrong ward"}, "rejected"),
    (NURSE, "reject", {}, "rejected"),
    (NURSE, "unlink", None, "unlinked"),
])
def test_undo_restores_the_posting_before_the_decision(client, keys, posting, action, body, recorded) -> None:
    created = post(client, keys, posting).json
    decided = review(client, keys, created["id"], action, body).json
    assert {name: decided[name] for name in SHOWN} != {name: created[name] for name in SHOWN}
    undone = undo(client, keys.header("reviewer"), created["id"])
    assert undone.status_code == 200
    assert {name: undone.json[name] for name in SHOWN} == {name: created[name] for name in SHOWN}
    last = undone.json["history"][-1]
    assert (last["action"], last["reason"], last["actor"]) == ("undone", f"undid {recorded}", keys.reviewer[:11])
    assert undone.json["version"] > decided["version"]
    again = undo(client, keys.header("reviewer"), created["id"])
    assert again.status_code == 409
    assert "its last step was undone" in again.json["error"]["message"]


def test_an_undone_rejection_lets_the_job_be_suggested_again(client, keys) -> None:
    created = post(client, keys, NURSE).json
    review(client, keys, created["id"], "reject", {"job_id": "job-nurse-berlin"})
    undo(client, keys.header("reviewer"), created["id"])
    rematched = post(client, keys, NURSE | {"title": "Pflegefachkraft (w/m/d)"}).json
    assert "job-nurse-berlin" in {c["job_id"] for c in rematched["candidates"]}


def test_nothing_to_undo_and_only_the_deciding_key_or_an_admin(client, keys, sessions) -> None:
    created = post(client, keys, TITLE_ONLY).json
    nothing = undo(client, keys.header("reviewer"), created["id"])
    assert nothing.status_code == 409
    assert "nothing happened to it yet" in nothing.json["error"]["message"]
    review(client, keys, created["id"], "link", {"job_id": "job-nurse-berlin"})
    colleague = {"Authorization": f"Bearer {add_api_key(sessions, 'acme', 'reviewer')}"}
    refused = undo(client, colleague, created["id"])
    assert refused.status_code == 403
    assert "only they or an admin may undo it" in refused.json["error"]["message"]
    assert undo(client, keys.header("admin"), created["id"]).status_code == 200
    auto = post(client, keys, NURSE).json
    assert auto["decision"] == "auto_linked"
    system = undo(client, keys.header("admin"), auto["id"])
    assert (system.status_code, "its last step was auto linked" in system.json["error"]["message"]) == (409, True)


def test_a_named_key_is_named_in_the_history(client, keys, sessions) -> None:
    from jobmatch.store.models import ApiKey

    with sessions.begin() as session:
        session.query(ApiKey).filter(ApiKey.role == "reviewer").one().name = "Anna Berger"
    created = post(client, keys, TITLE_ONLY).json
    linked = review(client, keys, created["id"], "link", {"job_id": "job-nurse-berlin"}).json
    assert linked["history"][-1]["actor_name"] == "Anna Berger"

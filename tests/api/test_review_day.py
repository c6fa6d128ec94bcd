"""The page for a reviewer's full day, through Flask's test client on both backends: the version sent with
each decision, claims behind "next" and "skip", undo, the second keystroke for a job that takes no
applications, keyset pages, same-looking postings confirmed at once, names, and the stats."""

import re

from jobmatch.store.models import ApiKey
from tests.api.test_pages import (  # noqa: F401  (reviewer: a fixture)
    ASTRONAUT, CARER, NURSE_BERLIN, STOREKEEPER, posting_json, postings, reviewer, sign_in, submit)
from tests.factories import add_api_key


def version(client, keys, posting_id) -> str:
    return str(posting_json(client, keys, posting_id)["version"])


def test_a_decision_on_a_posting_that_changed_shows_what_changed_and_saves_nothing(reviewer, client, keys, sessions):
    [nurse] = postings(client, keys, NURSE_BERLIN)
    shown = version(client, keys, nurse)
    colleague = add_api_key(sessions, "acme", "reviewer")
    with sessions.begin() as db:
        db.query(ApiKey).filter(ApiKey.prefix == colleague[:11]).one().name = "Ben Koch"
    client.post(f"/v1/postings/{nurse}/link", json={"job_id": "job-nurse-hamburg"},
                headers={"Authorization": f"Bearer {colleague}"})
    response = submit(reviewer, f"/review/postings/{nurse}/link", job_id="job-nurse-berlin", version=shown, seen="0")
    assert response.status_code == 302
    assert re.search(rf"/review/postings/{nurse}\?changed_since=0$", response.location)
    page = reviewer.get(response.location).get_data(as_text=True)
    assert "Nothing was saved: this posting changed while you looked at it" in page
    assert "This posting changed while you looked at it" in page and "linked by Ben Koch" in page
    assert posting_json(client, keys, nurse)["linked_job_id"] == "job-nurse-hamburg"


def test_next_and_skip_go_through_claims_so_two_reviewers_never_share_a_posting(reviewer, client, app, keys, sessions):
    first, second, third = postings(client, keys, NURSE_BERLIN, CARER, ASTRONAUT)
    assert submit(reviewer, "/review/next").location == f"/review/postings/{first}"
    other = app.test_client()
    sign_in(other, add_api_key(sessions, "acme", "reviewer"))
    assert submit(other, "/review/next").location == f"/review/postings/{second}"
    assert "is working on this posting" in other.get(f"/review/postings/{first}").get_data(as_text=True)
    assert "is on it" in reviewer.get("/review/").get_data(as_text=True)
    assert submit(reviewer, f"/review/postings/{first}/skip").location == f"/review/postings/{third}"
    response = submit(reviewer, f"/review/postings/{third}/link", job_id="job-driver-berlin",
                      version=version(client, keys, third))
    assert response.location == f"/review/postings/{first}"  # the skipped one, now no one else holds it


def test_undo_after_a_decision(reviewer, client, keys):
    nurse, carer = postings(client, keys, NURSE_BERLIN, CARER)
    submit(reviewer, f"/review/postings/{nurse}/link", job_id="job-nurse-berlin", version="1")
    page = reviewer.get(f"/review/postings/{carer}").get_data(as_text=True)
    assert f'action="/review/postings/{nurse}/undo"' in page and "Undo <kbd>z</kbd>" in page
    response = submit(reviewer, f"/review/postings/{nurse}/undo", version=version(client, keys, nurse))
    assert response.location == f"/review/postings/{nurse}"
    after = posting_json(client, keys, nurse)
    assert (after["decision"], after["linked_job_id"], after["history"][-1]["action"]) == (
        "needs_review", None, "undone")
    assert "/undo" not in reviewer.get(f"/review/postings/{carer}").get_data(as_text=True)


def test_confirming_a_closed_job_asks_again_and_says_why(reviewer, client, keys):
    [storekeeper] = postings(client, keys, STOREKEEPER)
    assert posting_json(client, keys, storekeeper)["candidates"][0]["job_id"] == "job-closed"
    response = submit(reviewer, f"/review/postings/{storekeeper}/link", job_id="job-closed", version="1")
    assert "confirm=job-closed" in response.location
    assert posting_json(client, keys, storekeeper)["decision"] != "linked"
    page = reviewer.get(response.location).get_data(as_text=True)
    assert "“Lagerist” is closed in the ATS" in page and 'data-confirm-key="1"' in page
    assert 'name="inactive_ok" value="1"' in page
    submit(reviewer, f"/review/postings/{storekeeper}/link", job_id="job-closed", version="1", inactive_ok="1")
    assert posting_json(client, keys, storekeeper)["linked_job_id"] == "job-closed"


def test_the_ats_link_of_a_candidate(reviewer, client, keys, sessions):
    from jobmatch.store.models import AtsJob

    with sessions.begin() as db:
        db.get(AtsJob, "job-nurse-berlin").remote_url = "https://acme.personio.de/job/101"
    [nurse] = postings(client, keys, NURSE_BERLIN)
    page = reviewer.get(f"/review/postings/{nurse}").get_data(as_text=True)
    assert '<a href="https://acme.personio.de/job/101" rel="noreferrer noopener" target="_blank">Open in the ATS</a>' in page


def test_the_queue_pages_by_key_both_ways(reviewer, client, keys, monkeypatch):
    from jobmatch.api.pages import queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    ids = postings(client, keys, *({**CARER, "external_id": f"q{i}"} for i in range(5)))
    first = reviewer.get("/review/").get_data(as_text=True)
    assert _ids(first) == ids[:2] and "← Earlier" not in first
    second = reviewer.get(f"/review/?after={ids[1]}").get_data(as_text=True)
    assert _ids(second) == ids[2:4] and f"before={ids[2]}" in second and f"after={ids[3]}" in second
    last = reviewer.get(f"/review/?after={ids[3]}").get_data(as_text=True)
    assert _ids(last) == ids[4:] and "Later →" not in last
    assert _ids(reviewer.get(f"/review/?before={ids[2]}").get_data(as_text=True)) == ids[:2]
    assert reviewer.get("/review/?after=x").status_code == 400


def _ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'href="/review/postings/(\d+)', page)]


def test_same_looking_postings_are_offered_and_confirmed_in_one_step(reviewer, client, keys):
    copies = [{**NURSE_BERLIN, "external_id": f"copy-{i}", "source": source}
              for i, source in enumerate(("stepstone", "indeed", "xing"))]
    nurse, copy1, copy2 = postings(client, keys, *copies)
    [elsewhere] = postings(client, keys, {**NURSE_BERLIN, "external_id": "hh", "location": {"city": "Hamburg"}})
    response = submit(reviewer, f"/review/postings/{nurse}/link", job_id="job-nurse-berlin", version="1")
    page = reviewer.get(response.location).get_data(as_text=True)
    assert "2 more waiting postings look the same" in page
    assert {int(i) for i in re.findall(r'name="posting_id" value="(\d+)"', page)} == {copy1, copy2}
    submit(reviewer, "/review/alike", posting_id=[str(copy1), str(copy2)], back="/review/")
    for posting_id in (copy1, copy2):
        assert posting_json(client, keys, posting_id)["linked_job_id"] == "job-nurse-berlin"
    assert posting_json(client, keys, elsewhere)["decision"] == "needs_review"
    assert submit(reviewer, "/review/alike", posting_id=[str(copy1)]).status_code == 400  # the offer is used


def test_the_header_names_the_reviewer_and_the_stats_count_their_decisions(client, keys, sessions):
    with sessions.begin() as db:
        db.query(ApiKey).filter(ApiKey.role == "reviewer").one().name = "Anna Berger"
    sign_in(client, keys.reviewer)
    nurse, carer, astronaut = postings(client, keys, NURSE_BERLIN, CARER, ASTRONAUT)
    assert "Anna Berger (reviewer)" in client.get("/review/").get_data(as_text=True)
    submit(client, f"/review/postings/{nurse}/link", job_id="job-nurse-berlin", version="1")  # the first candidate
    submit(client, f"/review/postings/{carer}/link", job_id="job-driver-berlin", version="1")  # not the first
    page = client.get("/review/stats").get_data(as_text=True)
    assert re.search(r"<td>Anna Berger</td><td>2</td>", page)
    assert re.search(r"<td>title</td><td>\d+\+?</td><td>\d</td>\s*<td>\d+ %", page)
    assert re.search(r"<td>under an hour</td><td>1</td>", page)  # the astronaut waits

"""The reviewer's page through Flask's test client: sign-in, CSRF, the queue, each decision, jobs, integrations."""

import re
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.api.keys import hash_key
from jobmatch.config import ConfigError, Settings
from jobmatch.store.models import ApiKey, AtsJob, Integration, SyncOutcome, SyncRun
from tests.api.conftest import OTHER_INTEGRATION_ID
from tests.api.helpers import post

NURSE_BERLIN = {"external_id": "a", "source": "stepstone", "title": "Pflegefachkraft (m/w/d)",
                "location": {"city": "Berlin"}}
CARER = {"external_id": "c", "source": "indeed", "title": "Pflegefachkraft Hamburg"}
ASTRONAUT = {"external_id": "d", "source": "indeed", "title": "Astronaut"}
STOREKEEPER = {"external_id": "e", "source": "indeed", "title": "Lagerist", "job_code": "LG-104"}


def sign_in(client: FlaskClient, key: str):
    client.get("/review/sign-in")
    return client.post("/review/sign-in", data={"key": key, "csrf_token": _token(client)})


def submit(client: FlaskClient, url: str, **fields: str):
    return client.post(url, data={"csrf_token": _token(client), **fields})


def _token(client: FlaskClient) -> str:
    with client.session_transaction("/review/") as cookie:
        return cookie["csrf"]


def posting_json(client, keys, posting_id):
    return client.get(f"/v1/postings/{posting_id}", headers=keys.header("reviewer")).get_json()


@pytest.fixture
def reviewer(client, keys) -> FlaskClient:
    assert sign_in(client, keys.reviewer).status_code == 302
    return client


def postings(client, keys, *bodies) -> list[int]:
    return [post(client, keys, body).get_json()["id"] for body in bodies]


# signing in and out


def test_every_page_asks_to_sign_in_first(client, keys):
    for path in ("/review/", "/review/jobs", "/review/integrations", "/review/postings/1"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.location.startswith("/review/sign-in?next=")


def test_a_reviewer_signs_in_into_an_httponly_lax_cookie_and_lands_where_they_were_going(client, keys):
    client.get("/review/sign-in")
    response = client.post("/review/sign-in", data={"key": keys.reviewer, "csrf_token": _token(client),
                                                     "next": "/review/jobs?status=OPEN"})
    assert response.status_code == 302 and response.location == "/review/jobs?status=OPEN"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert keys.reviewer not in cookie
    assert client.get("/review/").status_code == 200


def test_only_the_page_reads_and_renews_its_session_cookie(reviewer, keys):
    # a signed-in session is permanent, so each page answer renews the cookie; the JSON API is stateless and
    # neither reads nor renews it, whatever cookie the browser sends along
    assert "Set-Cookie" in reviewer.get("/review/").headers
    for path, headers in (("/v1/postings", keys.header("reviewer")), ("/healthz", {})):
        response = reviewer.get(path, headers=headers)
        assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert reviewer.get("/v1/postings").status_code == 401  # the page's cookie is no API credential


def test_sign_in_never_redirects_to_another_site(client, keys):
    client.get("/review/sign-in")
    response = client.post("/review/sign-in", data={"key": keys.admin, "csrf_token": _token(client),
                                                     "next": "https://evil.example/"})
    assert response.location == "/review/"


@pytest.mark.parametrize(("key", "message"), [
    ("poster", "A poster key cannot review"),
    (None, "That key is unknown or revoked"),
])
def test_posters_and_unknown_keys_are_turned_away(client, keys, key, message):
    response = sign_in(client, getattr(keys, key) if key else "jm_nonsense")
    assert response.status_code == 401
    assert message in response.get_data(as_text=True)
    assert client.get("/review/").status_code == 302


def test_revoking_the_key_ends_its_sessions(reviewer, keys, sessions):
    with sessions.begin() as db:
        db.execute(update(ApiKey).where(ApiKey.key_hash == hash_key(keys.reviewer))
                   .values(revoked_at=datetime.now(UTC)))
    assert reviewer.get("/review/").status_code == 302


def test_sign_out_ends_the_session(reviewer):
    assert submit(reviewer, "/review/sign-out").status_code == 302
    assert reviewer.get("/review/").status_code == 302


def test_the_secret_key_is_the_setting_or_one_kept_in_the_instance_folder(tmp_path):
    settings = Settings("sqlite://", "https://api.kombo.dev", None, None, tmp_path / "instance")
    generated = settings.instance_secret_key()
    assert len(generated) >= 32 and settings.instance_secret_key() == generated
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600
    given = "s" * 40
    assert Settings.from_env({"JOBMATCH_SECRET_KEY": given}).instance_secret_key() == given
    with pytest.raises(ConfigError, match="JOBMATCH_SECRET_KEY must be at least 32 characters"):
        Settings.from_env({"JOBMATCH_SECRET_KEY": "short"})


# CSRF


def test_a_post_without_the_sessions_csrf_token_changes_nothing(reviewer, client, keys):
    [posting_id] = postings(client, keys, NURSE_BERLIN)
    for token in (None, "forged"):
        data = {"job_id": "job-nurse-berlin"} | ({"csrf_token": token} if token else {})
        response = reviewer.post(f"/review/postings/{posting_id}/link", data=data)
        assert response.status_code == 400
        assert "CSRF token is missing or wrong" in response.get_data(as_text=True)
    assert posting_json(client, keys, posting_id)["decision"] == "needs_review"


def test_signing_in_needs_the_csrf_token_too(client, keys):
    response = client.post("/review/sign-in", data={"key": keys.reviewer})
    assert response.status_code == 400
    assert client.get("/review/").status_code == 302


# the queue


def test_the_queue_lists_postings_to_review_oldest_first_with_counts_and_filters(reviewer, client, keys):
    nurse, carer, astronaut, storekeeper = postings(client, keys, NURSE_BERLIN, CARER, ASTRONAUT, STOREKEEPER)
    submit(reviewer, f"/review/postings/{storekeeper}/link", job_id="job-closed", inactive_ok="1")

    page = reviewer.get("/review/").get_data(as_text=True)
    assert _posting_ids(page) == [nurse, carer, astronaut]
    assert re.search(r"To review\s*<span class=\"count\">3</span>", page)
    assert re.search(r"indeed <span class=\"count\">2</span>", page)

    assert _posting_ids(reviewer.get("/review/?source=indeed").get_data(as_text=True)) == [carer, astronaut]
    assert _posting_ids(reviewer.get("/review/?decision=no_match").get_data(as_text=True)) == [astronaut]
    assert _posting_ids(reviewer.get("/review/?decision=deactivated").get_data(as_text=True)) == [storekeeper]
    response = reviewer.get("/review/?decision=maybe")
    assert response.status_code == 400 and "decision must be one of" in response.get_data(as_text=True)


def _posting_ids(page: str) -> list[int]:
    return [int(found) for found in re.findall(r'href="/review/postings/(\d+)', page)]


# one posting and its decisions


def test_the_posting_page_shows_candidates_beside_it_with_differing_words_marked(reviewer, client, keys):
    [carer] = postings(client, keys, CARER)
    page = reviewer.get(f"/review/postings/{carer}").get_data(as_text=True)
    assert "Pflegefachkraft <mark>Hamburg</mark>" in page  # a word no candidate's title has
    assert re.search(r'<h3 class="title" id="candidate-\d">Pflegefachkraft \(m/w/d\)</h3>', page)  # (m/w/d): never
    assert "PF-102" in page and "score 100.00" in page and 'data-candidate="1"' in page
    [nurse] = postings(client, keys, NURSE_BERLIN)
    page = reviewer.get(f"/review/postings/{nurse}").get_data(as_text=True)
    assert re.search(r'<h3 class="title" id="candidate-\d">Pflegefachkraft \(m/w/d\)</h3>', page)  # nothing marked


def test_only_web_addresses_become_links_and_the_page_allows_only_its_own_scripts(reviewer, client, keys):
    [posting_id] = postings(client, keys, ASTRONAUT | {"post_url": "javascript:alert(document.cookie)"})
    response = reviewer.get(f"/review/postings/{posting_id}")
    page = response.get_data(as_text=True)
    assert "<dd>javascript:alert(document.cookie)</dd>" in page and 'href="javascript:' not in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    [nurse] = postings(client, keys, NURSE_BERLIN)
    assert '<a href="https://acme.example/jobs/101"' in reviewer.get(f"/review/postings/{nurse}").get_data(as_text=True)


def test_confirming_a_candidate_links_it_as_the_api_would_and_moves_to_the_next_posting(reviewer, client, keys):
    nurse, carer = postings(client, keys, NURSE_BERLIN, CARER)
    response = submit(reviewer, f"/review/postings/{nurse}/link", job_id="job-nurse-berlin")
    assert response.location == f"/review/postings/{carer}"
    linked = posting_json(client, keys, nurse)
    assert (linked["decision"], linked["linked_job_id"]) == ("linked", "job-nurse-berlin")
    assert linked["history"][-1]["action"] == "linked"
    assert linked["history"][-1]["actor"] == keys.reviewer[:11]


def test_the_next_posting_keeps_the_queue_filter_and_the_last_one_ends_in_the_queue(reviewer, client, keys):
    nurse, carer = postings(client, keys, NURSE_BERLIN, CARER)
    response = submit(reviewer, f"/review/postings/{carer}/link", job_id="job-nurse-hamburg", source="indeed")
    assert response.location == "/review/?source=indeed"
    response = submit(reviewer, f"/review/postings/{nurse}/link", job_id="job-nurse-berlin")
    assert response.location == "/review/"
    assert "The queue is empty" in reviewer.get("/review/").get_data(as_text=True)


def test_rejecting_a_candidate_matches_again_without_it_and_stays_on_the_posting(reviewer, client, keys):
    [nurse] = postings(client, keys, NURSE_BERLIN)
    response = submit(reviewer, f"/review/postings/{nurse}/reject", job_id="job-nurse-berlin")
    assert response.location == f"/review/postings/{nurse}"
    after = posting_json(client, keys, nurse)
    assert [c["job_id"] for c in after["candidates"]] == ["job-nurse-hamburg"]
    assert after["history"][-1]["action"] == "rejected" and after["history"][-1]["job_id"] == "job-nurse-berlin"


def test_none_of_these_says_the_job_is_not_in_the_ats(reviewer, client, keys):
    [nurse] = postings(client, keys, NURSE_BERLIN)
    submit(reviewer, f"/review/postings/{nurse}/reject")
    after = posting_json(client, keys, nurse)
    assert after["decision"] == "rejected" and after["linked_job_id"] is None


def test_searching_finds_any_job_of_the_customer_and_links_it(reviewer, client, keys):
    [astronaut] = postings(client, keys, ASTRONAUT)
    fragment = reviewer.get(f"/review/postings/{astronaut}/search?q=Berufskraftfahrer").get_data(as_text=True)
    assert fragment.startswith('\n<div id="search-results"') and "job-driver-berlin" in fragment
    assert "job-other-cook" not in reviewer.get(f"/review/postings/{astronaut}/search?q=Koch").get_data(as_text=True)
    page = reviewer.get(f"/review/postings/{astronaut}?q=BK-103").get_data(as_text=True)  # without JavaScript
    assert 'value="job-driver-berlin"' in page
    submit(reviewer, f"/review/postings/{astronaut}/link", job_id="job-driver-berlin")
    assert posting_json(client, keys, astronaut)["linked_job_id"] == "job-driver-berlin"


def test_other_customers_postings_and_jobs_are_not_found_on_any_route(app, reviewer, client, keys):
    [nurse] = postings(client, keys, NURSE_BERLIN)
    other = client.post("/v1/postings", json=NURSE_BERLIN | {"external_id": "x"}, headers=keys.header("other"))
    other_id = other.get_json()["id"]
    routes = [(method, rule.rule.replace("<int:posting_id>", str(other_id)))
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("pages.")
              and "posting_id" in rule.arguments for method in sorted(rule.methods & {"GET", "POST"})]
    assert len(routes) == 9  # the page, search, link, reject, unlink, undo, skip, forward, back
    for method, path in routes:
        response = submit(reviewer, path, job_id="job-other-cook") if method == "POST" else reviewer.get(path)
        assert response.status_code == 404, (method, path)
        assert f"posting {other_id} not found" in response.get_data(as_text=True)
    assert client.get(f"/v1/postings/{other_id}", headers=keys.header("other")).get_json() == other.get_json()
    response = submit(reviewer, f"/review/postings/{nurse}/link", job_id="job-other-cook")
    assert response.status_code == 404 and "text/html" in response.content_type
    assert posting_json(client, keys, nurse)["decision"] == "needs_review"


def test_a_link_to_a_closed_job_is_shown_with_what_to_do_and_can_be_undone(reviewer, client, keys):
    [storekeeper] = postings(client, keys, STOREKEEPER)
    submit(reviewer, f"/review/postings/{storekeeper}/link", job_id="job-closed", inactive_ok="1")
    page = reviewer.get(f"/review/postings/{storekeeper}").get_data(as_text=True)
    assert "The linked ATS job is no longer open" in page and "closed in the ATS" in page
    submit(reviewer, f"/review/postings/{storekeeper}/unlink")
    assert posting_json(client, keys, storekeeper)["decision"] == "needs_review"
    assert submit(reviewer, f"/review/postings/{storekeeper}/unlink").status_code == 409


def test_withdrawn_postings_take_no_decision(reviewer, client, keys):
    [nurse] = postings(client, keys, NURSE_BERLIN)
    client.delete(f"/v1/postings/{nurse}", headers=keys.header("poster"))
    response = submit(reviewer, f"/review/postings/{nurse}/link", job_id="job-nurse-berlin")
    assert response.status_code == 409 and "withdrawn" in response.get_data(as_text=True)


# jobs and integrations


def test_the_jobs_page_saves_the_expose_checkboxes_of_the_jobs_it_showed(reviewer, sessions):
    page = reviewer.get("/review/jobs?status=OPEN").get_data(as_text=True)
    assert "job-nurse-berlin" in page and "job-closed" not in page and "job-other-cook" not in page
    response = submit(reviewer, "/review/jobs", status="OPEN", shown=["job-nurse-berlin", "job-driver-berlin"],
                      exposed=["job-driver-berlin"])
    assert response.location == "/review/jobs?status=OPEN"
    assert _exposed(sessions) == {"job-driver-berlin"}
    submit(reviewer, "/review/jobs", shown=["job-driver-berlin", "job-nurse-berlin"], exposed=["job-nurse-berlin"])
    assert _exposed(sessions) == {"job-nurse-berlin"}
    assert "job-driver-berlin" not in reviewer.get("/review/jobs?q=pflege").get_data(as_text=True)


def test_saving_a_job_of_another_customer_saves_nothing(reviewer, sessions):
    response = submit(reviewer, "/review/jobs", shown=["job-nurse-berlin", "job-other-cook"],
                      exposed=["job-nurse-berlin", "job-other-cook"])
    assert response.status_code == 404 and "job-other-cook" in response.get_data(as_text=True)
    assert _exposed(sessions) == set()


def _exposed(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as db:
        return set(db.scalars(select(AtsJob.id).where(AtsJob.exposed)))


def test_the_integrations_page_shows_the_last_run_and_what_the_customer_must_do(reviewer, sessions):
    with sessions.begin() as db:
        integration = db.scalars(select(Integration).where(Integration.id != OTHER_INTEGRATION_ID)).one()
        integration.sync_state = "AUTHENTICATION_FAILED"
        integration.needs_action_reason = "Personio rejected the API credentials."
        db.add(SyncRun(integration_id=integration.id, kind="incremental", outcome=SyncOutcome.FAILED,
                       error_code="unauthorized", error="Kombo answered 401"))
    page = reviewer.get("/review/integrations").get_data(as_text=True)
    assert "Personio rejected the API credentials." in page and "Reconnect the ATS" in page
    assert "incremental · failed" in page and "unauthorized: Kombo answered 401" in page
    assert OTHER_INTEGRATION_ID not in page

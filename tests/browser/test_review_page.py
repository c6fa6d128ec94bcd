"""The reviewer's page in Chromium: sign in, confirm, reject, search and link, expose, and the keyboard."""

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.store.models import AtsJob, Posting

# SQLite only: the page's queries run on both backends in tests/api/test_pages.py, and the browser would
# double its half-minute here to drive the same pages over PostgreSQL.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

NURSE_BERLIN = {"external_id": "a", "source": "stepstone", "title": "Pflegefachkraft (m/w/d)",
                "location": {"city": "Berlin"}}
CARER = {"external_id": "c", "source": "indeed", "title": "Pflegefachkraft Hamburg"}
ASTRONAUT = {"external_id": "d", "source": "indeed", "title": "Astronaut"}


@pytest.fixture
def post(app: Flask, keys):
    """Send postings through the JSON API, as a multiposter would; answers their ids."""
    client = app.test_client()

    def send(*bodies: dict) -> list[int]:
        return [client.post("/v1/postings", json=body, headers=keys.header("poster")).get_json()["id"]
                for body in bodies]

    return send


def stored(sessions: sessionmaker[Session], posting_id: int) -> Posting:
    with sessions() as db:
        return db.get(Posting, posting_id)


def test_signing_in_shows_the_queue_and_signing_out_leaves_it(page: Page, keys, post):
    post(NURSE_BERLIN, CARER)
    page.goto("/review/")
    page.get_by_label("API key").fill(keys.poster)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("A poster key cannot review")
    page.get_by_label("API key").fill(keys.reviewer)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Queue")).to_contain_text("2")
    expect(page.get_by_role("link", name="Pflegefachkraft Hamburg")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_confirming_a_candidate_moves_on_to_the_next_posting(reviewer_page: Page, post, sessions):
    nurse, carer = post(NURSE_BERLIN, CARER)
    reviewer_page.reload()
    reviewer_page.get_by_role("link", name="Pflegefachkraft (m/w/d)").click()
    reviewer_page.locator('[data-candidate="1"]').get_by_role("button", name="Confirm").click()
    reviewer_page.wait_for_url(f"**/review/postings/{carer}")
    expect(reviewer_page.get_by_role("status")).to_contain_text("Linked to “Pflegefachkraft (m/w/d)”")
    assert (stored(sessions, nurse).decision, stored(sessions, nurse).linked_job_id) == ("linked", "job-nurse-berlin")


def test_rejecting_a_candidate_leaves_the_others(reviewer_page: Page, post, sessions):
    [nurse] = post(NURSE_BERLIN)
    reviewer_page.goto(f"/review/postings/{nurse}")
    first = reviewer_page.locator('[data-candidate="1"]')
    expect(first).to_contain_text("PF-101")
    first.get_by_role("button", name="Reject").click()
    expect(reviewer_page.get_by_role("status")).to_contain_text("will not be suggested again")
    expect(reviewer_page.locator("[data-candidate]")).to_have_count(1)
    expect(reviewer_page.locator('[data-candidate="1"]')).to_contain_text("PF-102")
    assert stored(sessions, nurse).decision == "needs_review"


def test_searching_as_you_type_and_linking_the_job_found(reviewer_page: Page, post, sessions):
    [astronaut] = post(ASTRONAUT)
    reviewer_page.goto(f"/review/postings/{astronaut}")
    expect(reviewer_page.locator("[data-candidate]")).to_have_count(0)
    reviewer_page.get_by_label("Link another job").press_sequentially("Berufskraft", delay=30)
    result = reviewer_page.locator("#search-results .result", has_text="Berufskraftfahrer CE")
    expect(result).to_be_visible()
    assert reviewer_page.url.endswith(f"/review/postings/{astronaut}")  # the list came without a page load
    result.click()
    expect(reviewer_page.get_by_role("status")).to_contain_text("Linked to “Berufskraftfahrer CE” (BK-103)")
    assert stored(sessions, astronaut).linked_job_id == "job-driver-berlin"


def test_exposing_jobs_with_the_checkboxes(reviewer_page: Page, sessions):
    reviewer_page.get_by_role("link", name="Jobs").click()
    reviewer_page.get_by_label("Status").select_option("OPEN")
    reviewer_page.get_by_role("button", name="Filter").click()
    expect(reviewer_page.get_by_text("Lagerist")).to_have_count(0)
    reviewer_page.get_by_label("Expose Berufskraftfahrer CE").check()
    reviewer_page.get_by_role("button", name="Save exposure").click()
    expect(reviewer_page.get_by_role("status")).to_contain_text("Saved: 1 job changed.")
    expect(reviewer_page.get_by_label("Expose Berufskraftfahrer CE")).to_be_checked()
    assert reviewer_page.url.endswith("/review/jobs?status=OPEN")
    with sessions() as db:
        assert set(db.scalars(select(AtsJob.id).where(AtsJob.exposed))) == {"job-driver-berlin"}


def test_the_keyboard_alone_reviews_postings(reviewer_page: Page, post, sessions):
    nurse, carer, astronaut = post(NURSE_BERLIN, CARER, ASTRONAUT)
    page = reviewer_page
    page.reload()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("Enter")  # the first row: the oldest posting
    page.wait_for_url(f"**/review/postings/{nurse}")

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator('[data-candidate="2"]')).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("x")  # reject the selected, second candidate
    expect(page.get_by_role("status")).to_contain_text("Rejected “Pflegefachkraft (m/w/d)” (PF-102)")
    expect(page.locator("[data-candidate]")).to_have_count(1)

    page.keyboard.press("1")  # confirm the first candidate, then on to the next posting
    page.wait_for_url(f"**/review/postings/{carer}")
    assert stored(sessions, nurse).linked_job_id == "job-nurse-berlin"

    page.keyboard.press("/")
    expect(page.get_by_label("Link another job")).to_be_focused()
    page.keyboard.type("1")  # typed into the search box, not a shortcut
    page.keyboard.press("Escape")
    assert stored(sessions, carer).decision == "needs_review"

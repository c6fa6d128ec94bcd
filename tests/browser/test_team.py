"""Two reviewers at once in two browser contexts, the keyboard alone, and axe-core on every page."""

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_review_page import ASTRONAUT, CARER, NURSE_BERLIN, post, stored  # noqa: F401 (post: fixture)
from tests.factories import add_api_key

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

STOREKEEPER = {"external_id": "e", "source": "indeed", "title": "Lagerist", "job_code": "LG-104"}
SERIOUS = ("serious", "critical")


def signed_in(browser: Browser, server: str, key: str) -> Iterator[Page]:
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto("/review/sign-in")
    tab.get_by_label("API key").fill(key)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url("**/review/")
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def second_reviewer(browser: Browser, server: str, sessions) -> Iterator[Page]:
    yield from signed_in(browser, server, add_api_key(sessions, "acme", "reviewer"))


def test_two_reviewers_never_get_the_same_posting_and_a_stale_click_shows_what_changed(
        reviewer_page: Page, second_reviewer: Page, post, sessions):
    nurse, carer, astronaut = post(NURSE_BERLIN, CARER, ASTRONAUT)
    anna, ben = reviewer_page, second_reviewer
    anna.reload()
    anna.get_by_role("button", name="Start reviewing").click()
    anna.wait_for_url(f"**/review/postings/{nurse}")
    ben.reload()
    ben.get_by_role("button", name="Start reviewing").click()
    ben.wait_for_url(f"**/review/postings/{carer}")

    # Ben opens Anna's posting from the queue anyway: he is told she is on it, and both decide at once
    ben.goto(f"/review/postings/{nurse}")
    expect(ben.get_by_role("status").filter(has_text="is working on this posting")).to_be_visible()
    anna.locator('[data-candidate="1"]').get_by_role("button", name="Confirm").click()
    anna.wait_for_url(f"**/review/postings/{astronaut}")  # Ben's is his
    ben.locator('[data-candidate="2"]').get_by_role("button", name="Confirm").click()
    expect(ben.get_by_role("alert")).to_contain_text("This posting changed while you looked at it")
    expect(ben.get_by_role("alert")).to_contain_text("linked by")
    expect(ben.locator(".posting")).to_contain_text("linked")
    assert stored(sessions, nurse).linked_job_id == "job-nurse-berlin"


def test_the_keyboard_alone_skips_undoes_and_confirms_a_closed_job_twice(reviewer_page: Page, post, sessions):
    nurse, storekeeper, astronaut = post(NURSE_BERLIN, STOREKEEPER, ASTRONAUT)
    page = reviewer_page
    page.reload()
    page.keyboard.press("n")  # on the queue: start reviewing
    page.wait_for_url(f"**/review/postings/{nurse}")
    page.keyboard.press("s")  # skip it
    page.wait_for_url(f"**/review/postings/{storekeeper}")
    page.keyboard.press("1")  # the first candidate is closed: asked again, and why
    expect(page.get_by_role("alert")).to_contain_text("is closed in the ATS")
    assert stored(sessions, storekeeper).linked_job_id is None
    page.keyboard.press("1")
    page.wait_for_url(f"**/review/postings/{astronaut}")
    assert stored(sessions, storekeeper).linked_job_id == "job-closed"
    page.keyboard.press("z")  # undo it
    page.wait_for_url(f"**/review/postings/{storekeeper}*")
    expect(page.get_by_role("status")).to_contain_text("Undone")
    assert stored(sessions, storekeeper).linked_job_id is None
    page.keyboard.press("n")  # none of these
    expect(page.get_by_role("status")).to_contain_text("Marked as not in the ATS")
    assert stored(sessions, storekeeper).decision == "rejected"
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keys")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keys")).to_be_hidden()


def test_tab_moves_a_visible_focus(reviewer_page: Page, post):
    post(NURSE_BERLIN)
    page = reviewer_page
    page.reload()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the content")).to_be_focused()
    for _ in range(3):
        page.keyboard.press("Tab")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("none", ""), page.evaluate("document.activeElement.outerHTML")


def _serious(page: Page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in violations if v["impact"] in SERIOUS]


def test_no_page_has_a_serious_accessibility_violation(page: Page, reviewer_page: Page, post, sessions):
    nurse, storekeeper, carer = post(NURSE_BERLIN, STOREKEEPER, CARER)
    found: dict[str, list[str]] = {}
    with page.context.browser.new_context(base_url=page.url.split("/review")[0]) as fresh:
        sign_in = fresh.new_page()
        sign_in.goto("/review/sign-in")
        found["sign in"] = _serious(sign_in)
    reviewer = reviewer_page
    reviewer.reload()
    found["queue"] = _serious(reviewer)
    reviewer.goto(f"/review/postings/{nurse}?q=Pflege")
    found["posting with search results"] = _serious(reviewer)
    reviewer.keyboard.press("?")
    found["keys dialog"] = _serious(reviewer)
    reviewer.keyboard.press("Escape")
    reviewer.locator('[data-candidate="1"]').get_by_role("button", name="Confirm").click()
    reviewer.wait_for_url("**/review/postings/*")
    found["posting with undo and same-looking postings"] = _serious(reviewer)
    reviewer.goto(f"/review/postings/{storekeeper}")
    reviewer.keyboard.press("1")
    expect(reviewer.get_by_role("alert")).to_be_visible()
    found["confirming a closed job"] = _serious(reviewer)
    reviewer.goto(f"/review/postings/{nurse}?changed_since=0")
    found["changed meanwhile"] = _serious(reviewer)
    for name in ("jobs", "integrations", "stats"):
        reviewer.goto(f"/review/{name}")
        found[name] = _serious(reviewer)
    reviewer.goto("/review/postings/999999")
    found["not found"] = _serious(reviewer)
    assert {name: issues for name, issues in found.items() if issues} == {}

"""Two reviewers at once in two browser contexts, the keyboard alone, and axe-core on every page."""

import re
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from jobmatch.api.keys import create_key
from jobmatch.store.models import ApiKey, ReviewClaim
from jobmatch.store.types import utcnow
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.test_review_page import ASTRONAUT, CARER, NURSE_BERLIN, post, stored  # noqa: F401 (post: fixture)

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

STOREKEEPER = {"external_id": "e", "source": "indeed", "title": "Lagerist", "job_code": "LG-104"}
SERIOUS = ("serious", "critical")
BEN = "Ben"  # the second reviewer's name; the first one's key has none


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
    with sessions.begin() as db:
        key = create_key(db, "acme", "reviewer", BEN)
    yield from signed_in(browser, server, key)


def test_two_reviewers_never_get_the_same_posting_and_a_stale_click_shows_what_changed(
        app, keys, reviewer_page: Page, second_reviewer: Page, post, sessions):
    nurse, carer, astronaut = post(NURSE_BERLIN, CARER, ASTRONAUT)
    anna, ben = reviewer_page, second_reviewer
    anna.reload()
    anna.get_by_role("button", name="Start reviewing").click()
    anna.wait_for_url(f"**/review/postings/{nurse}")
    ben.reload()
    expect(ben.locator("tr.held")).to_contain_text("is on it")
    ben.get_by_role("button", name="Start reviewing").click()
    ben.wait_for_url(f"**/review/postings/{carer}")

    # Ben opens Anna's posting from the queue anyway: he is told she is on it, and it offers him no decision
    ben.goto(f"/review/postings/{nurse}")
    expect(ben.get_by_role("status").filter(has_text="is working on this posting")).to_be_visible()
    expect(ben.get_by_role("button", name="Confirm")).to_have_count(0)
    assert holders(sessions) == {nurse: "anna", carer: "ben"}  # hers still, and his own kept

    # Ben is back on his posting when someone decides it through the JSON API: his click shows what changed
    ben.goto(f"/review/postings/{carer}")
    linked = app.test_client().post(f"/v1/postings/{carer}/link", json={"job_id": "job-nurse-hamburg"},
                                    headers=keys.header("admin"))
    assert linked.status_code == 200
    ben.locator('[data-candidate="1"]').get_by_role("button", name="Confirm").click()
    expect(ben.get_by_role("alert")).to_contain_text("This posting changed while you looked at it")
    expect(ben.get_by_role("alert")).to_contain_text("linked by")
    expect(ben.locator(".posting")).to_contain_text("linked")
    assert stored(sessions, carer).linked_job_id == "job-nurse-hamburg"
    anna.locator('[data-candidate="1"]').get_by_role("button", name="Confirm").click()
    anna.wait_for_url(f"**/review/postings/{astronaut}")


def test_two_reviewers_pressing_j_and_k_never_stand_on_the_same_posting(
        reviewer_page: Page, second_reviewer: Page, post, sessions):
    ids = post(*({"external_id": f"jk-{n}", "source": "indeed", "title": f"Lagerist {n}"} for n in range(6)))
    anna, ben = reviewer_page, second_reviewer
    shown = {}

    def press(who: str, page: Page, key: str, lands_on: int) -> None:
        page.keyboard.press(key)
        page.wait_for_url(re.compile(rf"/review/postings/{lands_on}(\?|$)"))
        expect(page.get_by_role("button", name="None of these: not in the ATS")).to_be_visible()  # to decide
        shown[who] = lands_on
        assert shown.get("anna") != shown.get("ben")
        assert holders(sessions) == {posting_id: name for name, posting_id in shown.items()}

    anna.reload()
    press("anna", anna, "n", ids[0])
    ben.reload()
    press("ben", ben, "n", ids[1])
    press("anna", anna, "j", ids[2])  # Ben's is passed over
    press("ben", ben, "j", ids[3])  # so is Anna's
    press("anna", anna, "j", ids[4])
    press("ben", ben, "k", ids[1])  # back to the one he left
    press("anna", anna, "k", ids[2])
    press("ben", ben, "k", ids[1])  # nothing left before it: he stays
    expect(ben.get_by_role("status")).to_contain_text("No posting you left before this one is free")
    press("ben", ben, "j", ids[3])  # Anna's #2 passed over
    press("anna", anna, "k", ids[0])  # back past #4 (Back keeps no way forward) to #0
    press("ben", ben, "k", ids[1])
    press("anna", anna, "j", ids[2])
    press("anna", anna, "n", ids[0])  # a decision: on to the oldest free one, and Back returns to the decided one
    press("anna", anna, "k", ids[2])
    expect(anna.locator(".posting")).to_contain_text("rejected")
    press("anna", anna, "j", ids[3])

    # the queue's j/k pass over the rows someone else is working on, and Enter claims the row
    ben.goto("/review/")
    expect(ben.locator("tr.held")).to_have_count(1)
    for _ in range(3):
        ben.keyboard.press("j")  # #0, his own #1, then #4: Anna's #3 is passed over
    press("ben", ben, "Enter", ids[4])


def holders(sessions) -> dict[int, str]:
    """Who holds which posting now: the reviewers by their keys' names."""
    with sessions() as db:
        rows = db.execute(select(ReviewClaim.posting_id, ApiKey.name).join(ApiKey, ApiKey.id == ReviewClaim.api_key_id)
                          .where(ReviewClaim.expires_at > utcnow()))
        return {posting_id: "ben" if name == BEN else "anna" for posting_id, name in rows}


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
    page.wait_for_load_state()  # the page's keys work once its script ran, which may be after the alert shows
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

"""Which jobs take applications: one rule, read off a row and stated in SQL, that decides auto-linking,
`can_apply` and `deactivated_in_ats`, and follows the customer's choice to take applications for public jobs only."""

from itertools import product

from sqlalchemy import select, update

from jobmatch.api.deactivation import deactivation, not_applicable, not_applicable_sql
from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.store.models import AtsJob, Customer
from jobmatch.store.types import utcnow
from tests.api.conftest import OTHER_INTEGRATION_ID
from tests.api.helpers import post
from tests.api.test_pages import sign_in
from tests.factories import INTEGRATION_ID, add_ats_jobs

STATUSES = ("OPEN", "CLOSED", "ARCHIVED", "DRAFT", "PAUSED", None)
VISIBILITIES = ("PUBLIC", "INTERNAL", "CONFIDENTIAL", None)


def test_the_sql_says_what_the_rule_says_for_every_state(sessions, keys) -> None:
    jobs = []
    for number, (status, visibility, deleted) in enumerate(product(STATUSES, VISIBILITIES, (False, True))):
        jobs.append(kombo_job(f"state-{number}", str(number), "Koch", status=status, visibility=visibility,
                              remote_deleted_at=utcnow() if deleted else None))
    for integration_id in (INTEGRATION_ID, OTHER_INTEGRATION_ID):
        add_ats_jobs(sessions, [job | {"id": f"{integration_id[:5]}-{job['id']}"} for job in jobs], integration_id)
    with sessions.begin() as session:
        session.execute(update(AtsJob).where(AtsJob.id.like("%state-1_")).values(quarantined_at=utcnow()))
        session.execute(update(Customer).where(Customer.slug == "other").values(only_public_jobs_applicable=True))
    with sessions() as session:
        by_rule = {job.id for job in session.scalars(select(AtsJob)) if not_applicable(job) is not None}
        by_sql = set(session.scalars(select(AtsJob.id).where(not_applicable_sql())))
        reasons = {job.id: not_applicable(job) for job in session.scalars(select(AtsJob))}
    assert by_sql == by_rule
    assert {reasons[f"perso-state-{n}"] for n in range(len(jobs))} == {
        None, "deleted", "closed", "archived", "draft", "unknown_status", "quarantined"}
    assert "not_public" in set(reasons.values())  # the other customer's INTERNAL and CONFIDENTIAL open jobs


def test_a_draft_job_is_never_auto_linked_and_takes_no_applications(client, keys, sessions) -> None:
    add_ats_jobs(sessions, [kombo_job("job-draft", "105", "Koch (m/w/d)", job_code="KO-105", status="DRAFT")])
    answer = post(client, keys, {"external_id": "draft", "source": "indeed", "title": "Koch (m/w/d)",
                                 "job_code": "KO-105"}).json
    assert answer["decision"] == "needs_review" and answer["can_apply"] is False
    assert answer["candidates"][0]["job_id"] == "job-draft" and answer["candidates"][0]["active"] is False
    linked = client.post(f"/v1/postings/{answer['id']}/link", json={"job_id": "job-draft"},
                         headers=keys.header("reviewer")).json
    assert linked["can_apply"] is False and linked["deactivated_in_ats"]["reason"] == "draft"


def test_the_customer_can_make_jobs_that_are_not_public_take_no_applications(client, keys, sessions) -> None:
    add_ats_jobs(sessions, [kombo_job("job-internal", "106", "Koch (m/w/d)", job_code="KO-106", visibility="INTERNAL")])
    cook = {"source": "indeed", "title": "Koch (m/w/d)", "job_code": "KO-106"}
    linked = post(client, keys, cook | {"external_id": "before"}).json
    assert (linked["decision"], linked["can_apply"]) == ("auto_linked", True)
    job = client.get("/v1/ats-jobs/job-internal", headers=keys.header("reviewer")).json
    assert (job["visibility"], job["active"], job["not_applicable"]) == ("INTERNAL", True, None)

    setting = client.patch("/v1/customer", json={"only_public_jobs_applicable": True}, headers=keys.header("admin"))
    assert setting.status_code == 200 and setting.json["only_public_jobs_applicable"] is True
    before = client.get(f"/v1/postings/{linked['id']}", headers=keys.header("poster")).json
    assert before["can_apply"] is False and before["deactivated_in_ats"]["reason"] == "not_public"
    deactivated = client.get("/v1/postings?deactivated=true", headers=keys.header("poster")).json["items"]
    assert [posting["id"] for posting in deactivated] == [linked["id"]]
    after = post(client, keys, cook | {"external_id": "after"}).json
    assert (after["decision"], after["can_apply"]) == ("needs_review", False)
    assert "job is not public" in after["candidates"][0]["reasons"]
    job = client.get("/v1/ats-jobs/job-internal", headers=keys.header("reviewer")).json
    assert (job["active"], job["not_applicable"]) == (False, "not_public")
    other = client.get("/v1/customer", headers=keys.header("other")).json
    assert other["only_public_jobs_applicable"] is False  # one customer's choice


def test_deactivation_says_since_when(sessions, keys) -> None:
    closed_at = utcnow()
    add_ats_jobs(sessions, [kombo_job("job-gone", "107", "Koch", status="CLOSED", remote_deleted_at=closed_at),
                            kombo_job("job-paused", "108", "Koch", status="PAUSED")])
    with sessions() as session:
        gone, paused = session.get_one(AtsJob, "job-gone"), session.get_one(AtsJob, "job-paused")
        assert deactivation(gone) == {"reason": "deleted", "since": gone.remote_deleted_at}  # deletion wins
        assert deactivation(paused) == {"reason": "unknown_status", "since": paused.changed_at}


def test_the_posting_page_says_why_a_linked_job_takes_no_applications(client, keys, sessions) -> None:
    add_ats_jobs(sessions, [kombo_job("job-draft", "105", "Koch (m/w/d)", job_code="KO-105", status="DRAFT")])
    posting = post(client, keys, {"external_id": "draft", "source": "indeed", "title": "Koch", "job_code": "KO-105"})
    posting_id = posting.json["id"]
    client.post(f"/v1/postings/{posting_id}/link", json={"job_id": "job-draft"}, headers=keys.header("reviewer"))
    sign_in(client, keys.reviewer)
    page = client.get(f"/review/postings/{posting_id}").get_data(as_text=True)
    assert "The linked ATS job is no longer open" in page and "is a draft in the ATS" in page

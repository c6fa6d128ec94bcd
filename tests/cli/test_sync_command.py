from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from jobmatch.api import decisions
from jobmatch.cli import main
from jobmatch.fixtures.fake_kombo import FakeKombo
from jobmatch.fixtures.kombo_jobs import generate_jobs, kombo_job
from jobmatch.store.models import Customer, PoolSnapshot, Posting
from tests.factories import INTEGRATION_ID, PoolAt, add_integration


@pytest.fixture
def kombo() -> Iterator[FakeKombo]:
    with FakeKombo(api_key="cli-key") as fake:
        fake.add_integration(INTEGRATION_ID, jobs=generate_jobs(300, seed=3))
        yield fake


def invoke(database_url: str, kombo: FakeKombo, *args: str, api_key: str = "cli-key"):
    env = {"JOBMATCH_DATABASE_URL": database_url, "KOMBO_BASE_URL": kombo.base_url, "KOMBO_API_KEY": api_key,
           "JOBMATCH_SECRET_KEY": "s" * 40}  # signs the pools' snapshots: no key kept in the working directory
    return CliRunner().invoke(main, list(args), env=env)


def test_sync_prints_a_summary_per_integration(database_url, sessions, kombo) -> None:
    add_integration(sessions)
    result = invoke(database_url, kombo, "sync")
    assert result.exit_code == 0, result.output
    assert f"{INTEGRATION_ID}: full sync of 2 pages in" in result.output
    assert "300 created, 0 updated, 0 deleted, 0 unchanged" in result.output
    again = invoke(database_url, kombo, "sync", "--integration", INTEGRATION_ID)
    assert "incremental sync of 1 pages" in again.output


def test_sync_stores_the_snapshot_of_the_customers_pool(database_url, sessions, kombo) -> None:
    add_integration(sessions)
    assert invoke(database_url, kombo, "sync").exit_code == 0
    with sessions() as session:
        assert session.execute(select(PoolSnapshot.jobs, PoolSnapshot.version)).all() == [
            (300, session.scalar(select(Customer.jobs_version)))]


def test_sync_failures_are_explained_and_exit_nonzero(database_url, sessions, kombo) -> None:
    add_integration(sessions)
    result = invoke(database_url, kombo, "sync", api_key="wrong-key")
    assert result.exit_code == 1
    assert f"{INTEGRATION_ID}: sync failed:" in result.output
    assert "PLATFORM.AUTHENTICATION_INVALID" in result.output


def test_sync_waits_at_most_the_given_time_for_the_first_kombo_sync(database_url, sessions, kombo) -> None:
    add_integration(sessions)
    kombo.set_setup(INTEGRATION_ID, "FINAL_SYNC_PENDING")
    result = invoke(database_url, kombo, "sync", "--wait", "0")
    assert result.exit_code == 1
    assert "INTEGRATION.SETUP_SYNC_PENDING" in result.output


def test_sync_without_integrations_or_key_says_what_to_do(database_url, sessions, kombo) -> None:
    assert "no integrations yet" in invoke(database_url, kombo, "sync").output
    add_integration(sessions)
    assert "KOMBO_API_KEY is not set" in invoke(database_url, kombo, "sync", api_key="").output


def test_lookup_fetches_named_jobs(database_url, sessions, kombo) -> None:
    add_integration(sessions)
    codes = [job["job_code"] for job in kombo.truth(INTEGRATION_ID).values() if job["job_code"]][:2]
    args = ["lookup", "--integration", INTEGRATION_ID, "--job-code", codes[0], "--job-code", codes[1]]
    result = invoke(database_url, kombo, *args)
    assert result.exit_code == 0, result.output
    assert "targeted sync of 1 pages" in result.output and "2 created" in result.output
    assert "name at least one job" in invoke(database_url, kombo, "lookup", "--integration", INTEGRATION_ID).output


def wait_for(sessions, job_code: str, title: str) -> int:
    """A posting stored before its job is mirrored: it waits with no match."""
    with sessions.begin() as session:
        customer_id = session.scalar(select(Customer.id))
        fields = {"external_id": "mp-1", "source": "indeed", "title": title, "job_code": job_code}
        stored = decisions.store_new(session, customer_id, fields, PoolAt(0))
    assert stored["decision"] == "no_match"
    return stored["id"]


def linked_job(sessions, posting_id: int) -> str | None:
    with sessions() as session:
        return session.get(Posting, posting_id).linked_job_id


def test_sync_rematches_the_postings_its_changes_concern(database_url, sessions, kombo) -> None:
    add_integration(sessions)
    assert invoke(database_url, kombo, "sync").exit_code == 0
    posting_id = wait_for(sessions, "NEW-1", "Konditor (m/w/d)")
    kombo.add_job(INTEGRATION_ID, kombo_job("job-new", "9001", "Konditor (m/w/d)", job_code="NEW-1"))
    result = invoke(database_url, kombo, "sync")
    assert result.exit_code == 0, result.output
    assert f"{INTEGRATION_ID}: 1 waiting postings matched again, 1 of them changed" in result.output
    assert linked_job(sessions, posting_id) == "job-new"


def test_lookup_rematches_the_postings_the_jobs_it_brought_concern(database_url, sessions, kombo) -> None:
    add_integration(sessions)
    job = next(job for job in kombo.truth(INTEGRATION_ID).values() if job["job_code"] and job["status"] == "OPEN")
    posting_id = wait_for(sessions, job["job_code"], job["name"])
    result = invoke(database_url, kombo, "lookup", "--integration", INTEGRATION_ID, "--job-code", job["job_code"])
    assert result.exit_code == 0, result.output
    assert linked_job(sessions, posting_id) == job["id"]

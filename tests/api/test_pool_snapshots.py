"""Pools' snapshots: stored after syncs, loaded by a process that holds no pool and caught up from their version;
read only when this code wrote them, signed with this instance's key, and not too far behind."""

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from jobmatch.api import pool_snapshots
from jobmatch.api.ats_jobs import set_exposed
from jobmatch.api.pools import Pools
from jobmatch.api.tasks import sync_integration
from jobmatch.fixtures.fake_kombo import FakeKombo
from jobmatch.fixtures.kombo_jobs import generate_jobs, kombo_job
from jobmatch.matcher import Location, Posting
from jobmatch.store.db import make_engine
from jobmatch.store.models import Customer, PoolSnapshot
from jobmatch.sync.kombo import KomboClient
from tests.api import test_pools
from tests.api.test_pools import PROBES, STEP, index, new_customer
from tests.factories import INTEGRATION_ID, add_ats_jobs, add_integration, sync_page

KEY, OTHER_KEY = pool_snapshots.signing_key("s" * 40), pool_snapshots.signing_key("t" * 40)


def customer_of_300_jobs(sessions) -> tuple[str, int, list[dict]]:
    integration_id, customer_id = new_customer(sessions)
    jobs = generate_jobs(300)
    add_ats_jobs(sessions, jobs, integration_id)
    return integration_id, customer_id, jobs


def probes(jobs: list[dict]) -> list[Posting]:
    """Postings of the pool's own titles and places, and of its identifiers."""
    picked = jobs[::15]
    return [*(Posting(job["name"], location=Location(city=job["location"]["city"])) for job in picked),
            *(Posting(job["name"]) for job in picked),
            *(Posting("Mitarbeiter", job_code=job["job_code"]) for job in picked if job.get("job_code"))]


def snapshots(sessions) -> list[tuple]:
    with sessions() as session:
        return [tuple(row) for row in session.execute(
            select(PoolSnapshot.customer_id, PoolSnapshot.exposed_only, PoolSnapshot.version, PoolSnapshot.jobs))]


def loaded_as_built(sessions, customer_id: int, postings: list[Posting]) -> Pools:
    """A new process's pools, whose first pool came from the snapshot and matches as a fresh build does."""
    loading = Pools(snapshot_key=KEY)
    loaded, fresh = index(loading, sessions, customer_id), index(Pools(), sessions, customer_id)
    assert (loading.stats().snapshot_loads, loading.stats().rebuilds) == (1, 0)
    assert loaded.version == fresh.version and len(loaded) == len(fresh)
    for posting in postings:
        assert loaded.match(posting) == fresh.match(posting), posting
    return loading


def test_a_pool_loaded_from_its_snapshot_and_caught_up_matches_as_a_fresh_build_does(sessions) -> None:
    integration_id, customer_id, jobs = customer_of_300_jobs(sessions)
    assert Pools(snapshot_key=KEY).keep_snapshots(sessions, customer_id) == 1
    renamed = jobs[0] | {"name": "Gabelstaplerfahrer (m/w/d)"}
    closed = jobs[1] | {"status": "CLOSED"}
    new = kombo_job("job-new-cook", "9001", "Koch (m/w/d)", job_code="KO-9001", city="Bamberg")
    sync_page(sessions, [renamed, closed, new], integration_id)

    loaded_as_built(sessions, customer_id, [*probes(jobs), Posting("Gabelstaplerfahrer"), Posting("Koch in Bamberg"),
                                            Posting("Koch", job_code="KO-9001")])


@pytest.mark.parametrize("exposed_only", [False, True])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.lists(STEP, max_size=4), after=st.lists(STEP, max_size=4))
def test_a_snapshot_taken_between_any_changes_loads_as_a_fresh_build(sessions, exposed_only, before, after) -> None:
    integration_id, customer_id = new_customer(sessions)
    with sessions.begin() as session:
        session.execute(update(Customer).where(Customer.id == customer_id).values(match_exposed_only=exposed_only))

    def apply(steps) -> None:
        for step in steps:
            if step[0] == "page":
                sync_page(sessions, [test_pools.kombo(integration_id, spec) for spec in step[1]], integration_id)
            else:
                with sessions.begin() as session:
                    set_exposed(session, customer_id, [f"{integration_id}-{n}" for n in step[1]], step[2])

    base = [job | {"id": f"{integration_id}-base-{n}"} for n, job in enumerate(generate_jobs(60))]
    add_ats_jobs(sessions, base, integration_id)  # enough that no run of steps is a quarter of the pool
    with sessions.begin() as session:
        set_exposed(session, customer_id, [job["id"] for job in base], True)
    apply(before)
    assert Pools(snapshot_key=KEY).keep_snapshots(sessions, customer_id) == (2 if exposed_only else 1)
    apply(after)
    loading = loaded_as_built(sessions, customer_id, PROBES)
    with sessions() as session:  # the reviewers' search, every job exposed or not, comes from its own snapshot
        searched, fresh = loading.search_index(session, customer_id), Pools().search_index(session, customer_id)
        assert [searched.match(probe) for probe in PROBES] == [fresh.match(probe) for probe in PROBES]
    assert loading.stats().snapshot_loads == (2 if exposed_only else 1)


def test_a_snapshot_is_renewed_once_it_falls_behind_and_not_before(sessions) -> None:
    integration_id, customer_id, jobs = customer_of_300_jobs(sessions)
    keeping = Pools(snapshot_key=KEY)
    assert keeping.keep_snapshots(sessions, customer_id) == 1
    ((_, _, first, count),) = snapshots(sessions)
    assert count == 300

    sync_page(sessions, [job | {"name": f"Koch {n}"} for n, job in enumerate(jobs[:100])], integration_id)
    assert keeping.keep_snapshots(sessions, customer_id) == 0  # 100 behind: a cold start catches up in its request
    sync_page(sessions, [jobs[100] | {"name": "Koch 100"}], integration_id)
    assert keeping.keep_snapshots(sessions, customer_id) == 1
    ((_, _, renewed, _),) = snapshots(sessions)
    assert renewed == first + 2
    assert keeping.stats().snapshots_written == 2


def test_a_snapshot_not_signed_with_this_instances_key_or_altered_is_built_over(sessions, caplog) -> None:
    _, customer_id, jobs = customer_of_300_jobs(sessions)
    Pools(snapshot_key=KEY).keep_snapshots(sessions, customer_id)
    caplog.set_level(logging.WARNING, logger="jobmatch.api.pool_snapshots")

    other = Pools(snapshot_key=OTHER_KEY)
    index(other, sessions, customer_id)
    assert (other.stats().snapshot_loads, other.stats().rebuilds) == (0, 1)
    assert "not signed with this instance's key" in caplog.text

    with sessions.begin() as session:
        snapshot = session.scalar(select(PoolSnapshot))
        snapshot.data = snapshot.data.replace(b"Koch", b"Kuch")
    altered = Pools(snapshot_key=KEY)
    assert len(index(altered, sessions, customer_id)) == 300
    assert (altered.stats().snapshot_loads, altered.stats().rebuilds) == (0, 1)


def test_a_snapshot_of_other_code_newer_than_the_database_or_far_behind_is_not_read(sessions, monkeypatch) -> None:
    integration_id, customer_id, jobs = customer_of_300_jobs(sessions)
    Pools(snapshot_key=KEY).keep_snapshots(sessions, customer_id)

    def builds() -> int:
        pools = Pools(snapshot_key=KEY)
        index(pools, sessions, customer_id)
        return pools.stats().rebuilds

    assert builds() == 0
    with monkeypatch.context() as patched:
        patched.setattr(pool_snapshots, "code", lambda: "another version of the matcher")
        assert builds() == 1
    with sessions.begin() as session:  # a database restored from a backup older than the snapshot
        session.execute(update(PoolSnapshot).values(version=PoolSnapshot.version + 5))
    assert builds() == 1
    with sessions.begin() as session:
        session.execute(update(PoolSnapshot).values(version=PoolSnapshot.version - 5))
    sync_page(sessions, [job | {"name": f"Koch {n}"} for n, job in enumerate(jobs[:76])], integration_id)
    assert builds() == 1  # a quarter of the pool and more changed after it: a build costs less than catching up


def test_without_a_signing_key_no_snapshot_is_written_or_read(sessions) -> None:
    _, customer_id, _ = customer_of_300_jobs(sessions)
    assert Pools().keep_snapshots(sessions, customer_id) == 0
    assert snapshots(sessions) == []
    Pools(snapshot_key=KEY).keep_snapshots(sessions, customer_id)
    unsigned = Pools()
    index(unsigned, sessions, customer_id)
    assert (unsigned.stats().snapshot_loads, unsigned.stats().rebuilds) == (0, 1)


@pytest.fixture
def kombo() -> Iterator[FakeKombo]:
    with FakeKombo(api_key="kombo-key") as fake:
        fake.add_integration(INTEGRATION_ID, jobs=generate_jobs(50))
        yield fake


def test_a_sync_renews_the_snapshot_of_its_customers_pool(kombo, sessions) -> None:
    add_integration(sessions)
    kombo.add_job(INTEGRATION_ID, kombo_job("job-new-cook", "9001", "Koch (m/w/d)", city="Bamberg"))
    with KomboClient(api_key=kombo.api_key, base_url=kombo.base_url) as client:
        result = sync_integration(sessions, client, Pools(snapshot_key=KEY), INTEGRATION_ID)
    with sessions() as session:
        customer_id, version = session.execute(select(Customer.id, Customer.jobs_version)).one()
    assert snapshots(sessions) == [(customer_id, False, version, result.created)]
    loading = Pools(snapshot_key=KEY)
    cook = index(loading, sessions, customer_id).match(Posting("Koch", location=Location(city="Bamberg")))
    assert cook.candidates[0].job_id == "job-new-cook"
    assert loading.stats().snapshot_loads == 1


def test_a_newer_snapshot_of_the_same_code_is_kept(sessions) -> None:
    _, customer_id, _ = customer_of_300_jobs(sessions)
    with sessions.begin() as session:  # what a concurrent sync of a later version leaves
        session.add(PoolSnapshot(customer_id=customer_id, exposed_only=False, public_only=False,
                                 code=pool_snapshots.code(), version=10**6, jobs=300, signature=b"", data=b"",
                                 written_at=datetime.now(UTC)))
    assert Pools(snapshot_key=KEY).keep_snapshots(sessions, customer_id) == 0
    assert snapshots(sessions)[0][2] == 10**6


def test_a_snapshot_that_cannot_be_written_is_logged_and_nothing_else(tmp_path, caplog) -> None:
    unmigrated = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert not pool_snapshots.write(unmigrated, (1, False, False), KEY, 3, 1, b"data")
    assert "could not keep the snapshot of pool (1, False, False)" in caplog.text
    unmigrated.dispose()

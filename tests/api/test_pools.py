"""The process's pools: caught up from the change feed, built once, bounded in memory, safe across threads."""

import itertools
import json
import sys
import threading
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from jobmatch.api import pools as pools_module
from jobmatch.api import title_forms
from jobmatch.api.ats_jobs import set_exposed
from jobmatch.api.pools import Pools, deep_size
from jobmatch.fixtures.kombo_jobs import generate_jobs, kombo_job
from jobmatch.matcher import Location, Posting
from jobmatch.matcher.titles import FORM_VERSION, title_form
from jobmatch.store.db import make_engine
from jobmatch.store.models import Customer, TitleForm
from jobmatch.store.models import Posting as StoredPosting
from tests.api.helpers import NURSE, post
from tests.factories import add_ats_jobs, add_integration, sync_page

COOK = kombo_job("job-cook", "301", "Koch (m/w/d)", job_code="KO-301", city="Berlin")
_customers = itertools.count()


def new_customer(sessions) -> tuple[str, int]:
    """An integration of a customer of its own: each hypothesis example starts from an empty pool."""
    n = next(_customers)
    integration_id = add_integration(sessions, f"personio:pools{n:04d}", slug=f"pools-{n}")
    with sessions() as session:
        return integration_id, session.scalar(select(Customer.id).where(Customer.slug == f"pools-{n}"))


def index(pools: Pools, sessions, customer_id: int, **kwargs):
    with sessions() as session:
        return pools.index(session, customer_id, **kwargs)


def built_pool(sessions, size: int):
    """A new customer with `size` jobs, and a process's pools holding its pool (the Pool as first built)."""
    integration_id, customer_id = new_customer(sessions)
    jobs = generate_jobs(size)
    add_ats_jobs(sessions, jobs, integration_id)
    pools = Pools()
    return integration_id, customer_id, jobs, pools, index(pools, sessions, customer_id)


def pools_of_300_jobs(sessions, count: int) -> tuple[list[int], int]:
    """`count` new customers of 300 jobs each (no two alike), and the bytes the first one's pool holds."""
    customers = [new_customer(sessions) for _ in range(count)]
    jobs = generate_jobs(300 * count)
    for n, (integration_id, _) in enumerate(customers):
        add_ats_jobs(sessions, [job | {"id": f"{n}-{job['id']}"} for job in jobs[n * 300:(n + 1) * 300]],
                     integration_id)
    measuring = Pools(resident=None)
    index(measuring, sessions, customers[0][1])
    measuring.settle()
    return [customer_id for _, customer_id in customers], measuring.stats().bytes_held


def at_once(count: int, request):
    """What `request` returns in each of `count` threads let go together."""
    start, answers = threading.Barrier(count), []

    def run() -> None:
        start.wait()
        answers.append(request())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


NAMES = ["Koch (m/w/d)", "Koch in Erlangen", "Pflegefachkraft (m/w/d) Bamberg", "Lagerhelfer Vollzeit",
         "Staplerfahrer (m/w/d) in Fürth", "Buchhalter", None]
CITIES = ["Bamberg", "Erlangen", "Fürth", "Berlin", None]
JOB = st.fixed_dictionaries({
    "n": st.integers(0, 5), "name": st.sampled_from(NAMES), "city": st.sampled_from(CITIES),
    "code": st.sampled_from(["REQ-1", "REQ-2", None]), "status": st.sampled_from(["OPEN", "CLOSED", "DRAFT"]),
    "deleted": st.booleans(),
})
STEP = st.one_of(
    st.tuples(st.just("page"), st.lists(JOB, min_size=1, max_size=3)),
    st.tuples(st.just("expose"), st.lists(st.integers(0, 5), min_size=1, max_size=3, unique=True), st.booleans()),
)
PROBES = [Posting(name or "Koch", location=Location(city=city) if city else None) for name in NAMES for city in CITIES]
PROBES += [Posting("Koch", job_code=code) for code in ("REQ-1", "REQ-2")]


def kombo(integration_id: str, spec: dict) -> dict:
    deleted = datetime(2026, 11, 1, tzinfo=UTC) if spec["deleted"] else None
    return kombo_job(f"{integration_id}-{spec['n']}", str(spec["n"]), spec["name"], job_code=spec["code"], city=spec["city"],
                     status=spec["status"], remote_deleted_at=deleted)


@pytest.mark.parametrize("exposed_only", [False, True])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(STEP, min_size=1, max_size=6))
def test_a_caught_up_pool_matches_as_a_fresh_build_does(sessions, exposed_only, steps) -> None:
    integration_id, customer_id = new_customer(sessions)
    with sessions.begin() as session:
        session.execute(update(Customer).where(Customer.id == customer_id).values(match_exposed_only=exposed_only))
    kept = Pools()
    index(kept, sessions, customer_id)  # built empty, then only ever caught up
    for step in steps:
        if step[0] == "page":
            sync_page(sessions, [kombo(integration_id, spec) for spec in step[1]], integration_id)
        else:
            with sessions.begin() as session:
                set_exposed(session, customer_id, [f"{integration_id}-{n}" for n in step[1]], step[2])
        caught_up, fresh = index(kept, sessions, customer_id), index(Pools(), sessions, customer_id)
        assert caught_up.version == fresh.version
        assert len(caught_up) == len(fresh)
        for probe in PROBES:
            assert caught_up.match(probe) == fresh.match(probe), probe
    assert kept.stats().rebuilds == 1


def test_a_sync_that_changed_nothing_keeps_the_pool_and_a_change_is_caught_up(sessions) -> None:
    integration_id, customer_id = new_customer(sessions)
    add_ats_jobs(sessions, [COOK], integration_id)
    pools = Pools()
    first = index(pools, sessions, customer_id)

    sync_page(sessions, [COOK], integration_id)
    assert index(pools, sessions, customer_id).version == first.version

    sync_page(sessions, [COOK | {"name": "Küchenchef (m/w/d)"}], integration_id)
    renewed = index(pools, sessions, customer_id)
    assert renewed.version == first.version + 1
    assert renewed.match(Posting(title="Küchenchef (m/w/d)"), limit=1).candidates[0].job_id == "job-cook"
    stats = pools.stats()
    assert (stats.rebuilds, stats.catch_ups, stats.hits, stats.versions_behind) == (1, 1, 2, 0)


def test_a_small_pool_is_built_whole_and_a_large_one_is_completed_by_its_measuring_thread(
    sessions, monkeypatch
) -> None:
    integration_id, customer_id = new_customer(sessions)
    add_ats_jobs(sessions, generate_jobs(300), integration_id)
    pools = Pools()
    monkeypatch.setattr(pools, "_start", lambda work, *args: None)  # no measuring thread
    assert index(pools, sessions, customer_id).entry.index.complete(0)  # whole as built: nothing left for later
    monkeypatch.setattr(pools_module, "COMPLETE_LATER_FROM", 100)
    pools = Pools()
    built = index(pools, sessions, customer_id).entry.index
    pools.settle()
    assert built.complete(0)  # the measuring thread made the rest
    assert pools.stats().bytes_held > 0


def test_concurrent_requests_for_a_pool_not_built_yet_build_it_once(sessions) -> None:
    integration_id, customer_id = new_customer(sessions)
    add_ats_jobs(sessions, generate_jobs(2_000), integration_id)
    pools = Pools()
    found = at_once(6, lambda: index(pools, sessions, customer_id))
    assert len(found) == 6 and len({id(pool.entry) for pool in found}) == 1
    assert pools.stats().rebuilds == 1


def test_a_large_catch_up_runs_once_in_a_thread_while_requests_match_the_index_they_have(
        sessions, monkeypatch) -> None:
    monkeypatch.setattr(pools_module, "INLINE_CATCH_UP", 5)
    integration_id, customer_id, jobs, pools, before = built_pool(sessions, 400)
    renamed = [job | {"name": f"Tierpfleger {i} (m/w/d)"} for i, job in enumerate(jobs[:40])]  # 10%: a catch-up
    sync_page(sessions, renamed, integration_id)

    answered = at_once(4, lambda: index(pools, sessions, customer_id).version)
    pools.settle()
    after = index(pools, sessions, customer_id)
    assert after.version == before.version + 1
    assert set(answered) <= {before.version, after.version}
    assert after.match(Posting("Tierpfleger 7 (m/w/d)"), limit=1).best.job_id == jobs[7]["id"]
    stats = pools.stats()
    assert (stats.rebuilds, stats.catch_ups) == (1, 1)

    sync_page(sessions, [job | {"name": "Imker (m/w/d)"} for job in jobs[:200]], integration_id)  # half: a rebuild
    assert index(pools, sessions, customer_id).version == after.version  # answered at once, from what it has
    pools.settle()
    rebuilt = index(pools, sessions, customer_id)
    assert rebuilt.version == after.version + 1 and rebuilt.entry is after.entry
    assert len(rebuilt.match(Posting("Imker (m/w/d)"), limit=5).candidates) == 5
    assert (pools.stats().rebuilds, pools.stats().catch_ups) == (2, 1)


def test_a_caller_that_waits_gets_the_large_catch_up_applied_before_it_matches(sessions, monkeypatch) -> None:
    monkeypatch.setattr(pools_module, "INLINE_CATCH_UP", 5)
    integration_id, customer_id, jobs, pools, before = built_pool(sessions, 100)
    sync_page(sessions, [job | {"name": "Imker (m/w/d)"} for job in jobs[:10]], integration_id)
    assert index(pools, sessions, customer_id, wait=True).version == before.version + 1


def test_least_recently_used_pools_are_evicted_to_keep_the_bound(sessions) -> None:
    customers, one_pool = pools_of_300_jobs(sessions, 6)
    bounded = Pools(cache_mb=2.5 * one_pool / 2**20, resident=None)  # room for two pools of this size, not three
    for customer_id in customers:
        index(bounded, sessions, customer_id)
        bounded.settle()
        assert bounded.stats().bytes_held <= bounded.cache_bytes
    index(bounded, sessions, customers[4])  # the least recently used is now customers[5]'s... and [4] is held
    stats = bounded.stats()
    assert (stats.pools, stats.evictions, stats.rebuilds, stats.hits) == (2, 4, 6, 1)
    index(bounded, sessions, customers[0])  # evicted: built again
    assert bounded.stats().rebuilds == 7


def test_a_posting_records_the_pool_version_it_was_matched_against(client, keys, sessions) -> None:
    assert post(client, keys, NURSE).status_code == 201
    with sessions() as session:
        version = session.scalar(select(Customer.jobs_version).where(Customer.slug == "acme"))
        assert session.scalar(select(StoredPosting.matched_version)) == version


def test_a_pools_size_counts_each_object_once_as_allocated_and_never_the_code_it_refers_to() -> None:
    def allocated(item: object) -> int:  # pymalloc: multiples of 16 up to 512 bytes; malloc: +8, to 16
        size = sys.getsizeof(item)
        return -(-size // 16) * 16 if size <= 512 else -(-(size + 8) // 16) * 16

    shared = "x" * 1000
    assert deep_size([shared, shared]) == allocated([shared, shared]) + allocated(shared) == 80 + 1072
    table = {"dump": json.dumps, "kind": dict}
    assert deep_size(table) == allocated(table) + allocated("dump") + allocated("kind")
    inner = (float(len(table)),)  # made here, not a constant of the code
    lists = [[inner], [inner], [(float(len(shared)),)]]
    del inner  # held by two of the lists alone: counted once; the last list's tuple and each float held once
    assert deep_size(lists) == allocated(lists) + 3 * allocated([0]) + 2 * (allocated((0.0,)) + allocated(0.0))
    loop: list = []
    loop.append(loop)
    assert deep_size(loop) == allocated(loop)


def test_the_pools_are_bounded_by_what_they_cost_the_process_not_only_by_what_they_hold(sessions) -> None:
    customers, one_pool = pools_of_300_jobs(sessions, 4)
    memory = {"bytes": 10**9}  # the process as the system reports it: growing by twice what its pools hold
    bounded = Pools(cache_mb=4.5 * one_pool / 2**20, resident=lambda: memory["bytes"])  # four pools by bytes alone
    for customer_id in customers:
        memory["bytes"] += 2 * one_pool  # what building the next pool will have cost when it is measured
        index(bounded, sessions, customer_id)
        bounded.settle()
    stats = bounded.stats()
    assert stats.slack == pools_module.MAX_SLACK  # 2.0: growth 8 pools' worth for 4 held, then for 2
    assert (stats.pools, stats.evictions) == (2, 2)
    assert stats.bytes_held * stats.slack <= stats.cache_bytes < 2 * stats.bytes_held * stats.slack


def test_the_slack_is_read_against_what_was_held_when_the_memory_was_taken(sessions) -> None:
    customers, one_pool = pools_of_300_jobs(sessions, 6)
    memory = {"bytes": 10**9}
    bounded = Pools(cache_mb=4.5 * one_pool / 2**20, resident=lambda: memory["bytes"])
    for n, customer_id in enumerate(customers):
        if n < 4:  # the first pools make the process grow by 1.2 times what they hold; the later reuse the room
            memory["bytes"] += round(1.2 * one_pool)  # of those evicted
        index(bounded, sessions, customer_id)
        bounded.settle()
    stats = bounded.stats()
    assert 1.15 < stats.slack < 1.25
    assert stats.pools == 3  # 3 x 1.2 fits 4.5 pools' bytes (evicting before the measurement: 1.6, 2 pools)


def test_chunks_read_ahead_arrive_in_order_and_the_reading_thread_ends_when_the_reader_stops() -> None:
    with pools_module._read_ahead(iter([[1], [2, 3], [4]])) as reader:
        assert list(reader) == [[1], [2, 3], [4]]

    def endless():
        yield from itertools.count()

    before = threading.active_count()
    with pools_module._read_ahead([n] for n in endless()) as reader:
        assert [next(reader), next(reader)] == [[0], [1]]
    # the caller stopped early: the thread waiting to hand over the next chunk ended
    assert threading.active_count() == before


def test_reading_ahead_starts_before_the_reader_asks_for_a_chunk() -> None:
    fetched = threading.Event()

    def chunks():
        fetched.set()
        yield [1]

    with pools_module._read_ahead(chunks()) as reader:
        assert fetched.wait(timeout=10)  # while the build loads its tables, say
        assert list(reader) == [[1]]


def test_what_reading_ahead_raised_is_raised_to_the_reader() -> None:
    def failing():
        yield [1]
        raise ConnectionError("server closed the connection")

    with pools_module._read_ahead(failing()) as reader:
        assert next(reader) == [1]
        with pytest.raises(ConnectionError, match="server closed"):
            next(reader)


def test_a_build_keeps_its_titles_forms_and_the_next_build_reads_them(sessions) -> None:
    integration_id, customer_id = new_customer(sessions)
    cook, packer = "Koch (m/w/d) für die Formen", "Lagerhelfer (m/w/d) in Berlin"
    add_ats_jobs(sessions, [COOK | {"name": cook}, kombo_job("job-packer", "302", packer, city="Berlin")],
                 integration_id)
    pools = Pools()
    index(pools, sessions, customer_id)
    pools.settle()  # the forms are written by a thread

    def stored() -> dict[str, tuple[int, str]]:
        with sessions() as session:
            return {name: (version, form) for name, version, form in session.execute(
                select(TitleForm.name, TitleForm.version, TitleForm.form).where(TitleForm.name.in_([cook, packer])))}

    assert stored() == {cook: (FORM_VERSION, title_form(cook)), packer: (FORM_VERSION, title_form(packer))}
    with sessions.begin() as session:  # a form the next build reads, however it reads
        session.execute(update(TitleForm).where(TitleForm.name == cook).values(form='["chefkoch",[],false,[]]'))
    read = index(Pools(), sessions, customer_id)
    best = read.match(Posting("Chefkoch"), limit=1).candidates[0]
    assert (best.job_id, best.score, best.weak) == ("job-cook", 100, False)
    assert read.match(Posting(packer), limit=1).candidates[0].score == 100  # Berlin, a city of the pool: read again

    with sessions.begin() as session:  # a form of another version is not read, and is written again
        session.execute(update(TitleForm).where(TitleForm.name == cook).values(version=FORM_VERSION - 1))
    pools = Pools()
    assert all(candidate.weak for candidate in index(pools, sessions, customer_id).match(Posting("Chefkoch")).candidates)
    pools.settle()
    assert stored()[cook] == (FORM_VERSION, title_form(cook))


def test_forms_that_cannot_be_written_cost_the_next_build_its_time_and_nothing_else(tmp_path, caplog) -> None:
    no_table = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    title_forms.write(no_table, {"Koch (m/w/d)": title_form("Koch (m/w/d)")})
    assert "could not keep 1 title forms" in caplog.text
    no_table.dispose()

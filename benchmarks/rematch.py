"""Re-matching after one changed job: postings touched and time, beside re-matching every waiting posting (the
behaviour before, `rematch_unlinked`) in the same run.

A fresh database (PostgreSQL by default) holds one customer with a pool of 10,000 jobs from `generate_jobs` and
10,000 waiting postings: damaged titles (`labelled.damage_title`) of real adverts with their cities, without
identifiers, stored through the API's own path (`decisions.store_new`, keys included). Each trial changes one job
through a sync page (`mirror.write_page`): a new job with an advert's title, an existing job renamed to another
advert's title, or an existing job closed. Then `rematch.rematch_customer` runs, timed; the process's pool is
brought up to the change, and a new one completed and measured by its thread, before the clock starts (the pools'
cost, measured by their benchmark).
After each trial every waiting posting is matched again without writing (the pure matcher against the pool as it
is now) and compared with what is stored: a posting whose candidates would be other jobs or in another order is a
miss; one whose candidates differ only in a score or a reason is counted apart. The postings a trial
concerns are those whose candidates or decision changed; every other touched posting is an unrelated posting
touched. The baseline, timed on its own trials, is the former function: every waiting posting
matched again in batches of 100, a REMATCHED event written for each. Beside it, what keeping keys adds to
storing a new posting (`post_cost`).

    .venv/bin/python benchmarks/rematch.py [--backend postgresql|sqlite] [--trials 30] [--baseline-trials 3]
"""

import argparse
import json
import os
import random
import statistics
import time

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import selectinload

from benchmarks.databases import fresh_database
from jobmatch.api import decisions, posting_keys, rematch
from jobmatch.api.pools import Pools
from jobmatch.fixtures.adverts import load_adverts
from jobmatch.fixtures.kombo_jobs import generate_jobs, kombo_job
from jobmatch.fixtures.labelled import damage_title
from jobmatch.matcher import JobIndex
from jobmatch.store.db import make_engine, make_session_factory
from jobmatch.store.models import Customer, Integration, Posting, PostingKey, SyncRun
from jobmatch.store.types import utcnow
from jobmatch.sync.mirror import write_page

INTEGRATION_ID = "personio:BenchRematch000000000000"
PAGE = 500


def setup(sessions, jobs: list[dict], postings: int, rng: random.Random) -> int:
    with sessions.begin() as session:
        customer = Customer(slug="bench", name="Bench")
        session.add(Integration(id=INTEGRATION_ID, customer=customer, tool="personio"))
        session.flush()
        customer_id = customer.id
    for start in range(0, len(jobs), PAGE):
        sync_page(sessions, jobs[start : start + PAGE])
    with sessions() as session:
        index = Pools().index(session, customer_id)  # the pool as the API matches against it
    adverts = [advert for advert in load_adverts() if advert.title.strip()]
    for n in range(postings):
        advert = adverts[n % len(adverts)]
        with_city = rng.random() < 0.5
        fields = {"external_id": f"bench-{n}", "source": "indeed",
                  "title": damage_title(advert.title, advert.city if with_city else None, rng),
                  "job_code": None, "remote_id": None, "post_url": None, "department": None, "employment_type": None,
                  "location": {"city": advert.city, "zip_code": advert.zip_code, "country": "DE", "raw": None}}
        with sessions.begin() as session:
            decisions.store_new(session, customer_id, fields, index)
    rematch.rematch_customer(sessions, Pools(), customer_id, "setup")  # the bookmark at the jobs as stored
    with sessions.begin() as session:  # what autovacuum does after a bulk load
        session.execute(text("ANALYZE"))
    return customer_id


def post_cost(sessions, pool_of: int, postings: int, rng: random.Random) -> dict:
    """What keeping keys adds to storing a new posting (the POST /v1/postings write, committed): the same
    postings stored alternately with their keys and, as a posting without keys is stored, without; for a customer
    of their own, so the trials never see the keyless ones, matched against the pool of customer `pool_of`."""
    with sessions.begin() as session:
        customer = Customer(slug="bench-post", name="Bench post")
        session.add(customer)
        session.flush()
        customer_id = customer.id
    with sessions() as session:
        index = Pools().index(session, pool_of)
    adverts, keyed = load_adverts(), posting_keys.of
    timings: dict[str, list[float]] = {"with_keys": [], "without_keys": []}
    for n in range(postings):
        advert = adverts[rng.randrange(len(adverts))]
        fields = {"external_id": f"post-{n}", "source": "indeed", "title": advert.title, "job_code": None,
                  "remote_id": None, "post_url": None, "department": None, "employment_type": None,
                  "location": {"city": advert.city, "zip_code": advert.zip_code, "country": "DE", "raw": None}}
        with_keys = n % 2 == 0
        posting_keys.of = keyed if with_keys else (lambda fields, candidates: (None, set()))
        try:
            started = time.perf_counter()
            with sessions.begin() as session:
                decisions.store_new(session, customer_id, fields, index)
            timings["with_keys" if with_keys else "without_keys"].append(time.perf_counter() - started)
        finally:
            posting_keys.of = keyed
    medians = {name: statistics.median(values) * 1e3 for name, values in timings.items()}
    with sessions() as session:
        rows = session.scalar(select(func.count()).select_from(PostingKey).where(PostingKey.customer_id == customer_id))
    return {"postings": postings, "ms_p50": {name: round(value, 3) for name, value in medians.items()},
            "ratio_p50": round(medians["with_keys"] / medians["without_keys"], 3),
            "keys_per_posting": round(rows / len(timings["with_keys"]), 1)}


def sync_page(sessions, jobs: list[dict]) -> None:
    with sessions.begin() as session:
        run = SyncRun(integration_id=INTEGRATION_ID, kind="incremental")
        session.add(run)
        session.flush()
        write_page(session, INTEGRATION_ID, run.id, jobs, utcnow())


def change_one(jobs: dict[str, dict], rng: random.Random, n: int) -> tuple[str, dict]:
    adverts = load_adverts()
    advert = adverts[rng.randrange(len(adverts))]
    kind = ("new", "renamed", "closed")[n % 3]
    if kind == "new":
        return kind, kombo_job(f"bench-new-{n}", str(900_000 + n), advert.title.strip(), city=advert.city or None,
                               zip_code=advert.zip_code or None, job_code=f"NEW-{n:05d}")
    job = jobs[rng.choice(sorted(jobs))]
    if kind == "renamed":
        return kind, job | {"name": advert.title.strip()}
    return kind, job | {"status": "CLOSED"}


def missed(sessions, customer_id: int, jobs: list[dict]) -> dict[str, set[int]]:
    """Waiting postings whose match against the pool as it is now differs from what is stored: in which jobs are
    plausible candidates or in their order ("candidates"), only in the weak suggestions after them ("weak"), or
    only in a candidate's score or reasons ("details")."""
    index = JobIndex(jobs)
    out: dict[str, set[int]] = {"candidates": set(), "weak": set(), "details": set()}
    with sessions() as session:
        postings = session.scalars(select(Posting).where(Posting.customer_id == customer_id, posting_keys.WAITING)
                                   .options(selectinload(Posting.events))).all()
        for posting in postings:
            fresh = decisions._candidate_rows(index.match(decisions._matcher_posting(posting), limit=decisions.CANDIDATES,
                                                          exclude=decisions.rejected_jobs(posting)))
            if _plausible(fresh) != _plausible(posting.candidates):
                out["candidates"].add(posting.id)
            elif [c["job_id"] for c in fresh] != [c["job_id"] for c in posting.candidates]:
                out["weak"].add(posting.id)
            elif fresh != posting.candidates:
                out["details"].add(posting.id)
    return out


def _plausible(candidates: list[dict]) -> list[str]:
    return [c["job_id"] for c in candidates if not c.get("weak")]


def rematch_every_waiting(sessions, pools: Pools, customer_id: int, reason: str) -> int:
    """The former `tasks.rematch_unlinked`: every waiting posting matched again and recorded."""
    with sessions() as session:
        index = pools.index(session, customer_id)
        ids = list(session.scalars(select(Posting.id).where(Posting.customer_id == customer_id, posting_keys.WAITING)
                                   .order_by(Posting.id)))
    for start in range(0, len(ids), rematch.BATCH):
        with sessions.begin() as session:
            for posting in session.scalars(
                select(Posting).where(Posting.id.in_(ids[start : start + rematch.BATCH]), posting_keys.WAITING)
                .order_by(Posting.id).options(selectinload(Posting.events)).with_for_update(of=Posting)
            ):
                decisions.rematch(posting, index, decisions.SYSTEM, reason)
    return len(ids)


def count_statements(engine) -> list[str]:
    """The statements sent to the database, transaction control included (each a round trip), as they run."""
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda conn, cursor, statement, *args: sent.append(statement))
    for name in ("begin", "commit", "rollback"):
        event.listen(engine, name, lambda conn, name=name: sent.append(name.upper()))
    return sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--postings", type=int, default=10_000)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--baseline-trials", type=int, default=3)
    parser.add_argument("--post-cost-postings", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(7)
    pool = generate_jobs(args.jobs, seed=7)
    with fresh_database(args.backend) as url:
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        started = time.perf_counter()
        customer_id = setup(sessions, pool, args.postings, rng)
        setup_s = time.perf_counter() - started
        post = post_cost(sessions, customer_id, args.post_cost_postings, rng)
        jobs = {job["id"]: job for job in pool}
        pools, trials, misses = Pools(), [], {"candidates": set(), "weak": set(), "details": set()}
        statements = count_statements(engine)
        with sessions() as session:
            waiting = len(session.scalars(select(Posting.id).where(Posting.customer_id == customer_id,
                                                                   posting_keys.WAITING)).all())
        for n in range(args.trials):
            kind, job = change_one(jobs, rng, n)
            sync_page(sessions, [job])
            jobs[job["id"]] = job
            with sessions() as session:
                pools.index(session, customer_id)  # the pool caught up with the change before the clock starts
            pools.settle()  # and a new pool completed and measured (its thread's work, not re-matching's)
            statements.clear()
            started, cpu_started = time.perf_counter(), time.process_time()
            result = rematch.rematch_customer(sessions, pools, customer_id, f"trial {n}")
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            run_statements = len(statements)
            for kind_missed, ids in missed(sessions, customer_id, list(jobs.values())).items():
                misses[kind_missed] |= ids
            trials.append({"kind": kind, "ms": elapsed * 1e3, "cpu_ms": cpu * 1e3, "statements": run_statements,
                           "touched": result.touched, "changed": result.changed,
                           "unrelated_touched": result.touched - result.changed})
        baseline = []
        for n in range(args.baseline_trials):
            kind, job = change_one(jobs, rng, n)
            sync_page(sessions, [job])
            jobs[job["id"]] = job
            with sessions() as session:
                pools.index(session, customer_id)
            started, cpu_started = time.perf_counter(), time.process_time()
            touched = rematch_every_waiting(sessions, pools, customer_id, f"baseline {n}")
            baseline.append({"ms": (time.perf_counter() - started) * 1e3,
                             "cpu_ms": (time.process_time() - cpu_started) * 1e3, "touched": touched})
            rematch.rematch_customer(sessions, pools, customer_id, "after the baseline")  # bookmark forward
        engine.dispose()

    def median(key: str, rows: list[dict]) -> float:
        return round(statistics.median(row[key] for row in rows), 1)

    def p90(key: str, rows: list[dict]) -> float:
        return round(statistics.quantiles([row[key] for row in rows], n=10)[-1], 1)

    unrelated = [row["unrelated_touched"] / (waiting - row["changed"]) for row in trials]
    print(json.dumps({
        "backend": args.backend, "jobs": args.jobs, "waiting_postings": waiting, "setup_s": round(setup_s, 1),
        "load_average_at_end": [round(load, 2) for load in os.getloadavg()],
        "rematch": {
            "trials": len(trials), "ms_p50": median("ms", trials), "ms_max": round(max(r["ms"] for r in trials), 1),
            "ms_p90": p90("ms", trials), "cpu_ms_p50": median("cpu_ms", trials), "cpu_ms_p90": p90("cpu_ms", trials),
            "statements_p50": median("statements", trials), "statements_max": max(r["statements"] for r in trials),
            "touched_p50": median("touched", trials), "touched_max": max(r["touched"] for r in trials),
            "changed_p50": median("changed", trials), "changed_max": max(r["changed"] for r in trials),
            "unrelated_touched_share_p50": round(statistics.median(unrelated), 5),
            "unrelated_touched_share_max": round(max(unrelated), 5),
            "postings_missed": len(misses["candidates"]),
            "postings_with_other_weak_suggestions": len(misses["weak"] - misses["candidates"]),
            "postings_with_stale_scores_or_reasons": len(misses["details"] - misses["candidates"] - misses["weak"]),
            "by_kind": {kind: {"ms_p50": median("ms", rows), "touched_p50": median("touched", rows)}
                        for kind in ("new", "renamed", "closed")
                        if (rows := [r for r in trials if r["kind"] == kind])},
        },
        "baseline_every_waiting_posting": {"trials": len(baseline), "ms_p50": median("ms", baseline),
                                           "cpu_ms_p50": median("cpu_ms", baseline),
                                           "touched_p50": median("touched", baseline)},
        "speedup_p50": round(median("ms", baseline) / median("ms", trials), 1),
        "new_posting_write": post,
    }, indent=2))


if __name__ == "__main__":
    main()

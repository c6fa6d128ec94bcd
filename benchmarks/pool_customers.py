"""Many customers, one memory bound: gunicorn (one sync worker, so one process's memory is what is measured) on a
fresh PostgreSQL database with 1,000 customers of 1,000 jobs each; clients POST title postings whose customer
is drawn with a skewed popularity (Zipf, s = 1.1: the first customer is asked ~1,000 times as often as the last).

Three phases: `hot`, the 10 most popular customers only, whose pools all fit (the baseline: every request a
hit); `every`, each customer asked once in turn, which holds more pools than the bound allows and so must evict;
then `skewed`, every customer with the skewed popularity. Reported: postings/s, p50/p99/max, the worker's RSS (sampled every
0.2 s: at start, highest, and the highest above the bound), the pool figures from /metrics, and the hit rate
(requests answered from a pool held / all).

The jobs' JSON documents are stored as `{}`: pools never read them, and a million of them would fill a gigabyte
of disk.

    python benchmarks/pool_customers.py [--customers 1000] [--jobs 1000] [--seconds 60] [--cache-mb 256]
"""

import argparse
import itertools
import json
import os
import random
import tempfile
import threading
import time
from pathlib import Path

from api_load import gunicorn
from databases import fresh_database
from pool_churn import METRICS_TOKEN, _gunicorn_workers, pool_figures, rss_mb, steady_load, title_postings
from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session

from jobmatch.api.keys import create_key
from jobmatch.fixtures.kombo_jobs import generate_jobs
from jobmatch.store.models import AtsJob, Customer, Integration
from jobmatch.sync.mirror import job_columns
from jobmatch.sync.validation import CheckedJob


def seed(url: str, customers: int, jobs_each: int, pools: list[list[dict]]) -> list[str]:
    """Customers with one integration each, their jobs inserted in bulk at version 1, and a poster key each."""
    engine = create_engine(url)
    keys = []
    with Session(engine) as session, session.begin():
        for n in range(customers):
            session.add(Integration(id=f"personio:many{n:05d}", tool="personio",
                                    customer=Customer(slug=f"c{n:05d}", name=f"Customer {n}", jobs_version=1)))
        session.flush()
        keys = [create_key(session, f"c{n:05d}", "poster") for n in range(customers)]
    rows = []
    for n in range(customers):
        for job in pools[n % len(pools)][:jobs_each]:
            renamed = job | {"id": f"{n}-{job['id']}"}
            rows.append(job_columns(CheckedJob(renamed["id"], renamed, renamed)) | {
                "data": {}, "integration_id": f"personio:many{n:05d}", "version": 1})
            if len(rows) == 10_000:
                _insert(engine, rows)
    _insert(engine, rows)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return keys


def _insert(engine, rows: list[dict]) -> None:
    if rows:
        with engine.begin() as connection:
            connection.execute(insert(AtsJob.__table__), rows)
        rows.clear()


def zipf_work(keys: list[str], bodies: list[list[dict]], rng: random.Random, hot: int | None):
    """(key, posting) pairs forever, the customer of rank r drawn with weight 1 / r ** 1.1."""
    count = hot or len(keys)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(count)]
    counters = [itertools.count() for _ in range(count)]
    while True:
        for n in rng.choices(range(count), weights, k=1000):
            pool = bodies[n % len(bodies)]
            yield keys[n], pool[next(counters[n]) % len(pool)] | {"external_id": f"{n}-{rng.random()}"}


def every_customer(keys: list[str], bodies: list[list[dict]], done: threading.Event):
    """Each customer once, in turn; then `done` is set (and the last pair repeats while the clients stop)."""
    for n, key in enumerate(keys):
        yield key, bodies[n % len(bodies)][0] | {"external_id": f"every-{n}"}
    done.set()
    while True:
        yield key, bodies[0][0] | {"external_id": f"every-{random.random()}"}


def sample_rss(pid: int, until: threading.Event, samples: list[float]) -> None:
    while not until.is_set():
        samples.append(rss_mb(pid))
        until.wait(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=1000, help="jobs per customer")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--cache-mb", type=int, default=256)
    args = parser.parse_args()
    rng = random.Random(11)
    generated = generate_jobs(100 * args.jobs, seed=1)
    pools = [generated[n * args.jobs:(n + 1) * args.jobs] for n in range(100)]  # 100 distinct pools, reused
    bodies = [title_postings(pool, 200, f"p{n}", rng) for n, pool in enumerate(pools)]
    report = {"cpus": os.cpu_count(), "load_average_before": os.getloadavg(), "customers": args.customers,
              "jobs_per_customer": args.jobs, "cache_mb": args.cache_mb, "clients": args.clients}
    with fresh_database("postgresql") as url, tempfile.TemporaryDirectory() as folder:
        seeded = time.perf_counter()
        keys = seed(url, args.customers, args.jobs, pools)
        report["seed_s"] = round(time.perf_counter() - seeded, 1)
        os.environ |= {"JOBMATCH_METRICS_TOKEN": METRICS_TOKEN, "JOBMATCH_POOL_CACHE_MB": str(args.cache_mb)}
        with gunicorn(url, 1, 1, Path(folder)) as port:
            (pid,) = _gunicorn_workers()
            report["rss_mb_at_start"] = rss_mb(pid)
            for phase in ("hot", "every", "skewed"):
                until, samples = threading.Event(), []
                sampler = threading.Thread(target=sample_rss, args=(pid, until, samples))
                sampler.start()
                if phase == "every":
                    work = every_customer(keys, bodies, until)
                else:
                    threading.Timer(args.seconds, until.set).start()
                    work = zipf_work(keys, bodies, rng, 10 if phase == "hot" else None)
                before = pool_figures(port, 3)[str(pid)]
                figures = steady_load(port, work, args.clients, until)
                sampler.join()
                pools_after = pool_figures(port, 3)[str(pid)]
                asked = {name: pools_after[name] - before[name] for name in ("pool_hits_total", "pool_rebuilds_total",
                                                                             "pool_evictions_total")}
                figures |= {
                    "rss_mb": {"highest": max(samples), "last": samples[-1]},
                    "rss_mb_above_cap": round(max(samples) - args.cache_mb, 1),
                    "pools": pools_after,
                    "hit_rate": round(asked["pool_hits_total"] / max(1, asked["pool_hits_total"]
                                                                      + asked["pool_rebuilds_total"]), 4),
                    "evictions": asked["pool_evictions_total"],
                }
                report[phase] = figures
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

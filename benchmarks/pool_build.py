"""A cold pool build from PostgreSQL, reading included, beside the build it replaced, each in a fresh process.

Ours: `Pools.index` on a process that holds nothing (the columns matching reads, streamed, then the index), and
separately the measuring walk that follows in a thread; once as the pool's first build ever ("ours_first", no
title forms stored: every title normalized, and their forms written after), then as every later cold build is
(the titles read from their stored forms), and as a process starts from the pool's stored snapshot
("ours_snapshot": written first, as the process re-matching after a sync writes it, then read, unpickled and
caught up; jobmatch.api.pool_snapshots). Baseline: the former build, every job's JSON document
(`AtsJob.data`) read at once and indexed. Each reports wall and CPU time, the high-water RSS (VmHWM) and the RSS
after it, and the child's RSS at start. Then, in a process of its own, our build's steps one after another (no
chunk read while another is indexed), each timed: loading the table the build reads, reading the title forms
and then the rows, records, the distinct titles from their forms (or normalized), inserting them into the index's
maps and searches; and after the build what it
leaves for the thread that measures it (`JobIndex.complete`: the other tables, then letters alike and employers'
titles).

    python benchmarks/pool_build.py [--jobs 10000,100000] [--repeat 3]
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from api_load import seed  # benchmarks/, beside this script
from databases import fresh_database

from jobmatch.api.pool_snapshots import signing_key
from jobmatch.fixtures.kombo_jobs import generate_jobs

SNAPSHOT_KEY = signing_key("pool_build.py benchmark's secret key, 40 chars")


def child(way: str, url: str) -> dict:
    from sqlalchemy import delete, select
    from sqlalchemy.orm import Session

    from jobmatch.api.pools import Pools
    from jobmatch.matcher import JobIndex
    from jobmatch.store.db import make_engine
    from jobmatch.store.models import AtsJob, Customer, TitleForm

    engine = make_engine(url)
    if way == "ours_first":
        with engine.begin() as connection:
            connection.execute(delete(TitleForm))
    with Session(engine) as session:
        customer_id = session.scalar(select(Customer.id))
        start_rss = _memory("VmRSS")
        started, cpu = time.perf_counter(), time.process_time()
        if way.startswith("ours"):
            pools = Pools(snapshot_key=SNAPSHOT_KEY if way == "ours_snapshot" else None)
            index = pools.index(session, customer_id)
        else:
            index = JobIndex(session.scalars(select(AtsJob.data)))
        figures = {"build_s": round(time.perf_counter() - started, 3), "cpu_s": round(time.process_time() - cpu, 3),
                   "jobs": len(index)}
        if way.startswith("ours"):
            figures |= {"rss_peak_before_measure_mb": _memory("VmHWM"), "rss_before_measure_mb": _memory("VmRSS")}
            measured = time.perf_counter()
            pools.settle()
            figures["measure_s"] = round(time.perf_counter() - measured, 3)
            figures["measured_mb"] = round(pools.stats().bytes_held / 2**20, 1)
            figures["snapshot_loads"] = pools.stats().snapshot_loads
    figures |= {"rss_start_mb": start_rss, "rss_peak_mb": _memory("VmHWM"), "rss_after_mb": _memory("VmRSS")}
    return figures


def phases(url: str) -> dict:
    """Our build's steps one after another, wall and CPU seconds of each."""
    import gc
    from itertools import chain

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from jobmatch.api import pools, title_forms
    from jobmatch.matcher import load_tables
    from jobmatch.matcher.index import JobIndex
    from jobmatch.matcher.jobs import row_records
    from jobmatch.matcher.occupations import occupations
    from jobmatch.matcher.titles import TitleForms, from_form
    from jobmatch.store.db import make_engine
    from jobmatch.store.models import Customer

    figures, last = {}, [time.perf_counter(), time.process_time()]

    def lap(step: str) -> None:
        now = [time.perf_counter(), time.process_time()]
        figures[step] = {"wall_s": round(now[0] - last[0], 3), "cpu_s": round(now[1] - last[1], 3)}
        last[:] = now

    with Session(make_engine(url)) as session:
        customer_id = session.scalar(select(Customer.id))
        def pool_jobs(*columns):
            return pools._customer_jobs(customer_id, *columns).where(pools._JOBS.quarantined_at.is_(None))

        gc.disable()  # as the build
        lap("start")
        occupations()  # what the build does first, once per process
        lap("tables")
        forms = TitleForms(title_forms.read(session, pool_jobs(pools._JOBS.name)))
        lap("read_forms")
        jobs = pool_jobs(*pools.JOB_COLUMNS)
        rows = list(chain.from_iterable(pools._driver_chunks(session, jobs)))
        lap("read")
        index = JobIndex()
        for start in range(0, len(rows), pools.READ_CHUNK):
            records = row_records(rows[start:start + pools.READ_CHUNK])
            index._jobs.update((record.id, record) for record in records)
        records = list(index._jobs.values())
        index._cities.add_all(record.side.place.city for record in records)
        lap("records")
        names = [record.name for record in records]
        normalized = {name: forms.title(name, index._cities) for name in set(names)}
        lap("from_forms")
        index._index(records, [normalized[name] for name in names])
        lap("insert")
        gc.freeze()
        gc.unfreeze()
        gc.enable()
        load_tables()
        lap("later_tables")
        index.complete()
        lap("later_complete")
    figures.pop("start")
    again = sum(from_form(forms.stored.get(name, ""), index._cities) is None for name in normalized)
    return figures | {"titles": len(normalized), "titles_normalized_again": again}


def keep_snapshot(url: str) -> dict:
    """Store the pool's snapshot as the process re-matching after a sync does; its size and the time it took."""
    from sqlalchemy import func, select

    from jobmatch.api.pools import Pools
    from jobmatch.store.db import make_engine, make_session_factory
    from jobmatch.store.models import Customer, PoolSnapshot

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        customer_id = session.scalar(select(Customer.id))
    started = time.perf_counter()
    written = Pools(snapshot_key=SNAPSHOT_KEY).keep_snapshots(sessions, customer_id)
    figures = {"written": written, "build_and_write_s": round(time.perf_counter() - started, 3)}
    with sessions() as session:
        figures["mb"] = round(session.scalar(select(func.length(PoolSnapshot.data))) / 2**20, 1)
    engine.dispose()
    return figures


def _memory(field: str) -> float:
    status = Path("/proc/self/status").read_text()
    return round(int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024, 1)


def run(way: str, url: str) -> dict:
    answer = subprocess.run([sys.executable, __file__, "--child", way, url], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).parent)
    return json.loads(answer.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        way, url = args.child
        print(json.dumps(phases(url) if way == "phases" else child(way, url)))
        return
    report = {"cpus": os.cpu_count(), "load_average_before": os.getloadavg(), "repeat": args.repeat, "pools": []}
    for size in (int(n) for n in args.jobs.split(",")):
        with fresh_database("postgresql") as url:
            seed(url, generate_jobs(size, seed=1), keys=1)
            snapshot = keep_snapshot(url)
            runs = {"ours_first": [], "ours": [], "ours_snapshot": [], "baseline": []}
            for _ in range(args.repeat):  # alternating, so both meet the machine in the same state
                for way in runs:
                    runs[way].append(run(way, url))
            steps = [run("phases", url) for _ in range(args.repeat)]
        entry = {"jobs": size, "snapshot": snapshot}
        for way, results in runs.items():
            entry[way] = {name: statistics.median(r[name] for r in results) for name in results[0]}
        entry["build_ratio"] = round(entry["ours"]["build_s"] / entry["baseline"]["build_s"], 3)
        entry["snapshot_ratio"] = round(entry["ours_snapshot"]["build_s"] / entry["baseline"]["build_s"], 3)
        entry["first_build_ratio"] = round(entry["ours_first"]["build_s"] / entry["baseline"]["build_s"], 3)
        entry["our_steps"] = {step: {unit: statistics.median(s[step][unit] for s in steps) for unit in steps[0][step]}
                              for step in steps[0] if not step.startswith("titles")} | {
            "titles": steps[0]["titles"], "titles_normalized_again": steps[0]["titles_normalized_again"]}
        report["pools"].append(entry)
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""The API while a sync keeps changing the pool: gunicorn (jobmatch/api/gunicorn_conf.py, 3 sync workers) on a fresh
PostgreSQL database with one customer's pool, clients POSTing title postings without pause, in three phases of
the same load:

1. steady: nothing else happens (the baseline of the run);
2. churn: another process writes one sync page changing one job every 2 s, as an incremental sync of a busy ATS;
3. burst: that process writes 50 pages of 250 changed jobs back to back, then the load runs on as long again.

Each phase reports postings/s, p50/p99/max latency, requests over 1 s and errors, the workers' RSS at its end
(and the PSS of the workers and their master: RSS counts the pages they share in each of them), and each worker's
pool counters from /metrics. Before the phases every worker builds the pool (warm-up: the metrics say when each of
the 3 has one), the load runs `--warm-seconds` unmeasured, and before each phase the database is vacuumed and
analyzed, as autovacuum does while postings are stored (`vacuum`).

    python benchmarks/pool_churn.py [--jobs 10000,100000] [--seconds 30] [--clients 4] [--workers 3] [--repeat 2]

Steady and churn alternate `--repeat` times (the machine's pace drifts during a run); medians are reported, and
each churn run is also compared with the steady runs either side of it. Beside throughput, the workers' CPU time
per posting (/proc) in each phase: what churn costs the workers, whatever else the machine runs.
"""

import argparse
import itertools
import json
import multiprocessing
import os
import random
import re
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from api_load import Client, gunicorn, percentile, postings, seed  # benchmarks/, beside this script
from databases import fresh_database
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from jobmatch.fixtures.kombo_jobs import generate_jobs
from jobmatch.store.models import SyncRun
from jobmatch.store.types import utcnow
from jobmatch.sync.mirror import write_page

INTEGRATION_ID = "personio:LoadBenchmark000000000001"  # api_load.seed's
METRICS_TOKEN = "pool-churn-benchmark-token"
SAMPLE = re.compile(r'^(jobmatch_pool_\w+|jobmatch_pools)\{pid="(\d+)"\} (\S+)$', re.M)


def writer(url: str, jobs_count: int, mode: str, events: dict[str, multiprocessing.Event]) -> None:
    """Another process, as a sync is: `churn` writes a page changing one job every 2 s until stopped; `burst`
    writes 50 pages of 250 changed jobs back to back. Sets `ready` before the first page, `done` after the last."""
    jobs, rng, engine = generate_jobs(jobs_count, seed=1), random.Random(mode), create_engine(url)
    pages = [[rng.choice(jobs)] for _ in range(10_000)] if mode == "churn" else [rng.sample(jobs, 250)
                                                                                  for _ in range(50)]
    done, stop = events["done"], events["stop"]
    events["ready"].set()
    for n, page in enumerate(pages):
        if stop.is_set():
            break
        changed = [job | {"name": f"{job['name']} {mode}{n}"} for job in page]
        with Session(engine) as session, session.begin():
            run = SyncRun(integration_id=INTEGRATION_ID, kind="incremental")
            session.add(run)
            session.flush()
            write_page(session, INTEGRATION_ID, run.id, changed, utcnow())
        if mode == "churn":
            stop.wait(2.0)
    engine.dispose()
    done.set()


def vacuum(url: str) -> None:
    """What autovacuum does while postings are stored (this server may run without it): the dead versions of
    the queue's count rows, rewritten by every posting, cleared and the tables analyzed. Without it every phase
    ran slower than the one before (290 -> 160 postings/s over six phases at 100,000 jobs, analyzed once)."""
    engine = create_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def steady_load(port: int, work: Iterator[tuple[str, dict]], clients: int, until: threading.Event) -> dict:
    """`clients` POST the (API key, posting) of `work` one after another until `until` is set; latencies and
    errors. (gunicorn's sync workers close every connection, so a client may change keys between requests.)"""
    latencies, errors, lock = [], defaultdict(int), threading.Lock()

    def client() -> None:
        connection, key = None, None
        try:
            while not until.is_set():
                with lock:
                    next_key, body = next(work)
                if next_key != key:
                    if connection is not None:
                        connection.close()
                    connection, key = Client(port, next_key), next_key
                started = time.perf_counter()
                status, _ = connection.request("POST", "/v1/postings", body)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if status is None or status >= 300:
                        errors["no answer" if status is None else str(status)] += 1
        finally:
            if connection is not None:
                connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"postings_per_s": round(len(latencies) / wall, 1), "requests": len(latencies),
            "p50_ms": round(percentile(latencies, 50) * 1e3, 1), "p99_ms": round(percentile(latencies, 99) * 1e3, 1),
            "max_ms": round(max(latencies) * 1e3, 1), "over_1s": sum(t > 1 for t in latencies),
            "errors": dict(errors)}


def worker_pids(master: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return round(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024, 1)


def pss_mb(pid: int) -> float:
    """The process's proportional set size: its own pages, and its share of those it shares with other processes
    (the master's modules and tables, copy on write), which RSS counts whole in every process."""
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return round(int(re.search(r"Pss:\s+(\d+) kB", rollup).group(1)) / 1024, 1)


def pool_figures(port: int, scrapes: int = 30) -> dict[str, dict[str, float]]:
    """Each worker's pool figures, from as many scrapes as it takes to hear from each (a scrape reaches one)."""
    figures: dict[str, dict[str, float]] = {}
    for _ in range(scrapes):
        client = Client(port, METRICS_TOKEN)
        _, body = client.request("GET", "/metrics")
        client.close()
        for name, pid, value in SAMPLE.findall(body.decode()):
            figures.setdefault(pid, {})[name.removeprefix("jobmatch_")] = float(value)
    return figures


def run_pool(size: int, args: argparse.Namespace, folder: Path) -> dict:
    jobs = generate_jobs(size, seed=1)
    rng = random.Random(size)
    with fresh_database("postgresql") as url:
        seeded = time.perf_counter()
        keys = seed(url, jobs, keys=args.clients)
        report = {"jobs": size, "seed_s": round(time.perf_counter() - seeded, 1)}
        instance = folder / f"pool{size}"
        instance.mkdir()
        os.environ["JOBMATCH_METRICS_TOKEN"] = METRICS_TOKEN
        with gunicorn(url, args.workers, 1, instance) as port:
            pids = _gunicorn_workers(args.workers)
            report["rss_mb_before_warm_up"] = {pid: rss_mb(pid) for pid in pids}
            warm_started, warm = time.perf_counter(), iter(title_postings(jobs, 10_000, "warm", rng))
            while len([f for f in pool_figures(port, 6).values() if f.get("pools", 0) >= 1]) < args.workers:
                client = Client(port, keys[0])
                client.request("POST", "/v1/postings", next(warm))
                client.close()
                if time.perf_counter() - warm_started > 600:
                    raise RuntimeError("the workers did not build their pools within 10 minutes")
            report["warm_up_s"] = round(time.perf_counter() - warm_started, 1)
            until = threading.Event()  # the load runs on while each worker measures its pool in a thread
            threading.Timer(args.warm_seconds, until.set).start()
            steady_load(port, zip(itertools.cycle(keys), title_postings(jobs, 50_000, "warm2", rng)), args.clients,
                        until)
            runs: dict[str, list[dict]] = {"steady": [], "churn": [], "burst": []}
            for number, phase in enumerate(["steady", "churn"] * args.repeat + ["burst"]):  # alternating: the
                vacuum(url)  # machine's pace drifts; each run's postings are new (a repeated id is an update)
                bodies = title_postings(jobs, 200_000, f"{phase}{number}", rng)
                spawn = multiprocessing.get_context("spawn")
                until, events = threading.Event(), {name: spawn.Event() for name in ("ready", "done", "stop")}
                process = None
                if phase != "steady":
                    process = spawn.Process(target=writer, args=(url, size, phase, events))
                    process.start()
                    events["ready"].wait()
                if phase == "burst":  # the load runs until the burst is written and as long again
                    threading.Thread(target=lambda: (events["done"].wait(), time.sleep(args.seconds),
                                                     until.set())).start()
                else:
                    threading.Timer(args.seconds, until.set).start()
                work = zip(itertools.cycle(keys), bodies)
                cpu_before, client_before, server_before = sum(map(cpu_s, pids)), time.process_time(), postgres_cpu_s()
                figures = steady_load(port, work, args.clients, until)
                per_posting = 1e3 / max(figures["requests"], 1)
                figures["workers_cpu_ms_per_posting"] = round((sum(map(cpu_s, pids)) - cpu_before) * per_posting, 2)
                figures["clients_cpu_ms_per_posting"] = round((time.process_time() - client_before) * per_posting, 2)
                figures["postgres_cpu_ms_per_posting"] = round((postgres_cpu_s() - server_before) * per_posting, 2)
                events["stop"].set()
                if process is not None:
                    process.join()
                figures["rss_mb"] = {pid: rss_mb(pid) for pid in pids}
                figures["rss_mb_total"] = round(sum(figures["rss_mb"].values()), 1)
                figures["pss_mb_total"] = round(sum(map(pss_mb, [*pids, *_gunicorn_masters()])), 1)  # with the master
                figures["pools"] = pool_figures(port)
                runs[phase].append(figures)
    for phase, figures in runs.items():
        report[phase] = _median(figures)
    steady, churn = report["steady"], report["churn"]
    paired = [c["postings_per_s"] / statistics.mean(s["postings_per_s"] for s in runs["steady"][i : i + 2])
              for i, c in enumerate(runs["churn"])]  # each churn run against the steady runs either side of it
    report["churn_vs_steady"] = {
        "throughput_ratio": round(churn["postings_per_s"] / steady["postings_per_s"], 3),
        "throughput_ratio_paired": round(statistics.median(paired), 3),
        "workers_cpu_per_posting_ratio": round(churn["workers_cpu_ms_per_posting"]
                                               / steady["workers_cpu_ms_per_posting"], 3),
        "p99_ms": churn["p99_ms"], "p99_target_ms": max(2 * steady["p99_ms"], 100.0),
        "over_1s": churn["over_1s"],
    }
    return report


def cpu_s(pid: int) -> float:
    """The CPU time a process has used (user and system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_EACH = ("postings_per_s", "workers_cpu_ms_per_posting", "clients_cpu_ms_per_posting", "postgres_cpu_ms_per_posting")


def postgres_cpu_s() -> float:
    """The CPU time the PostgreSQL server's processes have used (its backends come and go: those alive now)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                total += cpu_s(int(entry.name))
        except OSError:  # gone while read
            continue
    return total


def _median(runs: list[dict]) -> dict:
    """The median of each figure over the runs of a phase; the pool counters and RSS of the last run."""
    numbers = {name: statistics.median(run[name] for run in runs) for name, value in runs[0].items()
               if isinstance(value, int | float)}
    return numbers | {"runs": len(runs), "errors": [run["errors"] for run in runs],
                      **{f"{name}_each": [run[name] for run in runs] for name in _EACH},
                      "rss_mb": runs[-1]["rss_mb"], "pools": runs[-1]["pools"]}


def _gunicorn_masters() -> list[int]:
    """The gunicorn master this script started."""
    return [pid for pid in worker_pids(os.getpid()) if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def _gunicorn_workers(expected: int = 1) -> list[int]:
    """The pids of the gunicorn workers, children of the gunicorn master this script started, once `expected` of
    them are up (one answering /healthz does not mean all were forked)."""
    deadline = time.monotonic() + 30
    while len(pids := sorted(pid for master in _gunicorn_masters() for pid in worker_pids(master))) < expected:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(pids)} of {expected} gunicorn workers started")
        time.sleep(0.1)
    return pids


def title_postings(jobs: list[dict], count: int, run: str, rng: random.Random) -> list[dict]:
    """Postings as api_load writes them, without identifiers: title matching is the expensive path."""
    bodies = postings(jobs, count, run, rng)
    for body in bodies:
        body.pop("job_code", None)
        body.pop("post_url", None)
    return bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", default="10000,100000", help="pool sizes, one run each")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2, help="steady and churn phases, alternating")
    parser.add_argument("--warm-seconds", type=float, default=15.0, help="load not measured after the builds")
    args = parser.parse_args()
    report = {"cpus": os.cpu_count(), "load_average_before": os.getloadavg(), "clients": args.clients,
              "workers": args.workers, "seconds_per_phase": args.seconds, "pools": []}
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(n) for n in args.jobs.split(",")):
            report["pools"].append(run_pool(size, args, Path(folder)))
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

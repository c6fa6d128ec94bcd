"""`jobmatch sync` against the minimal reader, both reading the same pre-built pages over loopback, into SQLite and
PostgreSQL: once from a source that answers at once (100,000 jobs), once with 300 ms added to every page (Kombo's
real latency; 20,000 jobs), then an incremental sync from the fake Kombo after 1% of the jobs changed.

The minimal reader (sync_baseline.py) GETs the pages with httpx, parses the JSON, extracts the same columns and
inserts each page with one executemany into the same table of a freshly migrated database, reading and writing
in turn. The page source (page_source.py) serializes every page before the clock starts, so it serves faster
than either reader reads (its own time per page is printed beside theirs). Both readers run as child processes
(`jobmatch sync` itself for ours), so their peak memory is their own.

    python benchmarks/sync_throughput.py [--jobs 100000] [--latency-jobs 20000] [--repeat 3] [--backends ...]

Prints one JSON object: per backend and source the median jobs/s of both readers and the median of their ratios
(ours / minimal: >= 0.6 at once; its inverse is the time ratio, <= 1.1 with 300 ms per page), the incremental
sync's time as a share of the full sync's, the peak RSS of the sync process, and the load average.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from databases import fresh_database  # benchmarks/databases.py, beside this script
from page_source import PAGE_SIZE, PageSource  # benchmarks/page_source.py
from jobmatch.fixtures.fake_kombo import FakeKombo
from jobmatch.fixtures.kombo_jobs import generate_jobs

INTEGRATION_ID = "personio:BenchmarkIntegration01"
API_KEY = "bench-key"

BASELINE_SCRIPT = str(Path(__file__).with_name("sync_baseline.py"))
SYNC_COMMAND = ["jobmatch.cli", "sync", "--integration", INTEGRATION_ID]


# Run in the child: report its own high-water RSS at exit. (wait4's ru_maxrss would include the pages the child
# shared with this process between fork and exec, and this process holds the fake's 100,000 jobs.)
PEAK_REPORTER = r"""
import atexit, runpy, sys
def report():
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    print(f"PEAK_RSS_KIB={peak}", file=sys.stderr)
atexit.register(report)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__") if sys.argv[0].endswith(".py") else runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def run_child(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Run `python <module or script> args...`; wall seconds, the child's peak RSS in MiB, and its stdout."""
    started = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", PEAK_REPORTER, *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} failed ({child.returncode}):\n{child.stderr}")
    peak_kib = int(child.stderr.rsplit("PEAK_RSS_KIB=", 1)[1].split()[0])
    return seconds, peak_kib // 1024, child.stdout


def setup_integration(database_url: str) -> None:
    from jobmatch.store.db import make_engine, make_session_factory
    from jobmatch.store.models import Customer, Integration

    engine = make_engine(database_url)
    with make_session_factory(engine).begin() as session:
        session.add(Integration(id=INTEGRATION_ID, tool="personio", customer=Customer(slug="bench", name="Bench")))
    engine.dispose()


def full_syncs(source: PageSource, backend: str, jobs: int, repeat: int, then=None) -> dict:
    """Both readers over `source`, `repeat` times each into fresh databases; `then(url, env, seconds)` runs after
    each of ours with its database still there."""
    env_base = os.environ | {"KOMBO_API_KEY": API_KEY, "KOMBO_BASE_URL": source.base_url}
    ours, baseline, peaks = [], [], []
    for _ in range(repeat):
        with fresh_database(backend) as url:
            setup_integration(url)
            seconds, _, out = run_child([BASELINE_SCRIPT, source.base_url, API_KEY, INTEGRATION_ID, url], env_base)
            assert int(out) == jobs, out
            baseline.append(seconds)
        with fresh_database(backend) as url:
            setup_integration(url)
            env = env_base | {"JOBMATCH_DATABASE_URL": url}
            seconds, peak, out = run_child(SYNC_COMMAND, env)
            assert f"{jobs} created" in out, out
            ours.append(seconds)
            peaks.append(peak)
            if then:
                peaks.append(then(url, env, seconds))
    pages = -(-jobs // PAGE_SIZE)
    return {
        "jobs": jobs,
        "latency_per_page_s": source.latency,
        "minimal_jobs_per_s": round(jobs / statistics.median(baseline)),
        "sync_jobs_per_s": round(jobs / statistics.median(ours)),
        "ratio_to_minimal": round(statistics.median(b / o for o, b in zip(ours, baseline, strict=True)), 3),
        "time_ratio_to_minimal": round(statistics.median(o / b for o, b in zip(ours, baseline, strict=True)), 3),
        "minimal_ms_per_page": round(1000 * statistics.median(baseline) / pages, 1),
        "sync_ms_per_page": round(1000 * statistics.median(ours) / pages, 1),
        "source_serve_ms_per_page": round(1000 * statistics.median(source.serve_seconds), 2),
        "sync_peak_rss_mib": max(peaks),
    }


def bench_backend(kombo: FakeKombo, all_jobs: list[dict], backend: str, options: argparse.Namespace) -> dict:
    incremental = []

    def incremental_after(url: str, env: dict[str, str], full_seconds: float) -> int:
        """1% of the jobs changed in the fake Kombo (which holds the same jobs): an incremental sync from it."""
        truth = list(kombo.truth(INTEGRATION_ID))
        step = max(1, len(truth) // (options.jobs // 100))
        for job_id in truth[::step][: options.jobs // 100]:
            kombo.edit_job(INTEGRATION_ID, job_id, department=f"Logistik {len(incremental)}")
        seconds, peak, out = run_child(SYNC_COMMAND, env | {"KOMBO_BASE_URL": kombo.base_url})
        assert f"{options.jobs // 100} updated" in out, out
        incremental.append(seconds / full_seconds)
        return peak

    with PageSource(all_jobs[: options.jobs]) as instant:
        at_once = full_syncs(instant, backend, options.jobs, options.repeat, incremental_after)
    with PageSource(all_jobs[: options.latency_jobs], latency=0.3) as slow:
        with_latency = full_syncs(slow, backend, options.latency_jobs, options.repeat)
    return {
        "at_once": at_once,
        "latency_300ms": with_latency,
        "incremental_1pct_to_full_time": round(statistics.median(incremental), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--latency-jobs", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    options = parser.parse_args()
    all_jobs = generate_jobs(max(options.jobs, options.latency_jobs))
    results = {}
    with FakeKombo(api_key=API_KEY) as kombo:
        kombo.add_integration(INTEGRATION_ID, jobs=all_jobs[: options.jobs])
        for backend in options.backends.split(","):
            results[backend] = bench_backend(kombo, all_jobs, backend, options)
    load = os.getloadavg()
    print(json.dumps({"benchmark": "sync_throughput", "load_average_1_5_15": [round(x, 2) for x in load],
                      "results": results}, indent=2))


if __name__ == "__main__":
    main()

"""Full sync of 100,000 jobs from the fake Kombo over loopback, then an incremental sync after 1% changed,
into SQLite and PostgreSQL; beside a baseline doing only the unavoidable work in the same run.

The baseline (sync_baseline.py) GETs the same pages with httpx, parses the JSON, extracts the same columns and
inserts each page with one executemany into the same table of a freshly migrated database. Both run as child processes (`jobmatch sync` itself for
ours), so their peak memory is their own; the fake serves from this process.

    python benchmarks/sync_throughput.py [--jobs 100000] [--repeat 3] [--backends sqlite,postgresql]

Prints one JSON object: per backend the median jobs/s of both, their ratio, the incremental sync's time and
its ratio to the full sync, and the peak RSS of the sync process.
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
from jobmatch.fixtures.fake_kombo import FakeKombo
from jobmatch.fixtures.kombo_jobs import generate_jobs

INTEGRATION_ID = "personio:BenchmarkIntegration01"
API_KEY = "bench-key"

BASELINE_SCRIPT = str(Path(__file__).with_name("sync_baseline.py"))


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


def bench_backend(kombo: FakeKombo, backend: str, jobs: int, repeat: int) -> dict:
    env_base = os.environ | {"KOMBO_API_KEY": API_KEY, "KOMBO_BASE_URL": kombo.base_url}
    sync_command = ["jobmatch.cli", "sync", "--integration", INTEGRATION_ID]
    ours, baseline, incremental, peaks = [], [], [], []
    for _ in range(repeat):
        with fresh_database(backend) as url:
            setup_integration(url)
            seconds, _, out = run_child([BASELINE_SCRIPT, kombo.base_url, API_KEY, INTEGRATION_ID, url], env_base)
            assert int(out) == jobs, out
            baseline.append(jobs / seconds)
        with fresh_database(backend) as url:
            setup_integration(url)
            env = env_base | {"JOBMATCH_DATABASE_URL": url}
            full_seconds, peak, _ = run_child(sync_command, env)
            ours.append(jobs / full_seconds)
            truth = list(kombo.truth(INTEGRATION_ID))
            for job_id in truth[:: max(1, len(truth) // (jobs // 100))][: jobs // 100]:
                kombo.edit_job(INTEGRATION_ID, job_id, department="Logistik und Versand")
            incremental_seconds, incremental_peak, out = run_child(sync_command, env)
            assert f"{jobs // 100} updated" in out, out
            incremental.append(incremental_seconds / full_seconds)
            peaks.append(max(peak, incremental_peak))
    return {
        "jobs": jobs,
        "repeat": repeat,
        "baseline_jobs_per_s": round(statistics.median(baseline)),
        "sync_jobs_per_s": round(statistics.median(ours)),
        "ratio_to_baseline": round(statistics.median(o / b for o, b in zip(ours, baseline)), 3),
        "incremental_1pct_to_full_time": round(statistics.median(incremental), 4),
        "sync_peak_rss_mib": max(peaks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    options = parser.parse_args()
    results = {}
    with FakeKombo(api_key=API_KEY) as kombo:
        kombo.add_integration(INTEGRATION_ID, jobs=generate_jobs(options.jobs))
        for backend in options.backends.split(","):
            results[backend] = bench_backend(kombo, backend, options.jobs, options.repeat)
    print(json.dumps({"benchmark": "sync_throughput", "results": results}, indent=2))


if __name__ == "__main__":
    main()

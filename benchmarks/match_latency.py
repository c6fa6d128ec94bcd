"""Per-posting latency and index build time at 1k, 10k and 100k jobs, beside the naive baseline in the same run.

Postings are title-only (the expensive path): damaged titles of pool jobs, half with the job's city. The baseline
is rapidfuzz `process.extract` with WRatio over every job name, the names preprocessed once
(`utils.default_process`) before the timing and the posting's title per query. Memory is the
tracemalloc peak while building the 100k index (a separate build, since tracing slows it down). Beside wall
time, the CPU time of this process is reported: it leaves out time spent waiting for a core. Each index is
completed (`JobIndex.complete`, timed apart) before its postings are matched and before its memory is read.

    .venv/bin/python benchmarks/match_latency.py [--postings 200]
"""

import argparse
import json
import random
import statistics
import time
import tracemalloc

from rapidfuzz import fuzz, process, utils

from jobmatch.fixtures.kombo_jobs import generate_jobs
from jobmatch.fixtures.labelled import damage_title
from jobmatch.matcher import JobIndex, Location, Posting


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=200)
    args = parser.parse_args()
    all_jobs = generate_jobs(100_000)  # outside every timed part
    report = {}
    for size in (1_000, 10_000, 100_000):
        jobs = all_jobs[:size]
        rng = random.Random(size)
        targets = rng.sample([job for job in jobs if job["name"]], args.postings)
        postings = []
        for job in targets:
            with_city = rng.random() < 0.5
            city = job["location"]["city"] if with_city else None
            postings.append(Posting(damage_title(job["name"], city, rng), location=Location(city=city) if city else None))
        started, cpu_started = time.perf_counter(), time.process_time()
        index = JobIndex(jobs)
        build, build_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        started = time.perf_counter()
        index.complete()  # what a pool's measuring thread makes after the build (else the first query asking)
        complete = time.perf_counter() - started
        ours, ours_cpu, ours_hits = [], [], 0
        for job, posting in zip(targets, postings):
            started, cpu_started = time.perf_counter(), time.process_time()
            result = index.match(posting)
            ours.append(time.perf_counter() - started)
            ours_cpu.append(time.process_time() - cpu_started)
            ours_hits += job["id"] in [c.job_id for c in result.candidates]
        names = [utils.default_process(job["name"] or "") for job in jobs]  # preprocessed once, outside the timing
        ids = [job["id"] for job in jobs]
        theirs, their_hits = [], 0
        for job, posting in zip(targets, postings):
            started = time.perf_counter()
            found = process.extract(utils.default_process(posting.title), names, scorer=fuzz.WRatio, processor=None,
                                    limit=5)
            theirs.append(time.perf_counter() - started)
            their_hits += job["id"] in [ids[i] for _, _, i in found]
        report[str(size)] = {
            "index_build_s": round(build, 3),
            "index_build_cpu_s": round(build_cpu, 3),
            "index_complete_s": round(complete, 3),
            "matcher_ms": {"p50": round(percentile(ours, 0.5) * 1e3, 3), "p99": round(percentile(ours, 0.99) * 1e3, 3)},
            "matcher_cpu_ms": {"p50": round(percentile(ours_cpu, 0.5) * 1e3, 3),
                               "p99": round(percentile(ours_cpu, 0.99) * 1e3, 3)},
            "baseline_ms": {"p50": round(percentile(theirs, 0.5) * 1e3, 3),
                            "p99": round(percentile(theirs, 0.99) * 1e3, 3)},
            "speedup_p50": round(statistics.median(theirs) / statistics.median(ours), 1),
            "recall@5": {"matcher": round(ours_hits / len(targets), 4), "baseline": round(their_hits / len(targets), 4)},
        }
    tracemalloc.start()
    index = JobIndex(all_jobs)
    index.complete()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    report["100000"]["index_memory_mb"] = {"retained": round(current / 2**20, 1), "peak": round(peak / 2**20, 1)}
    print(json.dumps({"postings_per_pool": args.postings, "pools": report}, indent=2))


if __name__ == "__main__":
    main()

"""What checking Kombo's job shape costs a sync, beside the parsing every reader pays anyway.

For pages of 250 generated jobs (a few with job postings and stages, as real ATSs send): the median time per
job of `json.loads` of the page (the baseline: the least any reader does), of `check_page` (what the sync
runs), and of `check_job` on every job (the exact check alone, which the page check spares for clean jobs).

    python benchmarks/job_validation.py [--jobs 20000] [--repeats 5]
"""

import argparse
import json
import os
import statistics
import time

from jobmatch.fixtures.kombo_jobs import generate_jobs
from jobmatch.sync.validation import check_job, check_page

POSTING = {"id": "p1", "remote_id": "77", "title": "Lagerhelfer", "description_html": "<p>Lagerhelfer</p>",
           "status": "ACTIVE", "visibility": "PUBLIC", "url": "https://jobs.example.de/stellen/77"}
STAGE = {"id": "s1", "remote_id": "1", "name": "Interview", "status": "ACTIVE", "custom_fields": None}


def pages(count: int) -> list[str]:
    jobs = generate_jobs(count, seed=3)
    for number, job in enumerate(jobs):
        if number % 3 == 0:
            job["job_postings"] = [POSTING | {"id": f"p{number}"}]
            job["stages"] = [STAGE | {"id": f"s{number}-{n}"} for n in range(4)]
    return [json.dumps(jobs[start:start + 250]) for start in range(0, len(jobs), 250)]


def per_job(bodies: list[str], work, repeats: int) -> float:
    """Median over `repeats` of microseconds per job."""
    parsed = [json.loads(body) for body in bodies]
    jobs = sum(map(len, parsed))
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        for body, page in zip(bodies, parsed):
            work(body, page)
        times.append((time.perf_counter() - started) / jobs * 1e6)
    return round(statistics.median(times), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    bodies = pages(args.jobs)
    parse = per_job(bodies, lambda body, page: json.loads(body), args.repeats)
    page_check = per_job(bodies, lambda body, page: check_page(page), args.repeats)
    exact = per_job(bodies, lambda body, page: [check_job(job) for job in page], args.repeats)
    print(json.dumps({
        "jobs": args.jobs, "repeats": args.repeats, "load_average": os.getloadavg(),
        "us_per_job": {"json_loads_baseline": parse, "check_page": page_check, "check_job_each": exact},
        "check_page_over_json_loads": round(page_check / parse, 2),
        "check_job_each_over_json_loads": round(exact / parse, 2),
    }, indent=2))


if __name__ == "__main__":
    main()

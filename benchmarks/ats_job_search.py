"""Reviewers' job search (GET /v1/ats-jobs?q=) at 100k mirrored jobs, beside naive baselines in the same run.

100,000 generated jobs are mirrored into a fresh SQLite database as a sync writes them (`write_page`); every
request goes through the Flask app with a reviewer key, so a figure includes auth, SQL and JSON. Queries are
titles of pool jobs, half of them damaged (typos, gender tags, a city); a hit is the target job among the answer's
50. Baselines, over the same database and queries: SQL `name LIKE '%word%'` for the query's longest word, and
rapidfuzz `process.extract` (WRatio) over every job name. The first search builds the cached index; its time is
reported apart. The list without q (50 a page, cursor) is timed too.

    .venv/bin/python benchmarks/ats_job_search.py [--jobs 100000] [--queries 200]
"""

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rapidfuzz import fuzz, process, utils
from sqlalchemy import select

from jobmatch.api import create_app
from jobmatch.api.database import database
from jobmatch.api.keys import create_key
from jobmatch.config import Settings
from jobmatch.fixtures.kombo_jobs import generate_jobs
from jobmatch.fixtures.labelled import damage_title
from jobmatch.store.db import make_engine, make_session_factory
from jobmatch.store.migrate import upgrade
from jobmatch.store.models import AtsJob, Customer, Integration, SyncRun
from jobmatch.sync.mirror import write_page

INTEGRATION_ID = "personio:BenchmarkSearch000000000"
LIMIT = 50


def percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {"p50": round(statistics.median(ordered) * 1e3, 2),
            "p99": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1e3, 2)}


def timed(queries: list[str], targets: list[str], search: Callable[[str], list[str]]) -> dict[str, object]:
    seconds, hits = [], 0
    for query, target in zip(queries, targets):
        started = time.perf_counter()
        found = search(query)
        seconds.append(time.perf_counter() - started)
        hits += target in found
    return {"ms": percentiles(seconds), f"recall@{LIMIT}": round(hits / len(queries), 3)}


def mirror(database_url: str, jobs: list[dict]) -> str:
    """The jobs written as one full sync would, and a reviewer key."""
    upgrade(database_url)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        session.add(Integration(id=INTEGRATION_ID, customer=Customer(slug="bench", name="Bench"), tool="personio"))
        session.flush()
        run = SyncRun(integration_id=INTEGRATION_ID, kind="full")
        session.add(run)
        session.flush()
        for start in range(0, len(jobs), 1000):
            write_page(session, INTEGRATION_ID, run.id, jobs[start:start + 1000], now)
        key = create_key(session, "bench", "reviewer")
    engine.dispose()
    return key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    jobs = generate_jobs(args.jobs)
    rng = random.Random(7)
    targets = rng.sample([job for job in jobs if job["name"]], args.queries)
    queries = [damage_title(job["name"], job["location"]["city"], rng) if n % 2 else job["name"]
               for n, job in enumerate(targets)]
    target_ids = [job["id"] for job in targets]

    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        started = time.perf_counter()
        key = mirror(database_url, jobs)
        mirrored = time.perf_counter() - started
        app = create_app(Settings(database_url, "https://api.kombo.dev", None, None, Path(folder)))
        client, headers = app.test_client(), {"Authorization": f"Bearer {key}"}

        def api_search(query: str) -> list[str]:
            response = client.get("/v1/ats-jobs", query_string={"q": query, "limit": LIMIT}, headers=headers)
            assert response.status_code == 200, response.json
            return [item["id"] for item in response.json["items"]]

        started = time.perf_counter()
        api_search(queries[0])
        first = time.perf_counter() - started
        ours = timed(queries, target_ids, api_search)

        cursors: list[str | None] = [None]

        def api_page(_: str) -> list[str]:
            query = {"limit": LIMIT} | ({"cursor": cursors[-1]} if cursors[-1] else {})
            response = client.get("/v1/ats-jobs", query_string=query, headers=headers)
            cursors.append(response.json["next_cursor"])
            return []

        listing = timed(queries, target_ids, api_page)["ms"]

        engine = make_engine(database_url)
        sessions = make_session_factory(engine)

        def like(query: str) -> list[str]:
            word = max(query.split(), key=len)
            with sessions() as session:
                return list(session.scalars(
                    select(AtsJob.id).where(AtsJob.name.like(f"%{word}%")).order_by(AtsJob.id).limit(LIMIT)))

        like_baseline = timed(queries, target_ids, like)
        engine.dispose()
        database(app).close()

    names, ids = [job["name"] or "" for job in jobs], [job["id"] for job in jobs]

    def rapidfuzz_all(query: str) -> list[str]:
        found = process.extract(query, names, scorer=fuzz.WRatio, processor=utils.default_process, limit=LIMIT)
        return [ids[i] for _, _, i in found]

    print(json.dumps({
        "jobs": args.jobs,
        "queries": args.queries,
        "mirror_s": round(mirrored, 1),
        "first_search_with_index_build_s": round(first, 2),
        "api_search": ours,
        "api_list_page_ms": listing,
        "baseline_sql_like": like_baseline,
        "baseline_rapidfuzz_extract": timed(queries, target_ids, rapidfuzz_all),
    }, indent=2))


if __name__ == "__main__":
    main()

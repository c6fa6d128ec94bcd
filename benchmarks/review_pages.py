"""The review page at 100,000 postings on PostgreSQL: the queue's first page, a page deep in it (keyset), a
posting beside its candidates (each a different one, so opening it claims it: a write), and POST
/v1/review/next, each timed beside GET /healthz (the same app, no database work) in the same run, and beside the queue as it was read before keyset paging (OFFSET, and one
COUNT per bucket plus a GROUP BY, on every view), run as SQL on the same database.

    python benchmarks/review_pages.py [--postings 100000] [--requests 300]

Requests go through the WSGI app in process (Flask's test client, one at a time), so the figures are the app's
and the database's time without an HTTP server's. Prints one JSON object: per route p50/p99 in ms, the ratio of
each p99 to /healthz's, and the load average before and after.
"""

import argparse
import json
import os
import random
import statistics
import time
from pathlib import Path

from databases import fresh_database  # benchmarks/databases.py, beside this script
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.orm import Session

from jobmatch.api import create_app
from jobmatch.api.keys import create_key
from jobmatch.config import Settings
from jobmatch.fixtures.kombo_jobs import generate_jobs
from jobmatch.store.models import Customer, Integration, Posting, PostingDecision, SyncRun
from jobmatch.store.types import utcnow
from jobmatch.sync.mirror import write_page

INTEGRATION_ID = "personio:ReviewBenchmark00000000001"
SOURCES = ("stepstone", "indeed", "xing", "backoffice", "linkedin")
BATCH = 5000


def seed(url: str, jobs: int, postings: int, rng: random.Random) -> tuple[str, list[int]]:
    """A customer with a mirrored pool, `postings` postings (70% waiting for review, 10% without a match, the
    rest linked), and a reviewer key; answers the key and the ids of waiting postings."""
    engine = create_engine(url)
    pool = generate_jobs(jobs)
    with Session(engine) as session, session.begin():
        customer = Customer(slug="bench", name="Bench")
        session.add(Integration(id=INTEGRATION_ID, customer=customer, tool="personio"))
        session.flush()
        run = SyncRun(integration_id=INTEGRATION_ID, kind="full")
        session.add(run)
        session.flush()
        for start in range(0, len(pool), 500):
            write_page(session, INTEGRATION_ID, run.id, pool[start:start + 500], utcnow())
        key = create_key(session, "bench", "reviewer", "Bench Reviewer")
        customer_id = customer.id
    now = utcnow()
    with engine.begin() as connection:
        for start in range(0, postings, BATCH):
            rows = []
            for n in range(start, min(start + BATCH, postings)):
                job = pool[rng.randrange(len(pool))]
                roll = rng.random()
                decision = (PostingDecision.NEEDS_REVIEW if roll < 0.7 else
                            PostingDecision.NO_MATCH if roll < 0.8 else PostingDecision.LINKED)
                candidates = [] if decision == PostingDecision.NO_MATCH else [
                    {"job_id": pick["id"], "rank": rank, "score": 90.0 - 5 * rank, "method": "title",
                     "reasons": ["title 90% similar"], "active": True}
                    for rank, pick in enumerate([job, *rng.sample(pool, 2)], start=1)]
                rows.append({
                    "customer_id": customer_id, "source": SOURCES[n % len(SOURCES)], "external_id": f"p-{n}",
                    "title": job["name"] or "Mitarbeiter",
                    "location": {"city": (job.get("location") or {}).get("city")},
                    "decision": decision, "linked_job_id": job["id"] if decision == PostingDecision.LINKED else None,
                    "link_method": "reviewer" if decision == PostingDecision.LINKED else None,
                    "candidates": candidates, "created_at": now, "updated_at": now, "version": 1,
                })
            connection.execute(insert(Posting), rows)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))  # what autovacuum does within a minute of a bulk load
    with Session(engine) as session:
        waiting = list(session.scalars(select(Posting.id).where(Posting.decision == PostingDecision.NEEDS_REVIEW)
                                       .order_by(Posting.id)))
    engine.dispose()
    return key, waiting


def timed(send, count: int) -> list[float]:
    times = []
    for n in range(count):
        started = time.perf_counter()
        response = send(n)
        times.append((time.perf_counter() - started) * 1000)
        if response is not None and response.status_code >= 400:
            raise RuntimeError(f"{response.status_code}: {response.get_data(as_text=True)[:300]}")
    return times


def figures(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"p50_ms": round(statistics.median(ordered), 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2)}


def old_queue(url: str, customer_id: int, requests: int, deep: int) -> list[float]:
    """The queue's reads before keyset paging, as SQL: a page at OFFSET, four COUNTs and a GROUP BY."""
    engine = create_engine(url)
    waiting = "customer_id = :c AND withdrawn_at IS NULL AND decision IN ('needs_review', 'no_match')"
    statements = [
        f"SELECT * FROM postings WHERE {waiting} ORDER BY id LIMIT 51 OFFSET :o",
        f"SELECT count(id) FROM postings WHERE {waiting}",
        "SELECT count(id) FROM postings WHERE customer_id = :c AND withdrawn_at IS NULL AND decision = 'needs_review'",
        "SELECT count(id) FROM postings WHERE customer_id = :c AND withdrawn_at IS NULL AND decision = 'no_match'",
        ("SELECT count(id) FROM postings WHERE customer_id = :c AND withdrawn_at IS NULL AND linked_job_id IN "
         "(SELECT id FROM ats_jobs WHERE remote_deleted_at IS NOT NULL"
         " OR coalesce(status, '') IN ('CLOSED', 'ARCHIVED'))"),
        f"SELECT source, count(id) FROM postings WHERE {waiting} GROUP BY source ORDER BY source",
    ]
    with engine.connect() as connection:
        def send(n: int) -> None:
            for statement in statements:
                connection.execute(text(statement), {"c": customer_id, "o": deep if n % 2 else 0}).all()
        times = timed(send, requests)
    engine.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(0)
    load_before = os.getloadavg()
    with fresh_database("postgresql") as url:
        key, waiting = seed(url, args.jobs, args.postings, rng)
        settings = Settings(url, "https://api.kombo.dev", None, None, Path("/tmp/jobmatch-review-bench"),
                            secret_key="b" * 40)
        app = create_app(settings)
        client = app.test_client()
        client.get("/review/sign-in")
        with client.session_transaction("/review/") as cookie:
            token = cookie["csrf"]
        client.post("/review/sign-in", data={"key": key, "csrf_token": token})
        middle = waiting[len(waiting) // 2]
        with Session(create_engine(url)) as session:
            customer_id = session.scalar(select(func.min(Customer.id)))
        routes = {
            "GET /healthz": lambda n: client.get("/healthz"),
            "GET /review/ (queue, first page)": lambda n: client.get("/review/"),
            "GET /review/?after=<middle> (keyset page)": lambda n: client.get(f"/review/?after={middle}"),
            "GET /review/?source=indeed&after=<middle>":
                lambda n: client.get(f"/review/?source=indeed&after={middle}"),
            "GET /review/postings/<id>": lambda n: client.get(f"/review/postings/{waiting[n * 37 % len(waiting)]}"),
            "POST /v1/review/next":
                lambda n: client.post("/v1/review/next", headers={"Authorization": f"Bearer {key}"}),
        }
        for send in routes.values():  # warm up: pools, templates, connections
            timed(send, 5)
        results = {name: figures(timed(send, args.requests)) for name, send in routes.items()}
        results["SQL of the queue before keyset paging (OFFSET 0 / deep, 4 COUNTs, GROUP BY)"] = figures(
            old_queue(url, customer_id, args.requests, len(waiting) // 2))
        app.extensions["jobmatch.database"].close()
    health = results["GET /healthz"]["p99_ms"]
    for figure in results.values():
        figure["p99_vs_healthz"] = round(figure["p99_ms"] / health, 1)
    print(json.dumps({"postings": args.postings, "waiting": len(waiting), "requests_per_route": args.requests,
                      "target_p99_ms": 100, "results": results,
                      "load_average_before": [round(x, 2) for x in load_before],
                      "load_average_after": [round(x, 2) for x in os.getloadavg()]}, indent=2))


if __name__ == "__main__":
    main()

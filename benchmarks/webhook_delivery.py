"""Outbound webhooks: how fast the outbox drains to a receiver on loopback, and what an endpoint adds to
POST /v1/postings, on SQLite and PostgreSQL.

    python benchmarks/webhook_delivery.py [--events 2000] [--postings 600] [--repeat 3]

Delivery: `--events` postings are stored for a customer with one endpoint (one event each), then one
Deliverer drains the outbox to a receiver in a process of its own that answers 204. The baseline, in the same
run, is the least a sender must do for as many events: sign each body by Standard Webhooks and POST it with one
httpx client to the same receiver, with no database. Posting: the same app (Flask's test client, in process,
so the figure is the app's own work; its queue on a redis-server of the run's own, as in production) takes `--postings` postings for a customer without an endpoint and as many
for one with an endpoint, interleaved, against a pool of 2,000 generated jobs; per-request p50/p99 of each.
Prints one JSON object per backend: medians over the runs, and the load average before and after.
"""

import argparse
import dataclasses
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime

import httpx
from databases import fresh_database  # benchmarks/databases.py, beside this script
from sqlalchemy import func, select
from standardwebhooks import Webhook

from jobmatch.api import create_app
from jobmatch.api.database import database
from jobmatch.api.deliveries import Deliverer
from jobmatch.api.keys import create_key
from jobmatch.api.webhook_endpoints import new_secret
from jobmatch.config import Settings
from jobmatch.fixtures.kombo_jobs import generate_jobs
from jobmatch.store.models import (Customer, DeliveryStatus, Integration, SyncRun, WebhookDelivery, WebhookEndpoint,
                                   WebhookSubscription)
from jobmatch.store.types import utcnow
from jobmatch.sync.mirror import write_page

LOOPBACK = frozenset({"127.0.0.1"})
RECEIVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def start_redis() -> tuple[subprocess.Popen, str]:
    """The task queue production runs on: a redis-server of the run's own, keeping nothing on disk."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def start_receiver() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    port = int(process.stdout.readline())
    return process, f"http://127.0.0.1:{port}/hooks"


def seed(app, url: str, jobs: list[dict]) -> dict[str, str]:
    """Two customers on one pool's copy each: `plain` without an endpoint, `hooked` with one; a poster key each."""
    sessions = database(app).sessions
    keys = {}
    with sessions.begin() as session:
        for slug in ("plain", "hooked"):
            integration = f"personio:{slug}"
            session.add(Integration(id=integration, customer=Customer(slug=slug, name=slug), tool="personio"))
            session.flush()
            run = SyncRun(integration_id=integration, kind="full")
            session.add(run)
            session.flush()
            write_page(session, integration, run.id, [job | {"id": f"{slug}-{job['id']}"} for job in jobs], utcnow())
            keys[slug] = create_key(session, slug, "poster")
        hooked = session.scalars(select(Customer).where(Customer.slug == "hooked")).one()
        session.add(WebhookEndpoint(customer_id=hooked.id, url=url, secret=new_secret(),
                                    subscriptions=[WebhookSubscription(event_type="*")]))
    return keys


def posting(job: dict, n: int, run: str) -> dict:
    city = (job.get("location") or {}).get("city")
    return {"external_id": f"{run}-{n}", "source": "stepstone", "title": job["name"] or "Koch",
            "job_code": job.get("job_code") if n % 3 == 0 else None, "location": {"city": city} if city else None}


def post_latencies(client, keys: dict[str, str], jobs: list[dict], count: int, run: str) -> dict[str, list[float]]:
    rng = random.Random(run)
    times = {"plain": [], "hooked": []}
    for n in range(count):
        for slug in ("plain", "hooked") if n % 2 else ("hooked", "plain"):
            body = posting(rng.choice(jobs), n, f"{run}-{slug}")
            start = time.perf_counter()
            answer = client.post("/v1/postings", json=body, headers={"Authorization": f"Bearer {keys[slug]}"})
            times[slug].append(time.perf_counter() - start)
            assert answer.status_code == 201, answer.json
    return times


def drain_rate(app, count: int) -> tuple[float, int]:
    sessions = database(app).sessions
    settings = app.extensions["jobmatch.settings"]
    with sessions() as session:
        pending = session.scalar(select(func.count()).where(WebhookDelivery.status == DeliveryStatus.PENDING))
    assert pending >= count, pending
    start = time.perf_counter()
    result = Deliverer(sessions, settings.outbound_allow, 30).drain()
    elapsed = time.perf_counter() - start
    assert result.failed == 0, result
    return result.delivered / elapsed, result.delivered


def baseline_rate(url: str, count: int) -> float:
    """Sign and POST `count` bodies like an event's with one client: a sender's least work, no database."""
    webhook = Webhook(new_secret())
    body = json.dumps({"type": "posting.needs_review", "timestamp": "2026-12-01T09:00:00Z",
                       "data": {"posting": {"id": 1, "title": "Produktionsmitarbeiter (m/w/d)", "candidates": []}}})
    with httpx.Client(timeout=10) as http:
        start = time.perf_counter()
        for n in range(count):
            now = datetime.now(UTC)
            headers = {"webhook-id": f"msg_{n}", "webhook-timestamp": str(int(now.timestamp())),
                       "webhook-signature": webhook.sign(f"msg_{n}", now, body), "content-type": "application/json"}
            http.post(url, content=body, headers=headers).raise_for_status()
        return count / (time.perf_counter() - start)


def ms(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100)[int(q) - 1] * 1000, 2) if q < 100 else round(max(values) * 1000, 2)


def run_backend(backend: str, args, jobs: list[dict], url: str, redis_url: str) -> dict:
    runs = []
    for repeat in range(args.repeat):
        with fresh_database(backend) as db_url, tempfile.TemporaryDirectory() as folder:
            settings = dataclasses.replace(Settings.from_env({
                "JOBMATCH_DATABASE_URL": db_url, "JOBMATCH_INSTANCE_PATH": folder, "JOBMATCH_REDIS_URL": redis_url,
            }), outbound_allow=LOOPBACK)
            app = create_app(settings)
            keys = seed(app, url, jobs)
            client = app.test_client()
            post_latencies(client, keys, jobs, 50, f"warm{repeat}")  # builds both customers' indexes
            Deliverer(database(app).sessions, LOOPBACK, 30).drain()
            times = post_latencies(client, keys, jobs, args.postings, f"r{repeat}")
            hooked = {"Authorization": f"Bearer {keys['hooked']}"}
            for n in range(args.events - args.postings):  # more events for the drain, all for the endpoint
                body = posting(jobs[n % len(jobs)], n, f"extra{repeat}")
                assert client.post("/v1/postings", json=body, headers=hooked).status_code == 201
            rate, delivered = drain_rate(app, args.events)
            base = baseline_rate(url, delivered)
            database(app).close()
        runs.append({"drain_events_per_s": rate, "baseline_events_per_s": base, "delivered": delivered,
                     "post_p50_without_ms": ms(times["plain"], 50), "post_p50_with_ms": ms(times["hooked"], 50),
                     "post_p99_without_ms": ms(times["plain"], 99), "post_p99_with_ms": ms(times["hooked"], 99)})
    median = {key: round(statistics.median(run[key] for run in runs), 2) for key in runs[0]}
    median["drain_vs_baseline"] = round(median["drain_events_per_s"] / median["baseline_events_per_s"], 3)
    median["post_p50_added_ms"] = round(median["post_p50_with_ms"] - median["post_p50_without_ms"], 2)
    return {"backend": backend, "runs": len(runs), "median": median}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--postings", type=int, default=600, help="per customer, for the latency comparison")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    args.events = max(args.events, args.postings)
    jobs = [job for job in generate_jobs(2000, seed=5) if job["name"].strip()]
    receiver, url = start_receiver()
    redis, redis_url = start_redis()
    try:
        load_before = os.getloadavg()
        for backend in args.backends.split(","):
            result = run_backend(backend, args, jobs, url, redis_url)
            result["queue"] = "redis"
            result["loadavg_before"] = [round(x, 2) for x in load_before]
            result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
            result["python"] = sys.version.split()[0]
            print(json.dumps(result), flush=True)
            load_before = os.getloadavg()
    finally:
        for process in (receiver, redis):
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()

"""The API under load: gunicorn (jobmatch.api.wsgi:app with jobmatch/api/gunicorn_conf.py) on a fresh PostgreSQL
database holding a 10,000-job pool mirrored the way a sync writes it; a fixed number of clients on loopback
POST realistic postings (advert titles, some with a job code or URL), then GET each posting back, then GET
/healthz as often, the baseline route of the same app that does no database work. Each phase is timed on its
own, so each route's requests/s is its own capacity.

    python benchmarks/api_load.py [--postings 2000] [--concurrency 8] [--workers 2,3] [--threads 1,2] [--repeat 3]
                                  [--in-use 2000]

Before the first layout's runs, `--in-use` postings are stored untimed and the tables analyzed, as a database in
use has them. Prints one JSON object per worker layout: per route the requests/s and p50/p99 latency (median over the runs),
errors, and the postings acknowledged (201/200) against those stored in the database afterwards. The server runs
on the interpreter that runs this script (its environment's gunicorn), which the report names: a CPython built
with PGO and LTO (a distribution's, the official Docker image's) served 10-21% more than a plain build.
"""

import argparse
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from databases import fresh_database  # benchmarks/databases.py, beside this script
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from jobmatch.api.keys import create_key
from jobmatch.fixtures.kombo_jobs import generate_jobs
from jobmatch.store.models import Customer, Integration, Posting, SyncRun
from jobmatch.store.types import utcnow
from jobmatch.sync.mirror import write_page

INTEGRATION_ID = "personio:LoadBenchmark000000000001"
ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PAGE = 500


def seed(url: str, jobs: list[dict], keys: int) -> list[str]:
    """A customer with one integration, its pool mirrored page by page as a sync would, and poster keys."""
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        session.add(Integration(id=INTEGRATION_ID, customer=Customer(slug="load", name="Load"), tool="personio"))
        session.flush()
        run = SyncRun(integration_id=INTEGRATION_ID, kind="full")
        session.add(run)
        session.flush()
        for start in range(0, len(jobs), PAGE):
            write_page(session, INTEGRATION_ID, run.id, jobs[start:start + PAGE], utcnow())
        api_keys = [create_key(session, "load", "poster") for _ in range(keys)]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))  # what autovacuum does within a minute of a bulk load
    engine.dispose()
    return api_keys


def analyze(url: str) -> None:
    """What autovacuum does once a table has grown (this server may run without it): fresh statistics, after
    which each connection plans its cached statements again. Without them the foreign-key checks of a posting's
    keys keep the plan made for an empty `postings`, a sequential scan that grows with every posting."""
    engine = create_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE postings, posting_keys"))
    engine.dispose()


def postings(jobs: list[dict], count: int, run: str, rng: random.Random) -> list[dict]:
    """Postings as multiposters send them for jobs of the pool: all carry the advert's title and city; some a
    job code, some the post URL, the rest only the title."""
    out, titled = [], [job for job in jobs if job["name"].strip()]  # a few adverts have no title
    for n in range(count):
        job = rng.choice(titled)
        city = (job.get("location") or {}).get("city")
        body = {"external_id": f"{run}-{n}", "source": rng.choice(("stepstone", "indeed", "backoffice")),
                "title": job["name"], "location": {"city": city} if city else None}
        kind = rng.random()
        if kind < 0.3 and job.get("job_code"):
            body["job_code"] = job["job_code"]
        elif kind < 0.5 and job.get("post_url"):
            body["post_url"] = job["post_url"]
        out.append(body)
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(url: str, workers: int, threads: int, instance: Path):
    port = free_port()
    env = {**os.environ, "JOBMATCH_DATABASE_URL": url, "JOBMATCH_INSTANCE_PATH": str(instance),
           "JOBMATCH_GUNICORN_BIND": f"127.0.0.1:{port}", "JOBMATCH_GUNICORN_WORKERS": str(workers),
           "JOBMATCH_GUNICORN_THREADS": str(threads)}
    log = open(instance / "gunicorn.log", "w")
    process = subprocess.Popen([GUNICORN, "-c", "jobmatch/api/gunicorn_conf.py", "jobmatch.api.wsgi:app"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            probe = Client(port, key="")
            status, _ = probe.request("GET", "/healthz")
            probe.close()
            if status == 200:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start; see {instance / 'gunicorn.log'}")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


class Client:
    """HTTP/1.1 over one socket, kept alive while the server allows (gunicorn's sync workers close each).

    The generator shares the two cores with the server it measures, so it should cost as little as it can: this
    writes the request bytes and reads the answer by its Content-Length, a fraction of what http.client's
    header parsing costs per request (and httpx's far more)."""

    def __init__(self, port: int, key: str) -> None:
        self._port = port
        self._headers = f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n".encode()
        self._socket: socket.socket | None = None
        self._buffer = b""

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int | None, bytes]:
        payload = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\n".encode() + self._headers
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n".encode()
        message = head + b"\r\n" + payload
        for attempt in (1, 2):  # a kept-alive connection the server closed meanwhile fails once, on reuse
            try:
                if self._socket is None:
                    self._socket = socket.create_connection(("127.0.0.1", self._port), timeout=30)
                    self._buffer = b""
                self._socket.sendall(message)
                return self._response()
            except OSError:
                self.close()
                if attempt == 2:
                    return None, b""
        raise AssertionError("unreachable")

    def _response(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self._buffer:
            self._receive()
        head, _, self._buffer = self._buffer.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        length = int(headers.get("content-length", "0"))
        while len(self._buffer) < length:
            self._receive()
        body, self._buffer = self._buffer[:length], self._buffer[length:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return int(status_line.split(" ", 2)[1]), body

    def _receive(self) -> None:
        chunk = self._socket.recv(65536)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        self._buffer += chunk

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def phase(port: int, keys: list[str], work: list[tuple[str, str, dict | None]], concurrency: int,
          latencies: list[float], errors: dict[str, int]) -> tuple[float, list[bytes]]:
    """`concurrency` clients share the requests; returns the wall time and each successful answer's body."""
    lock = threading.Lock()
    queue = iter(enumerate(work))
    answers: list[bytes] = [b""] * len(work)

    def client(number: int) -> None:
        connection = Client(port, keys[number % len(keys)])
        try:
            while True:
                with lock:
                    item = next(queue, None)
                if item is None:
                    return
                n, (method, path, body) = item
                started = time.perf_counter()
                status, answer = connection.request(method, path, body)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if status is None or status >= 300:
                        errors["no answer" if status is None else str(status)] += 1
                    else:
                        answers[n] = answer
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, answers


def load(port: int, keys: list[str], bodies: list[dict], concurrency: int) -> dict:
    """Three phases with the same clients: POST every posting, GET each acknowledged one back, then as many GETs
    of /healthz. Each route is timed on its own, so its requests/s is its own capacity, not a share of a mix."""
    report, acknowledged = {}, set()
    for route in ("POST /v1/postings", "GET /v1/postings/{id}", "GET /healthz"):
        if route.startswith("POST"):
            work = [("POST", "/v1/postings", body) for body in bodies]
        elif "{id}" in route:
            work = [("GET", f"/v1/postings/{posting_id}", None) for posting_id in sorted(acknowledged)]
        else:
            work = [("GET", "/healthz", None)] * len(bodies)
        latencies: list[float] = []
        errors: dict[str, int] = defaultdict(int)
        wall, answers = phase(port, keys, work, concurrency, latencies, errors)
        if route.startswith("POST"):
            acknowledged = {json.loads(answer)["id"] for answer in answers if answer}
        report[route] = {"requests_per_s": round(len(latencies) / wall, 1),
                         "p50_ms": round(percentile(latencies, 50) * 1000, 1),
                         "p99_ms": round(percentile(latencies, 99) * 1000, 1), "errors": dict(errors)}
    return {"routes": report, "acknowledged": acknowledged}


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def stored(url: str, ids: set[int]) -> set[int]:
    engine = create_engine(url)
    with Session(engine) as session:
        found = set(session.scalars(select(Posting.id).where(Posting.id.in_(ids)))) if ids else set()
        total = session.scalar(select(func.count()).select_from(Posting))
    engine.dispose()
    return found, total


def median_routes(runs: list[dict]) -> dict:
    out = {}
    for route in runs[0]["routes"]:
        values = [run["routes"][route] for run in runs]
        out[route] = {name: statistics.median(v[name] for v in values) for name in values[0] if name != "errors"}
        out[route]["errors"] = {status: sum(v["errors"].get(status, 0) for v in values)
                                for status in sorted({status for v in values for status in v["errors"]})}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--postings", type=int, default=2000, help="POSTs per run")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", default="2,3", help="gunicorn worker counts to compare")
    parser.add_argument("--threads", default="1,2", help="threads per worker to compare (1: sync, more: gthread)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--in-use", type=int, default=2000, help="postings stored, untimed, before the runs")
    args = parser.parse_args()

    rng = random.Random(7)
    jobs = generate_jobs(args.jobs, seed=1)
    report = {"jobs": args.jobs, "postings_per_run": args.postings, "concurrency": args.concurrency,
              "repeat": args.repeat, "cpus": os.cpu_count(), "load_average_before": os.getloadavg(),
              "python": f"{platform.python_version()} ({sys.executable})", "layouts": []}
    with fresh_database("postgresql") as url, tempfile.TemporaryDirectory() as folder:
        keys, layouts_run = seed(url, jobs, keys=4), 0
        for workers in (int(w) for w in args.workers.split(",")):
            for threads in (int(t) for t in args.threads.split(",")):
                instance = Path(folder) / f"w{workers}t{threads}"
                instance.mkdir()
                runs = []
                with gunicorn(url, workers, threads, instance) as port:
                    # every worker builds the customer's index on its first posting; not part of the measure
                    load(port, keys, postings(jobs, 8 * workers, f"warm{workers}-{threads}", rng), args.concurrency)
                    if not layouts_run:  # a database in use holds postings, and autovacuum has analyzed them
                        load(port, keys, postings(jobs, args.in_use, "in-use", rng), args.concurrency)
                        analyze(url)
                    layouts_run += 1
                    for n in range(args.repeat):
                        bodies = postings(jobs, args.postings, f"w{workers}t{threads}r{n}", rng)
                        runs.append(load(port, keys, bodies, args.concurrency))
                acknowledged = set().union(*(run["acknowledged"] for run in runs))
                found, _ = stored(url, acknowledged)
                report["layouts"].append({
                    "workers": workers, "threads": threads, "worker_class": "sync" if threads == 1 else "gthread",
                    "postings_per_s": statistics.median(
                        run["routes"]["POST /v1/postings"]["requests_per_s"] for run in runs),
                    "routes": median_routes(runs),
                    "postings_acknowledged": len(acknowledged),
                    "acknowledged_missing": len(acknowledged - found),
                })
    report["load_average_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

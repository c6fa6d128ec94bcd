"""Two `jobmatch worker` processes on one Redis, asked to sync one integration at once: one run at a time, the
other request waits its turn as one more run, and the mirror ends equal to Kombo's truth."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from jobmatch.api.pools import Pools
from jobmatch.api.tasks import Tasks, make_huey
from jobmatch.config import Settings
from jobmatch.store.models import AtsJob, Integration, SyncRun
from tests.factories import INTEGRATION_ID, add_integration
from tests.reliability.conftest import JOB_COUNT


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.1)


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as stderr:
        return subprocess.Popen([sys.executable, "-m", "jobmatch.cli", "worker", "--workers", "1"], env=env,
                                stdout=subprocess.DEVNULL, stderr=stderr)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def runs(sessions) -> list[SyncRun]:
    with sessions() as session:
        return list(session.scalars(select(SyncRun).order_by(SyncRun.id)))


def test_two_workers_asked_at_once_sync_one_at_a_time(database_url, sessions, tmp_path, kombo, redis_server) -> None:
    add_integration(sessions)
    env = os.environ | {
        "JOBMATCH_DATABASE_URL": database_url, "JOBMATCH_INSTANCE_PATH": str(tmp_path),
        "JOBMATCH_REDIS_URL": redis_server.url, "KOMBO_BASE_URL": kombo.base_url, "KOMBO_API_KEY": kombo.api_key,
    }
    settings = Settings.from_env(env)
    queue = Tasks(settings, sessions, Pools(), make_huey(settings))  # the API's side of the queue
    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    workers = [start_worker(env, log) for log in logs]
    try:
        for log in logs:
            wait_for(lambda: "consumer started" in log.read_text(), f"start of {log.name}")
        kombo.faults.add("slow", page=2, delay=2.0)  # the first run holds the lease a while
        queue.enqueue_sync(INTEGRATION_ID)
        queue.enqueue_sync(INTEGRATION_ID)  # e.g. an admin's request beside the safety net's
        wait_for(lambda: [r.outcome for r in runs(sessions)] == ["succeeded"] and queue.huey.scheduled_count() == 1,
                 "one finished run and the other request waiting for its turn")
    finally:
        for process in workers:
            stop(process)
    assert sum("is already running" in log.read_text() for log in logs) == 1
    # The waiting request is the one more run: it reads what changed meanwhile (its 30 s delay, cut short here).
    kombo.edit_job(INTEGRATION_ID, sorted(kombo.truth(INTEGRATION_ID))[0], name="Changed during the first run")
    [retry] = queue.huey.scheduled()
    queue.huey.storage.flush_schedule()
    queue.huey.execute(retry, timestamp=retry.eta)
    first, second = runs(sessions)
    assert (first.kind, second.kind, second.outcome) == ("full", "incremental", "succeeded")
    assert second.started_at >= first.finished_at  # never two at once
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(AtsJob)) == JOB_COUNT
        mirror = dict(session.execute(select(AtsJob.id, AtsJob.data)).all())
        integration = session.get_one(Integration, INTEGRATION_ID)
    assert mirror == kombo.truth(INTEGRATION_ID)
    assert (integration.sync_requested, integration.sync_lease_owner) == (False, None)

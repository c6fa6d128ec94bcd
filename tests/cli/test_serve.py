"""`jobmatch serve` and `jobmatch worker` as operators run them: real processes, stopped by a signal."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from jobmatch.api.pools import Pools
from jobmatch.api.tasks import Tasks, make_huey
from jobmatch.config import Settings

from jobmatch.fixtures.fake_kombo import FakeKombo
from jobmatch.fixtures.kombo_jobs import generate_jobs
from jobmatch.store.models import SyncRun
from tests.factories import INTEGRATION_ID, add_api_key, add_integration

SECRET = "whsec-serve-test"
JOBMATCH = [sys.executable, "-m", "jobmatch.cli"]


@pytest.fixture
def kombo() -> Iterator[FakeKombo]:
    with FakeKombo(api_key="serve-key") as fake:
        fake.add_integration(INTEGRATION_ID, jobs=generate_jobs(30, seed=5))
        yield fake


def environment(database_url: str, tmp_path: Path, kombo: FakeKombo) -> dict[str, str]:
    return os.environ | {
        "JOBMATCH_DATABASE_URL": database_url, "JOBMATCH_INSTANCE_PATH": str(tmp_path / "instance"),
        "KOMBO_BASE_URL": kombo.base_url, "KOMBO_API_KEY": kombo.api_key, "KOMBO_WEBHOOK_SECRET": SECRET,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check: Callable[[], bool], what: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the process exited with {process.returncode} before {what}"
        try:
            if check():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"no {what} within {timeout} s")


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    try:
        _, errors = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0, errors
    return errors


def synced(base: str, key: str) -> bool:
    [item] = httpx.get(f"{base}/v1/integrations", headers={"Authorization": f"Bearer {key}"}).json()["items"]
    return item["last_run"] is not None and item["last_run"]["outcome"] == "succeeded"


def test_serve_answers_and_runs_webhook_syncs_in_process(database_url, sessions, tmp_path, kombo) -> None:
    add_integration(sessions)
    key = add_api_key(sessions, "acme", "admin")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = environment(database_url, tmp_path, kombo)
    process = subprocess.Popen([*JOBMATCH, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: httpx.get(f"{base}/openapi.json").status_code == 200, "OpenAPI document", process)
        assert "/webhooks/kombo" in httpx.get(f"{base}/openapi.json").json()["paths"]
        assert kombo.send_webhook(f"{base}/webhooks/kombo", kombo.data_changed(INTEGRATION_ID), SECRET) == 200
        wait_for(lambda: synced(base, key), "sync run by the in-process consumer", process)
        [item] = httpx.get(f"{base}/v1/integrations", headers={"Authorization": f"Bearer {key}"}).json()["items"]
        assert item["state"] == "ready" and item["jobs"]["total"] == 30
    finally:
        if process.poll() is None:
            errors = stop(process)
    assert f"serving on {base}" in errors


def test_the_worker_runs_syncs_queued_by_another_process(database_url, sessions, tmp_path, kombo) -> None:
    add_integration(sessions)
    env = environment(database_url, tmp_path, kombo)
    process = subprocess.Popen([*JOBMATCH, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        settings = Settings.from_env(env)
        Tasks(settings, sessions, Pools(), make_huey(settings)).enqueue_sync(INTEGRATION_ID)  # as the API does

        def ran() -> bool:
            with sessions() as session:
                return session.scalar(select(SyncRun.outcome)) == "succeeded"

        wait_for(ran, "sync run by the worker", process)
    finally:
        if process.poll() is None:
            errors = stop(process)
    assert "full sync of 1 pages" in errors


def shared_mb(pid: int) -> int:
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return sum(int(line.split()[1]) for line in rollup.splitlines()
               if line.startswith(("Shared_Clean:", "Shared_Dirty:"))) // 1024


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux's /proc")
def test_gunicorn_workers_share_the_modules_and_tables_their_master_loaded(tmp_path) -> None:
    port = free_port()
    env = os.environ | {"JOBMATCH_INSTANCE_PATH": str(tmp_path), "JOBMATCH_GUNICORN_BIND": f"127.0.0.1:{port}",
                        "JOBMATCH_GUNICORN_WORKERS": "2"}
    conf = Path(__file__).parents[2] / "jobmatch" / "api" / "gunicorn_conf.py"
    master = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(conf), "jobmatch.api.wsgi:app"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        children = Path(f"/proc/{master.pid}/task/{master.pid}/children")
        wait_for(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200, "/healthz", master)
        wait_for(lambda: len(children.read_text().split()) == 2, "both workers", master)  # one answers first
        workers = [int(pid) for pid in children.read_text().split()]
        # each worker's own imports and tables would be its own pages: about 20 MB are shared without the master's
        # loading them (the interpreter and the C libraries), about 75 with it
        assert all(shared_mb(pid) >= 50 for pid in workers), [shared_mb(pid) for pid in workers]
    finally:
        master.terminate()
        master.communicate(timeout=30)

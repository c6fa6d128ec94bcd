"""`jobmatch demo` as a newcomer runs it: a real process on a free port with its own instance folder, used
through what it prints (the review URL, the reviewer key, the curl that closes a job in the fake Kombo)."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.cli.test_serve import free_port

JOBMATCH = [sys.executable, "-m", "jobmatch.cli"]
STARTUP_SECONDS = 90  # schema, first sync, 50 postings matched: a few seconds, more on a loaded machine
# variables that would point the demo away from its embedded default
OUTSIDE_SETTINGS = ("JOBMATCH_DATABASE_URL", "JOBMATCH_REDIS_URL", "KOMBO_BASE_URL", "KOMBO_API_KEY",
                    "KOMBO_WEBHOOK_SECRET")


@dataclass
class Demo:
    process: subprocess.Popen
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return self.stdout.read_text()

    def wait_until_ready(self) -> dict[str, str]:
        """What the demo printed: the review URL, the reviewer key, the close command and its posting."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while "Ctrl-C stops the demo" not in self.output():
            assert self.process.poll() is None, f"the demo exited with {self.process.returncode}: {self.errors()}"
            assert time.monotonic() < deadline, f"the demo printed no review URL: {self.output()}{self.errors()}"
            time.sleep(0.2)
        out = self.output()
        return {
            "review": re.search(r"Review page: +(http://\S+/review)\n", out)[1],
            "key": re.search(r"Reviewer key: +(jm_\S+)\n", out)[1],
            "close": re.search(r"(curl -X POST http://\S+/_fake/integrations/\S+/close)\n", out)[1],
            "send": re.search(r"(curl -H 'Authorization: Bearer jm_\S+' -H 'Content-Type: application/json' \\\n"
                              r".*?/v1/postings)\n", out, re.DOTALL)[1],
            "posting": re.search(r"Bearer jm_\S+' (http://\S+/v1/postings/\d+)\n", out)[1],
        }

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        assert self.process.returncode == 0, self.errors()
        assert "demo stopped" in self.errors()

    def errors(self) -> str:
        return self.stderr.read_text()


@pytest.fixture
def run_demo(tmp_path: Path) -> Iterator:
    env = {name: value for name, value in os.environ.items() if name not in OUTSIDE_SETTINGS}
    env["JOBMATCH_INSTANCE_PATH"] = str(tmp_path / "instance")
    port = free_port()
    started: list[Demo] = []

    def run() -> Demo:
        number = len(started)
        stdout, stderr = tmp_path / f"stdout-{number}.txt", tmp_path / f"stderr-{number}.txt"
        with stdout.open("w") as out, stderr.open("w") as err:  # files, not pipes: a full pipe would block it
            process = subprocess.Popen([*JOBMATCH, "demo", "--port", str(port), "--setup-seconds", "1.5"],
                                       env=env, stdout=out, stderr=err, cwd=tmp_path)
        started.append(Demo(process, stdout, stderr))
        return started[-1]

    yield run
    for demo in started:
        if demo.process.poll() is None:
            demo.process.kill()
            demo.process.wait()


def postings(client: httpx.Client, **query: str) -> list[dict]:
    items, cursor = [], None
    while True:
        page = client.get("/v1/postings", params={**query, "limit": 200, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        if not (cursor := page.json()["next_cursor"]):
            return items


def shell(command: str) -> dict:
    """Run a curl the demo printed, as a reader would paste it; its JSON answer."""
    done = subprocess.run(["bash", "-c", f"{command} --silent --fail-with-body"], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, (command, done.stdout, done.stderr)
    return json.loads(done.stdout)


def sign_in(page: httpx.Client, key: str) -> None:
    form = page.get("/review/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
    answer = page.post("/review/sign-in", data={"csrf_token": token, "key": key})
    assert answer.status_code == 302, answer.text
    assert page.get("/review/").status_code == 200


def test_the_demo_serves_postings_to_review_and_follows_a_job_closed_in_the_fake(run_demo) -> None:
    demo = run_demo()
    printed = demo.wait_until_ready()
    out = demo.output()
    assert "Kombo's first sync of the integration is still running (INTEGRATION.SETUP_SYNC_PENDING)" in out
    assert "first sync: full sync of 2 pages" in out and "300 created" in out
    base = printed["review"].removesuffix("/review")
    auth = {"Authorization": f"Bearer {printed['key']}"}
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as page:
        sign_in(page, printed["key"])
        with httpx.Client(base_url=base, headers=auth, timeout=30) as api:
            stored = postings(api)
            assert len(stored) == 50
            assert {p["source"] for p in stored} == {"multiposter", "back-office"}
            decided = {p["decision"] for p in stored}
            assert {"auto_linked", "needs_review", "no_match"} <= decided, decided

            sent = shell(printed["send"])  # a posting as the printed example sends it
            assert sent["decision"] == "needs_review" and sent["candidates"], sent
            shell(printed["close"])  # the printed curl, against the fake's control
            deadline = time.monotonic() + 30
            while (posting := api.get(printed["posting"]).json())["deactivated_in_ats"] is None:
                assert time.monotonic() < deadline, f"the posting never became deactivated: {posting}"
                time.sleep(0.2)
            assert posting["deactivated_in_ats"]["reason"] == "closed" and not posting["can_apply"]
            assert [p["id"] for p in postings(api, deactivated="true")] == [posting["id"]]
        shown = page.get(f"/review/postings/{posting['id']}")
        assert "The linked ATS job is no longer open" in shown.text and "was closed in the ATS" in shown.text
    demo.stop()

    again = run_demo()  # a rerun reuses the customer, integration and postings, and mirrors the fake afresh
    printed = again.wait_until_ready()
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {printed['key']}"}, timeout=30) as api:
        assert len(postings(api)) == 51  # the demo's 50 again and the one sent by hand
        assert postings(api, deactivated="true") == []  # the new fake has the job open again
    again.stop()

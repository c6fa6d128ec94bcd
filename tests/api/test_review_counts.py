"""The queue's counts kept on write (`queue_counts`, triggers of migration 0015) equal a fresh COUNT of the
waiting postings after random sequences of every kind of change: new postings (one and batches, linked
automatically or not), repeats that change a posting, decisions, undo, withdrawal, re-matches after jobs changed,
and a change written as plain SQL."""

import random

import pytest
from sqlalchemy import func, select, update

from jobmatch.api import rematch
from jobmatch.api.pools import Pools
from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.store.models import Posting, QueueCount
from tests.api.helpers import post
from tests.factories import INTEGRATION_ID, sync_page

SOURCES = ("indeed", "stepstone", "xing")
TITLES = (
    {"title": "Pflegefachkraft (m/w/d)", "location": {"city": "Berlin"}},
    {"title": "Pflegefachkraft (m/w/d)"},
    {"title": "Konditor", "job_code": "PF-101"},  # linked automatically by its code
    {"title": "Berufskraftfahrer CE"},
    {"title": "Astronaut"},  # no match
    {"title": "Bäcker (m/w/d)", "location": {"city": "Berlin"}},  # a match once the baker's job is mirrored
)
JOBS = ("job-nurse-berlin", "job-nurse-hamburg", "job-driver-berlin", "job-closed")
BAKER = kombo_job("job-baker", "150", "Bäcker (m/w/d)", job_code="BK-150", city="Berlin")


def counted_on_write(sessions) -> dict[tuple[int, str, str], int]:
    with sessions() as db:
        rows = db.execute(select(QueueCount.customer_id, QueueCount.decision, QueueCount.source,
                                 func.sum(QueueCount.waiting))
                          .group_by(QueueCount.customer_id, QueueCount.decision, QueueCount.source))
        return {(customer_id, decision, source): n for customer_id, decision, source, n in rows if n}


def counted_now(sessions) -> dict[tuple[int, str, str], int]:
    with sessions() as db:
        rows = db.execute(select(Posting.customer_id, Posting.decision, Posting.source, func.count())
                          .where(Posting.withdrawn_at.is_(None), Posting.linked_job_id.is_(None))
                          .group_by(Posting.customer_id, Posting.decision, Posting.source))
        return {(customer_id, decision, source): n for customer_id, decision, source, n in rows}


class Team:
    """The random operations, each through the API (or the sync and re-match it triggers) as in production."""

    def __init__(self, client, keys, sessions, rng: random.Random) -> None:
        self.client, self.keys, self.sessions, self.rng = client, keys, sessions, rng
        self.ids: list[int] = []
        self.sent = 0

    def _body(self) -> dict:
        self.sent += 1
        return {"external_id": f"e-{self.rng.randrange(self.sent + 1)}", "source": self.rng.choice(SOURCES),
                **self.rng.choice(TITLES)}

    def _decide(self, action: str, body: dict | None = None) -> None:
        if self.ids:
            posting_id = self.rng.choice(self.ids)
            self.client.post(f"/v1/postings/{posting_id}/{action}", json=body, headers=self.keys.header("admin"))

    def new_posting(self) -> None:
        answer = post(self.client, self.keys, self._body())
        assert answer.status_code in (200, 201), answer.json
        self.ids.append(answer.json["id"])

    def batch(self) -> None:
        answer = self.client.post("/v1/postings/batch", json={"postings": [self._body() for _ in range(3)]},
                                  headers=self.keys.header("poster"))
        assert answer.status_code < 300, answer.get_data(as_text=True)
        self.ids.extend(item["posting"]["id"] for item in answer.json["results"] if item.get("posting"))

    def link(self) -> None:
        self._decide("link", {"job_id": self.rng.choice(JOBS)})

    def reject_job(self) -> None:
        self._decide("reject", {"job_id": self.rng.choice(JOBS)})

    def not_in_the_ats(self) -> None:
        self._decide("reject", {})

    def unlink(self) -> None:
        self._decide("unlink")

    def undo(self) -> None:
        self._decide("undo")

    def withdraw(self) -> None:
        if self.ids:
            self.client.delete(f"/v1/postings/{self.rng.choice(self.ids)}", headers=self.keys.header("poster"))

    def jobs_change(self) -> None:
        status = self.rng.choice(["OPEN", "CLOSED"])
        sync_page(self.sessions, [BAKER | {"status": status}, kombo_job(
            "job-nurse-hamburg", "102", "Pflegefachkraft (m/w/d)", job_code="PF-102", city="Hamburg", status=status)])
        rematch.rematch_changes(self.sessions, Pools(), INTEGRATION_ID, "jobs changed")

    def plain_sql(self) -> None:
        if self.ids:
            with self.sessions.begin() as db:
                self.sent += 1
                db.execute(update(Posting).where(Posting.id == self.rng.choice(self.ids)).values(
                    source=self.rng.choice(SOURCES), external_id=f"moved-{self.sent}", decision="no_match"))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_counts_kept_on_write_equal_a_fresh_count(client, keys, sessions, seed) -> None:
    team = Team(client, keys, sessions, random.Random(seed))
    operations = [team.new_posting] * 4 + [team.batch, team.link, team.link, team.reject_job, team.not_in_the_ats,
                                           team.unlink, team.undo, team.undo, team.withdraw, team.jobs_change,
                                           team.plain_sql]
    for step in range(60):
        team.rng.choice(operations)()
        if step % 10 == 9:
            assert counted_on_write(sessions) == counted_now(sessions), f"after step {step}"
    assert counted_on_write(sessions) == counted_now(sessions)
    assert sum(counted_now(sessions).values()) > 0


def test_the_queue_shows_the_counts_kept_on_write(client, keys, sessions) -> None:
    """The page reads its counts from `queue_counts`: a count changed there is what the page shows."""
    from tests.api.test_pages import sign_in

    post(client, keys, {"external_id": "a", "source": "indeed", "title": "Astronaut"})
    with sessions.begin() as db:
        db.execute(update(QueueCount).where(QueueCount.source == "indeed").values(waiting=41))  # one slot holds it
    sign_in(client, keys.reviewer)
    page = client.get("/review/").get_data(as_text=True)
    assert '<span class="count">41</span>' in page

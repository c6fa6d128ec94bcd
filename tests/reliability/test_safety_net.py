"""The safety net: integrations nobody asked to sync for a while are synced anyway, once per interval whatever
the number of workers, and a sync request whose task was lost is rescued."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from jobmatch.api.pools import Pools
from jobmatch.api.tasks import Tasks, make_huey
from jobmatch.config import Settings
from jobmatch.store.models import Integration, SyncRun
from jobmatch.store.types import utcnow
from jobmatch.sync.kombo import KomboClient
from jobmatch.sync.runner import SyncRunner
from jobmatch.sync.webhooks import request_sync
from tests.factories import INTEGRATION_ID, add_integration

OTHER = "greenhouse:Other"


@pytest.fixture
def settings(database_url, tmp_path, kombo) -> Settings:
    return Settings(database_url, kombo.base_url, kombo.api_key, None, tmp_path, safety_sync_minutes=60)


def worker(settings, sessions) -> Tasks:
    """What each `jobmatch worker` builds: its own Huey on the shared queue."""
    return Tasks(settings, sessions, Pools(), make_huey(settings))


def add_run(sessions, integration_id: str, started_ago: timedelta, kind: str = "incremental") -> None:
    with sessions.begin() as session:
        started = utcnow() - started_ago
        session.add(SyncRun(integration_id=integration_id, kind=kind, outcome="succeeded", started_at=started,
                            finished_at=started))


def age(sessions, integration_id: str, by: timedelta) -> None:
    with sessions.begin() as session:
        session.execute(update(Integration).where(Integration.id == integration_id)
                        .values(created_at=utcnow() - by))


def flag(sessions) -> bool:
    with sessions() as session:
        return session.get_one(Integration, INTEGRATION_ID).sync_requested


def test_only_integrations_not_synced_for_the_interval_are_queued(settings, sessions) -> None:
    add_integration(sessions)
    add_integration(sessions, OTHER, slug="other")
    age(sessions, INTEGRATION_ID, timedelta(days=1))
    age(sessions, OTHER, timedelta(days=1))
    add_run(sessions, INTEGRATION_ID, timedelta(minutes=61))
    add_run(sessions, OTHER, timedelta(minutes=59))
    add_run(sessions, OTHER, timedelta(minutes=30), kind="targeted")
    tasks = worker(settings, sessions)
    assert tasks.safety_net() == [INTEGRATION_ID]
    assert tasks.huey.pending_count() == 1
    assert flag(sessions) is True


def test_a_new_integration_counts_from_its_creation(settings, sessions) -> None:
    add_integration(sessions)
    tasks = worker(settings, sessions)
    assert tasks.safety_net() == []
    assert tasks.safety_net(now=utcnow() + timedelta(minutes=61)) == [INTEGRATION_ID]


def test_a_targeted_lookup_does_not_count_as_a_sync(settings, sessions) -> None:
    add_integration(sessions)
    age(sessions, INTEGRATION_ID, timedelta(days=1))
    add_run(sessions, INTEGRATION_ID, timedelta(minutes=1), kind="targeted")
    assert worker(settings, sessions).safety_net() == [INTEGRATION_ID]


def test_many_workers_queue_one_sync_per_interval(settings, sessions) -> None:
    add_integration(sessions)
    age(sessions, INTEGRATION_ID, timedelta(days=1))
    workers = [worker(settings, sessions) for _ in range(3)]  # one queue, as three machines share one Redis
    assert [w.safety_net() for w in workers] == [[INTEGRATION_ID], [], []]
    assert workers[0].huey.pending_count() == 1
    later = utcnow() + timedelta(minutes=30)
    assert workers[1].safety_net(now=later) == []  # the queued sync has not run, but was asked for
    much_later = utcnow() + timedelta(minutes=61)
    assert workers[2].safety_net(now=much_later) == [INTEGRATION_ID]  # still no run: that task was lost


def test_a_flag_stuck_by_a_lost_task_is_rescued_and_the_run_clears_it(settings, sessions, kombo) -> None:
    add_integration(sessions)
    age(sessions, INTEGRATION_ID, timedelta(days=1))
    with sessions.begin() as session:
        assert request_sync(session, INTEGRATION_ID)  # its task is lost: nothing is queued
    with sessions.begin() as session:
        assert not request_sync(session, INTEGRATION_ID)  # later requests coalesce into the lost one
    tasks = worker(settings, sessions)
    assert tasks.safety_net() == [INTEGRATION_ID]
    tasks.huey.execute(tasks.huey.dequeue())
    with sessions() as session:
        assert session.scalar(select(SyncRun.outcome)) == "succeeded"
    assert flag(sessions) is False
    assert tasks.safety_net() == []


def test_requests_during_a_run_coalesce_into_exactly_one_more(sessions, kombo) -> None:
    add_integration(sessions)
    answers = []

    def webhooks_arrive(progress) -> None:
        if progress.pages == 1:
            for _ in range(3):
                with sessions.begin() as session:
                    answers.append(request_sync(session, INTEGRATION_ID))

    with KomboClient(api_key=kombo.api_key, base_url=kombo.base_url) as client:
        SyncRunner(sessions, client, on_progress=webhooks_arrive).sync(INTEGRATION_ID)
        assert answers == [True, False, False]  # one enqueue, two coalesced
        assert flag(sessions) is True
        SyncRunner(sessions, client).sync(INTEGRATION_ID)  # the one more run
    assert flag(sessions) is False


def test_every_consumer_runs_the_safety_net_every_minute(settings, sessions) -> None:
    huey = worker(settings, sessions).huey
    for minute in range(3):
        moment = utcnow().replace(tzinfo=None, second=0, microsecond=0) + timedelta(minutes=minute)  # Huey's naive UTC
        assert sorted(task.name for task in huey.read_periodic(moment)) == [
            "deliver_webhooks_sweep", "feeds_due", "safety_net"]

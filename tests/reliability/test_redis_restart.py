"""Redis restarted while a sync is queued (it keeps nothing on disk): the task is gone, its request flag stays
set so webhooks coalesce into nothing, and the safety net catches up."""

from datetime import timedelta

from sqlalchemy import select

from jobmatch.api.pools import Pools
from jobmatch.api.tasks import Tasks, make_huey
from jobmatch.config import Settings
from jobmatch.store.models import AtsJob, Integration, SyncRun
from jobmatch.sync.webhooks import request_sync
from tests.factories import INTEGRATION_ID, add_integration


def test_a_sync_lost_with_redis_is_caught_up_by_the_safety_net(database_url, sessions, tmp_path, kombo,
                                                               redis_server) -> None:
    add_integration(sessions)
    settings = Settings(database_url, kombo.base_url, kombo.api_key, None, tmp_path, redis_url=redis_server.url)
    tasks = Tasks(settings, sessions, Pools(), make_huey(settings))
    tasks.enqueue_sync(INTEGRATION_ID)
    tasks.huey.execute(tasks.huey.dequeue())  # the first sync, an hour and more ago
    with sessions.begin() as session:
        run = session.scalars(select(SyncRun)).one()
        run.started_at -= timedelta(minutes=90)

    job_id = sorted(kombo.truth(INTEGRATION_ID))[0]
    kombo.close_job(INTEGRATION_ID, job_id)  # Kombo says so by webhook: a sync is queued
    with sessions.begin() as session:
        assert request_sync(session, INTEGRATION_ID)
    tasks.enqueue_sync(INTEGRATION_ID)
    assert tasks.huey.pending_count() == 1

    redis_server.restart()
    assert tasks.huey.pending_count() == 0  # lost with the restart
    with sessions.begin() as session:
        assert not request_sync(session, INTEGRATION_ID)  # the next webhook coalesces into the lost task

    assert tasks.safety_net() == [INTEGRATION_ID]
    assert tasks.safety_net() == []  # another worker in the same minute queues nothing more
    assert tasks.huey.pending_count() == 1
    tasks.huey.execute(tasks.huey.dequeue())

    with sessions() as session:
        outcomes = session.scalars(select(SyncRun.outcome).order_by(SyncRun.id)).all()
        integration = session.get_one(Integration, INTEGRATION_ID)
        mirror = dict(session.execute(select(AtsJob.id, AtsJob.data)).all())
    assert outcomes == ["succeeded", "succeeded"]
    assert integration.sync_requested is False
    assert mirror == kombo.truth(INTEGRATION_ID) and mirror[job_id]["status"] == "CLOSED"

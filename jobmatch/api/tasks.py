"""Background work on a Huey queue: the syncs Kombo's webhooks and admins ask for, the re-matching that
follows them, and a safety net that syncs integrations nobody asked about for a while. The app enqueues;
`jobmatch worker` (or the consumer inside `jobmatch serve`) runs the tasks and the safety net's schedule."""

import logging
from datetime import datetime, timedelta

from flask import current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import Task
from huey.exceptions import CancelExecution, RetryTask
from redis import ConnectionPool
from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from jobmatch import logs
from jobmatch.api import rematch
from jobmatch.api.pools import Pools
from jobmatch.config import Settings
from jobmatch.store.models import Integration, SyncKind, SyncRun
from jobmatch.store.types import utcnow
from jobmatch.sync.errors import KomboSetupPending, KomboUnavailable
from jobmatch.sync.kombo import KomboClient
from jobmatch.sync.lease import SyncInProgress
from jobmatch.sync.runner import SyncResult, SyncRunner

log = logging.getLogger(__name__)

# Waiting out Kombo's first sync or an outage: 30 s doubling, 8 times (about two hours in all). Kombo's
# sync-finished webhook requests a new sync anyway once its first sync is done.
RETRIES = 8
FIRST_RETRY_DELAY = 30
SAFETY_NET_REASON = "ATS jobs changed since postings were last matched"


def current_tasks() -> "Tasks":
    """The app's task queue, within a request."""
    return current_app.extensions["jobmatch.tasks"]


def make_huey(settings: Settings) -> Huey:
    """RedisHuey when JOBMATCH_REDIS_URL is set, else SqliteHuey in the instance folder. No results are kept:
    nobody reads them, and the task's outcome is recorded as a sync run."""
    if settings.redis_url:  # a Redis that does not answer fails the call in seconds, not never
        pool = ConnectionPool.from_url(settings.redis_url, socket_connect_timeout=5)
        return RedisHuey("jobmatch", connection_pool=pool, results=False)
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("jobmatch", filename=str(settings.instance_path / "tasks.db"), results=False)


class Tasks:
    """The queue and its task, bound to one configuration; the app and the worker each make one."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], pools: Pools, huey: Huey) -> None:
        self.settings = settings
        self.sessions = sessions
        self.pools = pools
        self.huey = huey
        self._sync = huey.task(retries=RETRIES, context=True, name="sync_integration")(self._run_sync)
        self._rematch = huey.task(name="rematch_customer")(self._run_rematch)
        huey.periodic_task(crontab(minute="*"), name="safety_net")(self.safety_net)

    def enqueue_rematch(self, customer_id: int, reason: str) -> None:
        """Queue a re-match of what the customer's latest job changes concern (jobmatch.api.rematch)."""
        self._rematch(customer_id, reason)

    def _run_rematch(self, customer_id: int, reason: str) -> None:
        with logs.bind(customer_id=customer_id):
            rematch.rematch_customer(self.sessions, self.pools, customer_id, reason)

    def enqueue_sync(self, integration_id: str) -> None:
        """Queue a sync that `request_sync` flagged. If the queue refuses it the flag is cleared again: every
        later request would otherwise coalesce into a sync that never runs."""
        try:
            self._sync(integration_id)
        except Exception:
            with self.sessions.begin() as session:
                session.execute(
                    update(Integration).where(Integration.id == integration_id).values(sync_requested=False)
                )
            raise

    def safety_net(self, now: datetime | None = None) -> list[str]:
        """Queue a sync of every integration whose last sync started longer ago than JOBMATCH_SAFETY_SYNC_MINUTES
        (webhooks can be lost); the ids queued. Runs every minute in every consumer: claiming the integration's
        `safety_sync_at` lets one consumer per interval queue it. The sync is queued whether or not
        `sync_requested` is set: an old run with the flag set means its queued task was lost (Redis restarted,
        tasks.db deleted), and the run clears the flag."""
        now = now or utcnow()
        cutoff = now - timedelta(minutes=self.settings.safety_sync_minutes)
        queued = []
        for integration_id in self._due(cutoff):
            with self.sessions.begin() as session:
                claimed = session.execute(
                    update(Integration)
                    .where(Integration.id == integration_id, _not_claimed_since(cutoff))
                    .values(safety_sync_at=now, sync_requested=True)
                ).rowcount
            if not claimed:
                continue  # another consumer queued it this interval
            try:
                self.enqueue_sync(integration_id)
            except Exception:
                log.exception("safety net could not queue a sync of %s", integration_id)
                continue
            log.info("safety net queued a sync of %s", integration_id, extra={"integration_id": integration_id})
            queued.append(integration_id)
        self._rematch_due()
        return queued

    def _rematch_due(self) -> None:
        """Queue the re-matches a crash cut short, and those of postings matched against a pool that was behind
        (jobmatch.api.rematch.due). Every consumer may queue one: a second run finds nothing to change."""
        with self.sessions() as session:
            customers = rematch.due(session)
        for customer_id in customers:
            try:
                self.enqueue_rematch(customer_id, SAFETY_NET_REASON)
            except Exception:
                log.exception("safety net could not queue a re-match of customer %s", customer_id)

    def _due(self, cutoff: datetime) -> list[str]:
        last_started = (
            select(func.max(SyncRun.started_at))
            .where(SyncRun.integration_id == Integration.id, SyncRun.kind != SyncKind.TARGETED)
            .scalar_subquery()
        )
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(Integration.id)
                    .where(func.coalesce(last_started, Integration.created_at) < cutoff, _not_claimed_since(cutoff))
                    .order_by(Integration.id)
                )
            )

    def _run_sync(self, integration_id: str, task: Task) -> None:
        with logs.bind(integration_id=integration_id, task_id=task.id):
            if not self.settings.kombo_api_key:
                log.error("sync of %s not run: KOMBO_API_KEY is not set", integration_id)
                raise CancelExecution(retry=False)
            with KomboClient(api_key=self.settings.kombo_api_key, base_url=self.settings.kombo_base_url) as client:
                try:
                    result = sync_integration(self.sessions, client, self.pools, integration_id)
                except (KomboSetupPending, KomboUnavailable, SyncInProgress) as exc:
                    raise _retry_later(integration_id, task, exc) from exc
                except Exception as exc:  # recorded on the sync run; retrying cannot help
                    log.error("sync of %s failed: %s", integration_id, exc)
                    raise CancelExecution(retry=False) from exc
            log.info("%s: %s", integration_id, result.summary, extra={"run_id": result.run_id})


def _not_claimed_since(cutoff: datetime) -> ColumnElement[bool]:
    return or_(Integration.safety_sync_at.is_(None), Integration.safety_sync_at < cutoff)


def _retry_later(integration_id: str, task: Task, exc: Exception) -> Exception:
    """RetryTask with the next delay of the doubling series (longer if Kombo asked for it); once the task's
    retries are used up, the sync is given up until the next request. A run of the integration in progress
    (another worker) is waited out too: changes made since it started still need this one."""
    if task.retries == 0:
        log.error("sync of %s given up after %d retries: %s", integration_id, RETRIES, exc)
        return CancelExecution(retry=False)
    task.retries -= 1  # RetryTask alone retries forever: Huey counts it back up
    delay = FIRST_RETRY_DELAY * 2 ** (RETRIES - 1 - task.retries)
    if isinstance(exc, KomboUnavailable) and exc.retry_after:
        delay = max(delay, round(exc.retry_after))
    log.warning("sync of %s retried in %d s: %s", integration_id, delay, exc)
    return RetryTask(delay=delay)


def sync_integration(
    sessions: sessionmaker[Session], client: KomboClient, pools: Pools, integration_id: str
) -> SyncResult:
    """Sync one integration, then re-match the waiting postings its changes concern (jobmatch.api.rematch), so a
    job that just appeared in the ATS is found."""
    result = SyncRunner(sessions, client).sync(integration_id)
    rematch.rematch_changes(sessions, pools, integration_id, sync_reason(result))
    return result


def sync_reason(result: SyncResult) -> str:
    """Why postings were matched again after a sync, as their REMATCHED events say."""
    return (f"ATS jobs changed in sync run {result.run_id}: "
            f"{result.created} created, {result.updated} updated, {result.deleted} deleted")

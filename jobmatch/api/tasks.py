"""Background work on a Huey queue: the syncs Kombo's webhooks and admins ask for, lookups of identifiers the
mirror did not know, the re-matching that follows them, a safety net that syncs integrations nobody asked about
for a while, and the reconciling full read of each integration every JOBMATCH_RECONCILE_HOURS. The app enqueues;
`jobmatch worker` (or the consumer inside `jobmatch serve`) runs the tasks and the schedules."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import Task
from huey.exceptions import CancelExecution, RetryTask
from redis import ConnectionPool
from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from jobmatch import logs
from jobmatch.api import lookups, outbox, rematch
from jobmatch.api.outbound_tasks import OutboundTasks
from jobmatch.api.pools import Pools
from jobmatch.config import Settings
from jobmatch.store.models import Integration, SyncKind, SyncOutcome, SyncRun
from jobmatch.store.types import utcnow
from jobmatch.sync.errors import KomboSetupPending, KomboUnavailable
from jobmatch.sync.kombo import KomboClient, RetryPolicy
from jobmatch.sync.lease import SyncInProgress
from jobmatch.sync.runner import DEFAULT_OVERLAP, SyncResult, SyncRunner

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
        self._lookup = huey.task(retries=RETRIES, context=True, name="look_up_jobs")(self._run_lookup)
        self._rematch = huey.task(name="rematch_customer")(self._run_rematch)
        huey.periodic_task(crontab(minute="*"), name="safety_net")(self.safety_net)
        huey.periodic_task(crontab(minute="*"), name="reconcile")(self.reconcile)
        self.outbound = OutboundTasks(settings, sessions, pools, huey)

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
        queued = self._claim_and_queue(
            self._due(cutoff), _not_claimed_since(cutoff), {"safety_sync_at": now, "sync_requested": True},
            self.enqueue_sync, "safety net sync",
        )
        self._rematch_due()
        return queued

    def reconcile(self, now: datetime | None = None) -> list[str]:
        """Queue a full read of every integration whose last successful full read started longer ago than
        JOBMATCH_RECONCILE_HOURS: it marks the jobs Kombo no longer returns vanished. The ids queued; claimed
        through `reconcile_at` like the safety net, so one consumer per interval queues each."""
        now = now or utcnow()
        cutoff = now - timedelta(hours=self.settings.reconcile_hours)
        last_full = (
            select(func.max(SyncRun.started_at))
            .where(
                SyncRun.integration_id == Integration.id,
                SyncRun.kind == SyncKind.FULL,
                SyncRun.outcome == SyncOutcome.SUCCEEDED,
            )
            .scalar_subquery()
        )
        not_claimed = or_(Integration.reconcile_at.is_(None), Integration.reconcile_at < cutoff)
        with self.sessions() as session:
            due = list(
                session.scalars(
                    select(Integration.id)
                    .where(func.coalesce(last_full, Integration.created_at) < cutoff, not_claimed)
                    .order_by(Integration.id)
                )
            )
        return self._claim_and_queue(
            due, not_claimed, {"reconcile_at": now}, lambda integration_id: self._sync(integration_id, full=True),
            "reconciliation",
        )

    def _claim_and_queue(
        self,
        due: list[str],
        not_claimed: ColumnElement[bool],
        claim: dict[str, Any],
        enqueue: Callable[[str], None],
        what: str,
    ) -> list[str]:
        """Claim each due integration (one conditional UPDATE: the consumer that wins queues it) and queue its
        task; the ids queued."""
        queued = []
        for integration_id in due:
            with self.sessions.begin() as session:
                claimed = session.execute(
                    update(Integration).where(Integration.id == integration_id, not_claimed).values(**claim)
                ).rowcount
            if not claimed:
                continue  # another consumer queued it this interval
            try:
                enqueue(integration_id)
            except Exception:
                log.exception("could not queue the %s of %s", what, integration_id)
                continue
            log.info("%s of %s queued", what, integration_id, extra={"integration_id": integration_id})
            queued.append(integration_id)
        return queued

    def request_lookups(self, customer_id: int, posting: dict[str, Any]) -> list[str]:
        """Queue a lookup of the posting's identifiers the customer's mirror does not know, joining the lookup
        already waiting for each integration or starting one after JOBMATCH_LOOKUP_DELAY_SECONDS; the ids of
        the integrations whose lookup this started. A queue that refuses it costs the posting nothing: the
        identifiers stay recorded and join the next lookup, and the next sync brings the job anyway."""
        with self.sessions.begin() as session:
            started = lookups.request(session, customer_id, posting)
        for integration_id in started:
            try:
                self._lookup.schedule((integration_id,), delay=self.settings.lookup_delay_seconds)
            except Exception:
                log.exception("could not queue the lookup for %s", integration_id)
                with self.sessions.begin() as session:
                    session.execute(
                        update(Integration).where(Integration.id == integration_id).values(lookup_requested=False)
                    )
        return started

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

    def _run_sync(self, integration_id: str, task: Task, full: bool = False) -> None:
        self._run(integration_id, task, lambda runner: runner.sync(integration_id, full=full))

    def _run_lookup(self, integration_id: str, task: Task) -> None:
        self._run(integration_id, task, lambda runner: lookups.run(self.sessions, runner, integration_id))

    def _run(self, integration_id: str, task: Task, work: Callable[[SyncRunner], SyncResult | None]) -> None:
        """Run a sync or lookup of the integration, retried later while Kombo is not ready or busy, then
        re-match what it changed."""
        with logs.bind(integration_id=integration_id, task_id=task.id):
            if not self.settings.kombo_api_key:
                log.error("%s of %s not run: KOMBO_API_KEY is not set", task.name, integration_id)
                raise CancelExecution(retry=False)
            retry = RetryPolicy(max_server_wait=self.settings.max_retry_after_seconds)
            with KomboClient(self.settings.kombo_api_key, self.settings.kombo_base_url, retry=retry) as client:
                runner = SyncRunner(self.sessions, client, overlap=timedelta(seconds=self.settings.sync_overlap_seconds))
                try:
                    result = work(runner)
                except (KomboSetupPending, KomboUnavailable, SyncInProgress) as exc:
                    raise _retry_later(integration_id, task, exc) from exc
                except Exception as exc:  # recorded on the sync run; retrying cannot help
                    log.error("%s of %s failed: %s", task.name, integration_id, exc)
                    raise CancelExecution(retry=False) from exc
            if result is not None:
                after_jobs_changed(self.sessions, self.pools, result)
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
    sessions: sessionmaker[Session],
    client: KomboClient,
    pools: Pools,
    integration_id: str,
    *,
    full: bool = False,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> SyncResult:
    """Sync one integration (a reconciling full read when `full`), then re-match what it changed."""
    result = SyncRunner(sessions, client, overlap=overlap).sync(integration_id, full=full)
    after_jobs_changed(sessions, pools, result)
    return result


def after_jobs_changed(sessions: sessionmaker[Session], pools: Pools, result: SyncResult) -> rematch.Rematched:
    """What every run that may have changed jobs ends in (queued sync, reconciliation, lookup, `jobmatch sync` and
    `jobmatch lookup`): tell the endpoints of postings whose linked job was closed, deleted, vanished or opened
    again, re-match the waiting postings the changes concern (jobmatch.api.rematch), so a job that just
    appeared in the ATS is found, and renew the customer's pool snapshots where they fell behind
    (jobmatch.api.pool_snapshots), so a process starting cold loads its pool instead of building it. What was
    matched again."""
    if result.changed_jobs:
        with sessions.begin() as session:
            outbox.job_states_changed(session, outbox.jobs_whose_state_changed(session, result.run_id))
    rematched = rematch.rematch_changes(sessions, pools, result.integration_id, sync_reason(result))
    with sessions() as session:
        customer_id = session.scalar(select(Integration.customer_id).where(Integration.id == result.integration_id))
    if customer_id is not None:
        try:
            pools.keep_snapshots(sessions, customer_id)
        except Exception:  # a cache: the next cold start builds the pool instead
            log.exception("could not renew the pool snapshots of customer %s", customer_id)
    return rematched


def sync_reason(result: SyncResult) -> str:
    """Why postings were matched again after a sync, as their REMATCHED events say."""
    reason = (f"ATS jobs changed in sync run {result.run_id}: "
              f"{result.created} created, {result.updated} updated, {result.deleted} deleted")
    if result.vanished or result.restored:
        reason += f", {result.vanished} vanished, {result.restored} restored"
    return reason

"""The queue's outbound work: sending the outbox (right after a commit that wrote to it, at each retry's time,
and every minute for whatever a lost queue entry or a dead worker left behind), and fetching job feeds (every
JOBMATCH_FEED_MINUTES, and on request)."""

import logging
from datetime import datetime, timedelta

from huey import Huey, crontab
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.api import outbox
from jobmatch.api.deliveries import Deliverer
from jobmatch.api.feed_fetch import FeedFetcher
from jobmatch.api.pools import Pools
from jobmatch.config import Settings
from jobmatch.store.models import Feed
from jobmatch.store.types import utcnow

log = logging.getLogger(__name__)


class OutboundTasks:
    def __init__(self, settings: Settings, sessions: sessionmaker[Session], pools: Pools, huey: Huey) -> None:
        self.sessions = sessions
        self.feed_interval = timedelta(minutes=settings.feed_minutes)
        self.deliverer = Deliverer(sessions, settings.outbound_allow, settings.webhook_retry_seconds)
        self.fetcher = FeedFetcher(sessions, pools, settings.outbound_allow)
        self._deliver = huey.task(name="deliver_webhooks")(self.deliver)
        self._fetch = huey.task(name="fetch_feed")(self.fetch_feed)
        huey.periodic_task(crontab(minute="*"), name="deliver_webhooks_sweep")(self.deliver)
        huey.periodic_task(crontab(minute="*"), name="feeds_due")(self.queue_due_feeds)
        event.listen(sessions, "after_commit", self._deliver_soon)

    def deliver(self) -> None:
        result = self.deliverer.drain()
        if result.next_retry_at is not None:
            self._deliver.schedule(eta=result.next_retry_at)
        if result.delivered or result.failed:
            log.info("webhooks: %d delivered, %d failed", result.delivered, result.failed)

    def deliver_soon(self) -> None:
        """Queue a drain of the outbox; if the queue refuses, the minute's sweep sends the events instead."""
        try:
            self._deliver()
        except Exception:
            log.exception("could not queue the delivery of webhooks; the next sweep sends them")

    def _deliver_soon(self, session: Session) -> None:
        if session.info.pop(outbox.WRITTEN, False):
            self.deliver_soon()

    def fetch_feed(self, feed_id: int) -> None:
        run = self.fetcher.fetch(feed_id)
        log.info("feed %d: %s, %d jobs, %d new, %d withdrawn, %d refused", feed_id, run.outcome, run.jobs,
                 run.created, run.withdrawn, run.refused)

    def fetch_feed_soon(self, feed_id: int) -> None:
        self._fetch(feed_id)

    def queue_due_feeds(self, now: datetime | None = None) -> list[int]:
        """Queue a fetch of every feed not taken for JOBMATCH_FEED_MINUTES; the ids queued. Every consumer runs
        this each minute: claiming the feed's `claimed_at` lets one of them queue it per interval."""
        now = now or utcnow()
        cutoff = now - self.feed_interval
        not_claimed = or_(Feed.claimed_at.is_(None), Feed.claimed_at <= cutoff)
        with self.sessions() as session:
            due = list(session.scalars(select(Feed.id).where(not_claimed).order_by(Feed.id)))
        queued = []
        for feed_id in due:
            with self.sessions.begin() as session:
                claimed = session.execute(update(Feed).where(Feed.id == feed_id, not_claimed)
                                          .values(claimed_at=now)).rowcount
            if claimed:
                try:
                    self._fetch(feed_id)
                except Exception:
                    log.exception("could not queue a fetch of feed %d", feed_id)
                    continue
                queued.append(feed_id)
        return queued

"""The queue's outbound work: sending the outbox (right after a commit that wrote to it, at each retry's time,
and every minute for whatever a lost queue entry or a dead worker left behind)."""

import logging

from huey import Huey, crontab
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.api import outbox
from jobmatch.api.deliveries import Deliverer
from jobmatch.config import Settings

log = logging.getLogger(__name__)


class OutboundTasks:
    def __init__(self, settings: Settings, sessions: sessionmaker[Session], huey: Huey) -> None:
        self.deliverer = Deliverer(sessions, settings.outbound_allow, settings.webhook_retry_seconds)
        self._deliver = huey.task(name="deliver_webhooks")(self.deliver)
        huey.periodic_task(crontab(minute="*"), name="deliver_webhooks_sweep")(self.deliver)
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

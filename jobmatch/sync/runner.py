"""Full, incremental and targeted syncs of one integration: read every page from Kombo, write each page in its
own transaction while the next one is read, and move the watermark only once the whole read succeeded.

The watermark is the moment the fetch started. It is saved after the last page was written, so a run that fails
or is killed leaves it where it was and the next run reads the same changes again; writing a page twice is
harmless because pages are upserted by Kombo id. An incremental read asks from the watermark minus an overlap,
so a Kombo clock somewhat behind ours loses nothing.

A full read that completes reconciles: the jobs it did not return are marked vanished (Kombo purged them), in
the transaction that moves the watermark, so an interrupted read marks nothing.
"""

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.store.models import Integration, SetupState, SyncKind, SyncOutcome, SyncRun
from jobmatch.store.types import utcnow
from jobmatch.sync import lease
from jobmatch.sync.errors import CUSTOMER_ACTION_CODES, KomboError, KomboSetupPending
from jobmatch.sync.kombo import JobPage, KomboClient
from jobmatch.sync.mirror import PageCounts, mark_vanished, restore_vanished, vanished_ids, write_page
from jobmatch.sync.prefetch import prefetched

log = logging.getLogger(__name__)

DEFAULT_OVERLAP = timedelta(minutes=5)


class UnknownIntegration(LookupError):
    pass


@dataclass(frozen=True)
class SyncResult:
    run_id: int
    integration_id: str
    kind: str
    outcome: str
    pages: int
    created: int
    updated: int
    deleted: int
    unchanged: int
    started_at: datetime
    finished_at: datetime
    vanished: int = 0
    restored: int = 0
    quarantined: int = 0
    without_id: int = 0

    @property
    def changed_jobs(self) -> bool:
        """Whether the run changed what matching sees: jobs created, updated, deleted, vanished or restored."""
        return bool(self.created or self.updated or self.deleted or self.vanished or self.restored)

    @property
    def duration(self) -> timedelta:
        return self.finished_at - self.started_at

    @property
    def summary(self) -> str:
        text = (
            f"{self.kind} sync of {self.pages} pages in {self.duration.total_seconds():.2f} s: {self.created} created, "
            f"{self.updated} updated, {self.deleted} deleted, {self.unchanged} unchanged"
        )
        if self.kind == SyncKind.FULL or self.restored:
            text += f", {self.vanished} vanished, {self.restored} restored"
        if self.quarantined:
            text += f"; {self.quarantined} quarantined"
        if self.without_id:
            text += f"; {self.without_id} without an id, not stored"
        return text


@dataclass(frozen=True)
class Progress:
    """Reported after each written page."""

    integration_id: str
    pages: int
    jobs: int


class SyncRunner:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: KomboClient,
        *,
        clock: Callable[[], datetime] = utcnow,
        on_progress: Callable[[Progress], None] | None = None,
        overlap: timedelta = DEFAULT_OVERLAP,
    ) -> None:
        if overlap < timedelta(0):
            raise ValueError(f"overlap must not be negative, got {overlap}")
        self.sessions = sessions
        self.client = client
        self.clock = clock
        self.on_progress = on_progress
        self.overlap = overlap

    def sync(self, integration_id: str, *, full: bool = False) -> SyncResult:
        """Incremental when a watermark exists (include_deleted, updated_after=watermark - overlap), else full.

        Both read the integration's `statuses` (every status unless it chose some, so closed and archived jobs
        are known too). A full read that completes marks the jobs it did not return vanished.
        """
        with self.sessions() as session:
            integration = session.get(Integration, integration_id)
            if integration is None:
                raise UnknownIntegration(f"no integration {integration_id!r}; add it with `jobmatch integrations add`")
            updated_after = None if full or integration.watermark is None else integration.watermark - self.overlap
            statuses = integration.statuses
        kind = SyncKind.INCREMENTAL if updated_after else SyncKind.FULL
        return self._run(
            integration_id,
            kind,
            updated_after,
            lambda: self.client.job_pages(
                integration_id, updated_after=updated_after, include_deleted=True, statuses=statuses
            ),
            statuses,
        )

    def lookup(
        self,
        integration_id: str,
        *,
        ids: tuple[str, ...] = (),
        remote_ids: tuple[str, ...] = (),
        job_codes: tuple[str, ...] = (),
        post_url: str | None = None,
        name_contains: str | None = None,
    ) -> SyncResult:
        """Fetch just the jobs a customer named (codes, ids, a URL, a word of the title) and mirror them.

        Identifiers are asked with `ignore_unsupported_filters`, so an ATS that cannot filter by one answers
        rather than fails; only the jobs that carry an identifier asked for are kept, and a page with others
        (the filter was ignored: every job follows) ends that identifier's lookup rather than reading them all.
        Targeted runs never move the watermark: they did not read everything that changed.
        """
        with self.sessions() as session:
            if session.get(Integration, integration_id) is None:
                raise UnknownIntegration(f"no integration {integration_id!r}; add it with `jobmatch integrations add`")

        def pages() -> Iterator[JobPage]:
            for field, wanted in (("id", ids), ("remote_id", remote_ids), ("job_code", job_codes)):
                if wanted:
                    yield from self._identified(integration_id, field, wanted)
            if post_url:
                yield from self.client.job_pages(integration_id, post_url=post_url, include_deleted=True)
            if name_contains:
                yield from self.client.job_pages(integration_id, name_contains=name_contains, include_deleted=True)

        return self._run(integration_id, SyncKind.TARGETED, None, pages)

    def _identified(self, integration_id: str, field: str, values: tuple[str, ...]) -> Iterator[JobPage]:
        """The pages of a lookup by one identifier, keeping only the jobs that carry a value asked for."""
        found = self.client.find_jobs(
            integration_id, include_deleted=True, ignore_unsupported_filters=True, **{f"{field}s": list(values)}
        )
        wanted = set(values)
        for page in found:
            asked = [job for job in page.results if _text(job.get(field)) in wanted]
            yield JobPage(page.number, asked, page.next_cursor)
            if len(asked) < len(page.results):
                log.warning("%s: Kombo ignored the %ss filter (the ATS lacks it); the next sync brings the jobs",
                            integration_id, field)
                return

    def _run(
        self,
        integration_id: str,
        kind: str,
        updated_after: datetime | None,
        pages: Callable[[], Iterator[JobPage]],
        statuses: list[str] | None = None,
    ) -> SyncResult:
        owner = lease.new_owner()
        run_id, started = self._start(integration_id, kind, updated_after, owner)
        totals = PageCounts()
        page_count = restored = 0
        try:
            with self.sessions() as session:
                gone = vanished_ids(session, integration_id)
            with prefetched(pages) as read:
                for page in read:
                    returned = [job_id for job_id in _ids(page.results) if job_id in gone]
                    with self.sessions.begin() as session:
                        now = self.clock()
                        lease.renew(session, integration_id, owner, now)
                        counts = write_page(session, integration_id, run_id, page.results, now)
                        back = restore_vanished(session, integration_id, run_id, returned, now) if returned else 0
                        _add_to_run(session, run_id, counts, back)
                    gone.difference_update(returned)
                    totals += counts
                    restored += back
                    page_count += 1
                    if self.on_progress:
                        self.on_progress(Progress(integration_id, page_count, totals.total))
            finished, vanished = self._succeed(integration_id, run_id, owner, kind, started, statuses)
        except BaseException as exc:
            self._fail(integration_id, run_id, owner, exc)
            raise
        log.info("sync %s of %s: %d pages, %s, %d vanished, %d restored", kind, integration_id, page_count, totals,
                 vanished, restored)
        return SyncResult(
            run_id, integration_id, kind, SyncOutcome.SUCCEEDED, page_count,
            totals.created, totals.updated, totals.deleted, totals.unchanged, started, finished, vanished, restored,
            quarantined=totals.quarantined, without_id=totals.without_id,
        )

    def _start(self, integration_id: str, kind: str, watermark: datetime | None, owner: str) -> tuple[int, datetime]:
        """Take the integration's lease and record the run; SyncInProgress while another run holds the lease."""
        started = self.clock()
        with self.sessions.begin() as session:
            lease.take(session, integration_id, owner, started)
            # Holding the lease, a run still marked running was cut off (its process died and its lease expired).
            session.execute(
                update(SyncRun)
                .where(SyncRun.integration_id == integration_id, SyncRun.outcome == SyncOutcome.RUNNING)
                .values(outcome=SyncOutcome.ABANDONED, finished_at=started)
            )
            if kind != SyncKind.TARGETED:  # this run serves every sync requested until now (see webhooks)
                session.execute(update(Integration).where(Integration.id == integration_id).values(sync_requested=False))
            run = SyncRun(integration_id=integration_id, kind=kind, started_at=started, watermark_used=watermark)
            session.add(run)
            session.flush()
            return run.id, started

    def _succeed(
        self, integration_id: str, run_id: int, owner: str, kind: str, started: datetime, statuses: list[str] | None
    ) -> tuple[datetime, int]:
        """Record the run's success and move the watermark; a full read also marks what it did not return
        vanished, in the same transaction. The finish time and the number vanished."""
        finished = self.clock()
        vanished = 0
        with self.sessions.begin() as session:
            lease.renew(session, integration_id, owner, finished)  # a run that lost its lease must not reconcile
            if kind == SyncKind.FULL:
                vanished = mark_vanished(session, integration_id, run_id, started, finished, statuses)
            integration = session.get_one(Integration, integration_id, with_for_update=True)
            if kind != SyncKind.TARGETED:
                # Only forward: a slow run that started before a newer finished run must not move it back.
                if integration.watermark is None or started > integration.watermark:
                    integration.watermark = started
                integration.setup_state = SetupState.READY
            if integration.sync_state != "AUTHENTICATION_FAILED":
                integration.needs_action_reason = None
            session.execute(
                update(SyncRun)
                .where(SyncRun.id == run_id)
                .values(outcome=SyncOutcome.SUCCEEDED, finished_at=finished, jobs_vanished=vanished)
            )
            lease.release(session, integration_id, owner)
        return finished, vanished

    def _fail(self, integration_id: str, run_id: int, owner: str, exc: BaseException) -> None:
        outcome = SyncOutcome.WAITING if isinstance(exc, KomboSetupPending) else SyncOutcome.FAILED
        code = exc.code if isinstance(exc, KomboError) else type(exc).__name__
        try:
            with self.sessions.begin() as session:
                session.execute(
                    update(SyncRun)
                    .where(SyncRun.id == run_id)
                    .values(outcome=outcome, finished_at=self.clock(), error_code=code, error=str(exc) or repr(exc))
                )
                if isinstance(exc, KomboError) and exc.code in CUSTOMER_ACTION_CODES:
                    session.execute(
                        update(Integration).where(Integration.id == integration_id).values(needs_action_reason=str(exc))
                    )
                lease.release(session, integration_id, owner)
        except Exception:  # the database may be what failed (the lease then expires); the original error matters more
            log.exception("could not record the failure of sync run %s", run_id)


def _text(value: object) -> str | None:
    """An identifier as the mirror keeps it (a number sent for a string is its text)."""
    return None if value is None or isinstance(value, bool) else str(value)


def _ids(jobs: list[dict]) -> list[str]:
    return [job["id"] for job in jobs if isinstance(job, dict) and isinstance(job.get("id"), str)]


def _add_to_run(session: Session, run_id: int, counts: PageCounts, restored: int) -> None:
    session.execute(
        update(SyncRun)
        .where(SyncRun.id == run_id)
        .values(
            pages=SyncRun.pages + 1,
            jobs_created=SyncRun.jobs_created + counts.created,
            jobs_updated=SyncRun.jobs_updated + counts.updated,
            jobs_deleted=SyncRun.jobs_deleted + counts.deleted,
            jobs_unchanged=SyncRun.jobs_unchanged + counts.unchanged,
            jobs_restored=SyncRun.jobs_restored + restored,
            jobs_quarantined=SyncRun.jobs_quarantined + counts.quarantined,
            jobs_without_id=SyncRun.jobs_without_id + counts.without_id,
        )
    )


def sync_when_ready(
    runner: SyncRunner,
    integration_id: str,
    *,
    full: bool = False,
    max_wait: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
    on_wait: Callable[[KomboSetupPending, float], None] | None = None,
) -> SyncResult:
    """Sync, waiting out Kombo's first sync of a new integration with exponential backoff (5 s doubling to
    5 min) for at most `max_wait` seconds; then the KomboSetupPending error stands."""
    waited, delay = 0.0, 5.0
    while True:
        try:
            return runner.sync(integration_id, full=full)
        except KomboSetupPending as exc:
            if waited + delay > max_wait:
                raise
            if on_wait:
                on_wait(exc, delay)
            sleep(delay)
            waited += delay
            delay = min(delay * 2, 300.0)


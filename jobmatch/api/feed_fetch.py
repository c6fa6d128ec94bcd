"""Fetching a job feed and applying it: each job is stored as a posting of the feed's source through the same
path as POST /v1/postings (one job that fails its checks is counted and skipped alone); once the whole document
has been read, the source's postings it no longer lists are withdrawn. A feed that breaks off withdraws nothing.
The fetch is conditional (ETag, Last-Modified): an unchanged feed costs one request, and unchanged jobs of a
changed feed cost a share of one query each.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.api import decisions, indeed_feed, outbound
from jobmatch.api.pools import Pools
from jobmatch.api.postings import save_posting
from jobmatch.api.schemas import PostingInSchema
from jobmatch.matcher import JobIndex
from jobmatch.store.models import Feed, FeedFetch, FeedOutcome, Posting
from jobmatch.store.types import utcnow

log = logging.getLogger(__name__)

MAX_FEED_BYTES = 1024 * 1024 * 1024  # 100,000 jobs with long descriptions stay far below
WITHDRAW_BATCH = 200
STORE_BATCH = 500  # feed jobs compared with their stored postings per query
MAX_ERROR = 1000


@dataclass
class Applied:
    jobs: int = 0
    created: int = 0
    updated: int = 0  # stored already and changed (or withdrawn before): matched again
    refused: int = 0
    withdrawn: int = 0


class FeedFetcher:
    def __init__(self, sessions: sessionmaker[Session], pools: Pools, allow: frozenset[str]) -> None:
        self.sessions = sessions
        self.pools = pools
        self.allow = allow

    def fetch(self, feed_id: int) -> FeedFetch:
        """Fetch the feed now and apply it; the fetch as recorded."""
        with self.sessions.begin() as session:
            feed = session.get_one(Feed, feed_id)
            run = FeedFetch(feed_id=feed_id, started_at=utcnow())
            session.add(run)
            session.flush()
            run_id, url, validators = run.id, feed.url, {"If-None-Match": feed.etag, "If-Modified-Since": feed.last_modified}
        applied, status, outcome, error = Applied(), None, FeedOutcome.FAILED, None
        try:
            target = outbound.check(url, self.allow)
            with outbound.client() as http, outbound.stream(
                http, "GET", target, {name: value for name, value in validators.items() if value}
            ) as response:
                status = response.status_code
                if status == 304:
                    outcome = FeedOutcome.NOT_MODIFIED
                elif not response.is_success:
                    error = f"the feed's server answered {status}"
                else:
                    self._apply(feed_id, _limited(response.iter_bytes()), applied)
                    self._remember_validators(feed_id, response.headers)
                    outcome = FeedOutcome.UPDATED
        except outbound.OutboundRefused as refused:
            error = f"refused: {refused}"
        except indeed_feed.FeedBroken as broken:
            error = f"{broken}; nothing was withdrawn"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}; nothing was withdrawn"
        return self._finish(run_id, outcome, status, applied, error)

    def _apply(self, feed_id: int, chunks: Iterator[bytes], applied: Applied) -> None:
        with self.sessions() as session:
            feed = session.get_one(Feed, feed_id)
            customer_id, source, actor = feed.customer_id, feed.source, f"feed:{feed.id}"
            index = self.pools.index(session, customer_id)
            schema, seen, batch = PostingInSchema(), set(), []
            for job in indeed_feed.jobs(chunks):
                applied.jobs += 1
                try:
                    fields = schema.load(indeed_feed.posting_fields(job, source))
                except ValidationError as invalid:
                    applied.refused += 1
                    log.warning("feed %d: job %r refused: %s", feed_id, job.get("referencenumber"),
                                invalid.normalized_messages())
                    continue
                seen.add(fields["external_id"])
                batch.append(fields)
                if len(batch) == STORE_BATCH:
                    self._store(session, index, customer_id, actor, batch, applied)
                    batch = []
            self._store(session, index, customer_id, actor, batch, applied)
            # the document was read to its end: what it no longer lists has ended
            applied.withdrawn = self._withdraw_missing(session, customer_id, source, seen, actor)

    def _store(self, session: Session, index: JobIndex, customer_id: int, actor: str,
               batch: list[dict[str, Any]], applied: Applied) -> None:
        """Store the batch's jobs that are new, changed or withdrawn; the stored postings are read in one query
        first, so an unchanged job, most of a feed's every fetch, costs neither a match nor a write."""
        if not batch:
            return
        stored = {posting.external_id: posting for posting in session.scalars(select(Posting).where(
            Posting.customer_id == customer_id, Posting.source == batch[0]["source"],
            Posting.external_id.in_([fields["external_id"] for fields in batch])))}
        for fields in batch:
            posting = stored.get(fields["external_id"])
            if posting is not None and posting.withdrawn_at is None and all(
                    getattr(posting, name) == value for name, value in fields.items()):
                continue
            _, status = save_posting(session, index, customer_id, actor, fields)
            applied.created += status == 201
            applied.updated += status == 200
        session.expunge_all()  # the batch's postings are done with: memory stays flat

    def _withdraw_missing(self, session: Session, customer_id: int, source: str, seen: set[str], actor: str) -> int:
        listed = session.execute(select(Posting.id, Posting.external_id).where(
            Posting.customer_id == customer_id, Posting.source == source, Posting.withdrawn_at.is_(None)))
        missing = [posting_id for posting_id, external_id in listed if external_id not in seen]
        for start in range(0, len(missing), WITHDRAW_BATCH):
            for posting in session.scalars(select(Posting).where(Posting.id.in_(missing[start:start + WITHDRAW_BATCH]))):
                decisions.withdraw(posting, actor)
            session.commit()
        return len(missing)

    def _remember_validators(self, feed_id: int, headers: httpx.Headers) -> None:
        with self.sessions.begin() as session:
            feed = session.get_one(Feed, feed_id)
            feed.etag, feed.last_modified = headers.get("etag"), headers.get("last-modified")

    def _finish(self, run_id: int, outcome: str, status: int | None, applied: Applied, error: str | None) -> FeedFetch:
        with self.sessions.begin() as session:
            run = session.get_one(FeedFetch, run_id)
            run.finished_at, run.outcome, run.http_status, run.error = utcnow(), outcome, status, error and error[:MAX_ERROR]
            run.jobs, run.created, run.updated = applied.jobs, applied.created, applied.updated
            run.refused, run.withdrawn = applied.refused, applied.withdrawn
        if error:
            log.warning("feed fetch %d failed: %s", run_id, error)
        return run


def _limited(chunks: Iterator[bytes]) -> Iterator[bytes]:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > MAX_FEED_BYTES:
            raise indeed_feed.FeedBroken(f"the feed is larger than {MAX_FEED_BYTES // 1024 // 1024} MB")
        yield chunk

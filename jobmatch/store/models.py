"""The tables jobmatch owns. Kombo's job JSON is kept whole in `AtsJob.data`; the columns beside it are the
fields we filter, match and show on, extracted at write time."""

from datetime import datetime
from typing import Any

from sqlalchemy import (BigInteger, ForeignKey, Index, Integer, LargeBinary, SmallInteger, String, Text,
                        UniqueConstraint, false, select, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column, relationship

from jobmatch.store.types import JSONDocument, UTCDateTime, utcnow


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONDocument}


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Matching offers only the jobs the customer exposed; the reviewers' job search still sees every job.
    match_exposed_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The change feed's counter (see jobmatch.store.feed): raised by every transaction that changes one of the
    # customer's jobs (a sync page, an exposure change), which stamps the jobs it changed with the new value.
    jobs_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Only PUBLIC jobs take applications: INTERNAL, UNLISTED and CONFIDENTIAL ones are not applicable.
    only_public_jobs_applicable: Mapped[bool] = mapped_column(default=False, server_default=false())
    # How far re-matching has followed the change feed (jobmatch.api.rematch): the jobs version it re-matched
    # up to, and the moment (its last run's start, less a margin) from which a posting updated but matched
    # against an older pool is looked at again.
    rematched_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    recheck_from: Mapped[datetime | None]

    integrations: Mapped[list["Integration"]] = relationship(back_populates="customer")


class SetupState:
    WAITING = "waiting_for_first_sync"
    READY = "ready"


class Integration(Base):
    """One customer's connection to one ATS through Kombo, and where its mirror stands."""

    __tablename__ = "integrations"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # e.g. personio:CBNMt7dSNCzBdnRTx87dev4E
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    tool: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the last complete fetch started; the next incremental sync asks for jobs updated after it.
    watermark: Mapped[datetime | None]
    setup_state: Mapped[str] = mapped_column(String(32), default=SetupState.WAITING)
    # From Kombo's sync-finished webhook: SUCCEEDED, PARTIALLY_FAILED, FAILED, AUTHENTICATION_FAILED, ...
    sync_state: Mapped[str | None] = mapped_column(String(32))
    sync_state_at: Mapped[datetime | None]
    # Set when only the customer can fix things (credentials, permissions); None when nothing is asked of them.
    needs_action_reason: Mapped[str | None] = mapped_column(Text)
    # True while a requested sync is queued and not yet started: further requests coalesce into it.
    sync_requested: Mapped[bool] = mapped_column(default=False)
    # Held by the run syncing this integration (see jobmatch.sync.lease): who, and until when unless renewed.
    sync_lease_owner: Mapped[str | None] = mapped_column(String(200))
    sync_lease_until: Mapped[datetime | None]
    # When the safety net last queued a sync of it (see jobmatch.api.tasks): once per interval, whatever the workers.
    safety_sync_at: Mapped[datetime | None]
    # The job statuses read from Kombo (its `statuses` filter); None reads every status, which matching needs
    # to tell that a linked job was closed.
    statuses: Mapped[list[str] | None] = mapped_column(JSONDocument)
    # When the schedule last queued a reconciling full read of it: once per JOBMATCH_RECONCILE_HOURS.
    reconcile_at: Mapped[datetime | None]
    # Set while a lookup of unknown identifiers is queued: further identifiers join it (see job_lookups).
    lookup_requested: Mapped[bool] = mapped_column(default=False, server_default=false())

    customer: Mapped[Customer] = relationship(back_populates="integrations")

    @property
    def needs_customer_action(self) -> bool:
        return self.needs_action_reason is not None


class AtsJob(Base):
    """A job as Kombo returns it, mirrored; never removed (Kombo purges deleted jobs after 14 days, we don't)."""

    __tablename__ = "ats_jobs"
    __table_args__ = (
        Index("ix_ats_jobs_integration_job_code", "integration_id", "job_code"),
        Index("ix_ats_jobs_integration_remote_id", "integration_id", "remote_id"),
        Index("ix_ats_jobs_integration_post_url", "integration_id", "post_url"),
        Index("ix_ats_jobs_integration_version", "integration_id", "version"),
    )

    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # Kombo's id
    integration_id: Mapped[str] = mapped_column(ForeignKey("integrations.id"))
    remote_id: Mapped[str | None] = mapped_column(Text)  # required by Kombo; kept as received
    name: Mapped[str | None] = mapped_column(Text)
    job_code: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(64))  # open enum: unknown values are kept
    post_url: Mapped[str | None] = mapped_column(Text)
    remote_url: Mapped[str | None] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(Text)
    location_city: Mapped[str | None] = mapped_column(Text)
    location_zip_code: Mapped[str | None] = mapped_column(Text)
    location_country: Mapped[str | None] = mapped_column(Text)
    location_raw: Mapped[str | None] = mapped_column(Text)
    employment_type: Mapped[str | None] = mapped_column(String(64))
    visibility: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[datetime | None]
    remote_deleted_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # job_postings[].id, remote_id and url as text: identifiers of the job for the matcher
    job_posting_identifiers: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list,
                                                                         server_default="[]")
    # the problems that keep the job out of matching (jobmatch.sync.validation), and since when; None when clean
    quarantine: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONDocument)
    quarantined_at: Mapped[datetime | None]
    # the job JSON exactly as received; loaded only when read, as the columns beside it serve every route
    data: Mapped[dict[str, Any]] = mapped_column(deferred=True)
    exposed: Mapped[bool] = mapped_column(default=False)  # the customer lets us use this job
    # the owning customer's Customer.only_public_jobs_applicable, read with the job (see jobmatch.api.deactivation)
    only_public_jobs_applicable: Mapped[bool] = column_property(
        select(Customer.only_public_jobs_applicable)
        .where(Customer.id == Integration.customer_id, Integration.id == integration_id)
        .correlate_except(Customer, Integration)
        .scalar_subquery()
    )
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_synced_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the customer's jobs_version when this row last changed (see jobmatch.store.feed)
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # the version at which the job last changed in a way that can make it a candidate of a posting that did not
    # have it (added, renamed, its identifiers, place or other matched fields changed, opened, restored, exposed);
    # a change that can only lower it (closed, deleted, vanished, hidden) leaves it: re-matching then looks only
    # at the postings that have the job as a candidate or share an identifier with it
    reach_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # Ours: when a complete full read first no longer returned the job (Kombo purged it); None once it is back.
    vanished_at: Mapped[datetime | None]



class SyncKind:
    FULL = "full"
    INCREMENTAL = "incremental"
    TARGETED = "targeted"


class SyncOutcome:
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    WAITING = "waiting"  # Kombo's first sync of the integration has not finished; nothing was stored
    ABANDONED = "abandoned"  # the process died mid-way; a later run took over


class SyncRun(Base):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[str] = mapped_column(ForeignKey("integrations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    watermark_used: Mapped[datetime | None]  # the updated_after sent; None for full and targeted runs
    pages: Mapped[int] = mapped_column(default=0)
    jobs_created: Mapped[int] = mapped_column(default=0)
    jobs_updated: Mapped[int] = mapped_column(default=0)
    jobs_deleted: Mapped[int] = mapped_column(default=0)
    jobs_unchanged: Mapped[int] = mapped_column(default=0)
    # a complete full read: jobs of the integration it no longer returned, and vanished ones it returned again
    jobs_vanished: Mapped[int] = mapped_column(default=0, server_default="0")
    jobs_restored: Mapped[int] = mapped_column(default=0, server_default="0")
    jobs_quarantined: Mapped[int] = mapped_column(default=0, server_default="0")
    jobs_without_id: Mapped[int] = mapped_column(default=0, server_default="0")  # not storable, logged
    outcome: Mapped[str] = mapped_column(String(16), default=SyncOutcome.RUNNING)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)


class JobChange(Base):
    """One changed field of one job in one sync run: Kombo keeps no previous values, so this history is ours."""

    __tablename__ = "job_changes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("ats_jobs.id"), index=True)
    sync_run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id"))
    field: Mapped[str] = mapped_column(String(200))
    old_value: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobLookup(Base):
    """An identifier a posting gave that the integration's mirror did not know, waiting to be asked of Kombo."""

    __tablename__ = "job_lookups"
    __table_args__ = (UniqueConstraint("integration_id", "field", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[str] = mapped_column(ForeignKey("integrations.id"))
    field: Mapped[str] = mapped_column(String(16))  # job_code or remote_id
    value: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookEvent(Base):
    """Kombo webhook ids already handled: Kombo signs no timestamp, so deduplication is by id."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    integration_id: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Role:
    """What an API key may do: posters send postings, reviewers decide links, admins do both and more. A back
    office is the customer's own system: it posts like a poster and may also search the customer's jobs (its
    "dropdown of ATS jobs"), which a multiposter's poster key, held by a third party, may not."""

    POSTER = "poster"
    BACKOFFICE = "backoffice"
    REVIEWER = "reviewer"
    ADMIN = "admin"
    ALL = (POSTER, BACKOFFICE, REVIEWER, ADMIN)
    # roles that hold another's rights as well; an admin holds every role's
    INCLUDES = {BACKOFFICE: (POSTER,)}


class ApiKey(Base):
    """A customer's API key; only its SHA-256 is stored, the prefix lets people tell keys apart."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    name: Mapped[str | None] = mapped_column(String(200))  # the person or system holding it, shown in histories
    expires_at: Mapped[datetime | None]  # None: valid until revoked
    last_used_at: Mapped[datetime | None]  # kept to the minute (see jobmatch.api.auth), not per request

    customer: Mapped[Customer] = relationship()

    @property
    def label(self) -> str:
        """How people are told who did something: the name, else the prefix."""
        return self.name or f"{self.prefix}…"


class PostingDecision:
    """Where a posting stands: the matcher's three outcomes, or a reviewer's verdict, which re-matching keeps."""

    AUTO_LINKED = "auto_linked"
    NEEDS_REVIEW = "needs_review"
    NO_MATCH = "no_match"
    LINKED = "linked"  # a reviewer chose the job
    REJECTED = "rejected"  # a reviewer said the job is not in the ATS
    ALL = (AUTO_LINKED, NEEDS_REVIEW, NO_MATCH, LINKED, REJECTED)
    BY_REVIEWER = (LINKED, REJECTED)


_WAITING = "withdrawn_at IS NULL AND linked_job_id IS NULL"  # a posting waiting for a link, as indexes hold it


class Posting(Base):
    """A job from a multiposter or the back office, known by the caller's (source, external_id)."""

    __tablename__ = "postings"
    __table_args__ = (
        UniqueConstraint("customer_id", "source", "external_id"),
        # the review queue's counts by bucket and source, read from the index alone (jobmatch.api.review_queue)
        Index("ix_postings_waiting", "customer_id", "decision", "source",
              postgresql_where=text(_WAITING), sqlite_where=text(_WAITING)),
        Index("ix_postings_linked_job_id", "linked_job_id"),  # postings linked to a job that was closed
        Index("ix_postings_customer_updated_at", "customer_id", "updated_at"),
        # waiting postings no re-match run has seen, by their update: a run finds those matched against a pool
        # behind it without reading every posting updated lately (jobmatch.api.rematch.behind_postings)
        Index("ix_postings_unseen_updated_at", "customer_id", "updated_at",
              postgresql_where=text(f"{_WAITING} AND seen_by_rematch IS NOT true"),
              sqlite_where=text(f"{_WAITING} AND seen_by_rematch IS NOT 1")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(Text)
    job_code: Mapped[str | None] = mapped_column(Text)
    remote_id: Mapped[str | None] = mapped_column(Text)
    post_url: Mapped[str | None] = mapped_column(Text)
    location: Mapped[dict[str, Any] | None]
    department: Mapped[str | None] = mapped_column(Text)
    employment_type: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str] = mapped_column(String(16))
    withdrawn_at: Mapped[datetime | None]
    linked_job_id: Mapped[str | None] = mapped_column(ForeignKey("ats_jobs.id"))
    link_method: Mapped[str | None] = mapped_column(String(16))  # a matcher method, or "reviewer"
    link_evidence: Mapped[list[str] | None] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the customer's jobs_version of the pool the posting was last matched against; None before any match
    matched_version: Mapped[int | None] = mapped_column(BigInteger)
    # a re-match run has seen this match committed, so every later run's key lookup covers it: it is never
    # looked at again for changes it may have missed (jobmatch.api.rematch); cleared by every new match
    seen_by_rematch: Mapped[bool | None]
    # Raised by every change a reader could act on (see jobmatch.api.versions): the posting's ETag; a decision
    # sent with an older one is refused rather than applied over a change its sender never saw.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # the words of the title that name the job, without any city but the posting's own removed, then those of
    # each reading of its parts (jobmatch.matcher.keys.posting_keys, stored_words): what re-matching compares a
    # changed job's title with
    title_words: Mapped[str | None] = mapped_column(Text)

    # the last match's suggestions, best first: {job_id, rank, score, method, reasons, active}; always written
    # and read whole with the posting, so a list on it rather than rows of their own
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, server_default="[]", default=list)
    events: Mapped[list["PostingEvent"]] = relationship(order_by="PostingEvent.id", cascade="all, delete-orphan")
    # read to tell whether the link still takes applications; whoever changes linked_job_id expires it
    linked_job: Mapped[AtsJob | None] = relationship(viewonly=True, lazy="selectin")

    __mapper_args__ = {"version_id_col": version}


class PostingKey(Base):
    """A key (identifier, title word, candidate job) a posting waiting for a link shares with every ATS job
    that could concern its match (jobmatch.matcher.keys): re-matching finds the postings a changed job can
    concern by these. Kept only while the posting is neither linked nor withdrawn."""

    __tablename__ = "posting_keys"
    __table_args__ = (Index("ix_posting_keys_customer_key", "customer_id", "key"),)

    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))


class PostingAction:
    AUTO_LINKED = "auto_linked"
    LINKED = "linked"
    REJECTED = "rejected"
    UNLINKED = "unlinked"
    WITHDRAWN = "withdrawn"
    REMATCHED = "rematched"
    UNDONE = "undone"
    BY_REVIEWER = (LINKED, REJECTED, UNLINKED)  # the decisions a reviewer can undo


class PostingEvent(Base):
    """One step of a posting's decision history: who did what, to which job, when."""

    __tablename__ = "posting_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    job_id: Mapped[str | None] = mapped_column(ForeignKey("ats_jobs.id"))
    actor: Mapped[str] = mapped_column(String(32))  # an API key's prefix, or "system"
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    actor_name: Mapped[str | None] = mapped_column(String(200))  # the key's name when it acted
    # a reviewer's decision: the posting as it was before, which undo restores
    before: Mapped[dict[str, Any] | None]
    undoes_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("posting_events.id"))  # the decision an undo took back

    @property
    def actor_label(self) -> str:
        return self.actor_name or (self.actor if self.actor_key_id is None else f"{self.actor}…")


class WebhookEndpoint(Base):
    """Where a customer wants events sent. The secret signs them and must be kept whole to sign, so it is stored
    as made (shown to the customer once)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the first failed attempt since the last success; an endpoint failing for three days is disabled
    failing_since: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(Text)

    subscriptions: Mapped[list["WebhookSubscription"]] = relationship(
        cascade="all, delete-orphan", order_by="WebhookSubscription.event_type", lazy="selectin"
    )

    @property
    def events(self) -> list[str]:
        return [subscription.event_type for subscription in self.subscriptions]


class WebhookSubscription(Base):
    """One event type an endpoint receives, or "*" for all: rows, so that writing an event finds its endpoints
    in one indexed join on either backend."""

    __tablename__ = "webhook_subscriptions"

    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64), primary_key=True)


class DeliveryStatus:
    PENDING = "pending"  # waiting for its first or next attempt
    DELIVERED = "delivered"  # the endpoint answered 2xx
    FAILED = "failed"  # retried for three days without success; a retry request sends it again
    ALL = (PENDING, DELIVERED, FAILED)


class WebhookDelivery(Base):
    """The outbox: one event for one endpoint, written in the transaction that made the change. `event_id` is the
    webhook-id, the same for every endpoint and every attempt. The posting is kept as it was when the event
    happened, without its id (not known yet when a new posting's event is written in the same statement)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_order", "endpoint_id", "posting_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), index=True)
    type: Mapped[str] = mapped_column(String(64))
    posting: Mapped[dict[str, Any]]
    occurred_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    # held by the worker sending it; a worker that died mid-attempt leaves it to expire, and it is sent again
    lease_until: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]


class FeedOutcome:
    UPDATED = "updated"  # a complete feed was read and applied
    NOT_MODIFIED = "not_modified"  # the server answered 304
    FAILED = "failed"  # unreachable, refused, an error status, or a broken or truncated document: nothing withdrawn
    ALL = (UPDATED, NOT_MODIFIED, FAILED)


class Feed(Base):
    """A customer's job feed (Indeed's XML) fetched on a schedule; its jobs are the postings of its source."""

    __tablename__ = "feeds"
    __table_args__ = (UniqueConstraint("customer_id", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    url: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    etag: Mapped[str | None] = mapped_column(Text)  # validators of the last complete fetch, for a conditional GET
    last_modified: Mapped[str | None] = mapped_column(Text)
    # when a worker last took the feed to fetch: one worker per interval, as the safety net claims integrations
    claimed_at: Mapped[datetime | None]

    fetches: Mapped[list["FeedFetch"]] = relationship(order_by="FeedFetch.id.desc()", viewonly=True)


class FeedFetch(Base):
    """One fetch of a feed and what it did."""

    __tablename__ = "feed_fetches"

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))  # None while running
    http_status: Mapped[int | None]
    jobs: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    withdrawn: Mapped[int] = mapped_column(default=0)
    refused: Mapped[int] = mapped_column(default=0)  # jobs that failed validation, each alone
    error: Mapped[str | None] = mapped_column(Text)


class ReviewClaim(Base):
    """A reviewer's hold on a posting while deciding it: others' next postings skip it until it expires."""

    __tablename__ = "review_claims"

    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class QueueCount(Base):
    """How many of a customer's postings wait for review (not withdrawn, not linked) per decision and source:
    the queue's counts, read as a few rows rather than counted over the waiting postings on every view. Kept by
    triggers on `postings` (migration 0015) in the transaction of every change, whichever path writes it; a
    migration that rebuilds `postings` on SQLite (batch mode) must create them again. Each count is the sum of
    its slots (a posting counts in the slot of its id modulo 16), so postings arriving at once for one bucket do
    not wait on each other's commits for one row's lock."""

    __tablename__ = "queue_counts"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16), primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    waiting: Mapped[int] = mapped_column(default=0)


class TitleAlias(Base):
    """A reviewer's verdict on a job for a posting's title, remembered for the customer's later postings of that
    title (`jobmatch.matcher.title_key`): linked to it, or rejected for it; the latest verdict stands."""

    __tablename__ = "title_aliases"
    __table_args__ = (UniqueConstraint("customer_id", "title_key", "job_id"),)  # also the look-up's index

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    title_key: Mapped[str] = mapped_column(Text)
    job_id: Mapped[str] = mapped_column(ForeignKey("ats_jobs.id"))
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"))  # the posting the verdict was given for
    linked: Mapped[bool]  # False: rejected
    at: Mapped[datetime] = mapped_column(default=utcnow)


class TitleForm(Base):
    """An ATS job title as the matcher normalizes it without any pool's cities (jobmatch.matcher.titles.TitleForms),
    kept for the next build of a pool holding it: a title's form is the same for every customer, and a build reads
    the forms of its titles where it would normalize each anew (most of a build's time). A cache: written after a
    build, by whichever process builds, and read only at the matcher's FORM_VERSION."""

    __tablename__ = "title_forms"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[int]
    form: Mapped[str] = mapped_column(Text)


class PoolSnapshot(Base):
    """A customer's pool as the matcher indexed it (a pickled JobIndex), every job change up to `version` in it: a
    process that holds no pool loads it and catches up from there instead of building from every job
    (jobmatch.api.pool_snapshots). A cache: read only when written by the same matcher code (`code`) and signed
    with the instance's key."""

    __tablename__ = "pool_snapshots"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    exposed_only: Mapped[bool] = mapped_column(primary_key=True)  # the pool's kind, as jobmatch.api.pools keys it
    public_only: Mapped[bool] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))  # the fingerprint of the matcher code that pickled it
    version: Mapped[int] = mapped_column(BigInteger)
    jobs: Mapped[int]
    written_at: Mapped[datetime] = mapped_column(default=utcnow)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    data: Mapped[bytes] = mapped_column(LargeBinary)

"""Prometheus metrics at `/metrics`, served with prometheus_client by a collector that runs at scrape time:
- figures read from the database, so every gunicorn worker (and every machine) answers the same and nothing is
  lost when a process restarts;
- this process's pool counters (jobmatch.api.pools), labelled with its pid: with several workers each scrape
  is answered by one of them, so each worker's figures are a series of their own.

A figure from the database is one function yielding (label values, value) and one `Family` line in FAMILIES.
"""

import hmac
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Response, current_app, request
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobmatch.api import outbound_metrics, quarantine
from jobmatch.api.database import session
from jobmatch.api.errors import fail
from jobmatch.api.pools import Pools
from jobmatch.config import Settings
from jobmatch.store.models import Customer, Integration, Posting, PostingDecision, SyncOutcome, SyncRun
from jobmatch.store.types import utcnow

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="jobmatch metrics"'}

Sample = tuple[tuple[str, ...], float]
INTEGRATION = ("integration_id", "customer")


@dataclass(frozen=True)
class Family:
    name: str
    kind: type[GaugeMetricFamily] | type[CounterMetricFamily]
    help: str
    labels: tuple[str, ...]
    read: Callable[[Session, datetime], Iterable[Sample]]


def blueprint(settings: Settings) -> Blueprint:
    """`/metrics`, answering only to `Authorization: Bearer JOBMATCH_METRICS_TOKEN`; 404 while no token is set.
    The figures span every customer, so no customer's API key opens them."""
    blp = Blueprint("metrics", __name__)

    @blp.get("/metrics")
    def metrics() -> Response:
        if settings.metrics_token is None:
            fail(404, "metrics are off; set JOBMATCH_METRICS_TOKEN to serve them")
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        expected = settings.metrics_token.encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
            fail(401, "send the metrics token as 'Authorization: Bearer JOBMATCH_METRICS_TOKEN'", headers=CHALLENGE)
        registry = CollectorRegistry(auto_describe=False)
        registry.register(Figures(session(), current_app.extensions["jobmatch.pools"]))
        encode, content_type = choose_encoder(request.headers.get("Accept"))
        return Response(encode(registry), content_type=content_type)

    return blp


class Figures:
    """The collector: every family of FAMILIES read from the database, then the process's pool figures."""

    def __init__(self, db: Session, pools: Pools) -> None:
        self.db, self.pools = db, pools

    def collect(self) -> Iterator[Metric]:
        now = utcnow()
        for family in FAMILIES:
            metric = family.kind(family.name, family.help, labels=family.labels)
            for values, value in family.read(self.db, now):
                metric.add_metric(values, value)
            yield metric
        yield from _pool_figures(self.pools)


def _pool_figures(pools: Pools) -> Iterator[Metric]:
    stats, process = pools.stats(), [str(os.getpid())]
    for name, kind, help_text, value in [
        ("jobmatch_pool_hits_total", CounterMetricFamily, "Requests answered from a pool the process held.",
         stats.hits),
        ("jobmatch_pool_catch_ups_total", CounterMetricFamily,
         "Pools brought up to date from the jobs changed since their version.", stats.catch_ups),
        ("jobmatch_pool_rebuilds_total", CounterMetricFamily,
         "Pools built from every job: first use, after eviction, or a catch-up too large.", stats.rebuilds),
        ("jobmatch_pool_snapshot_loads_total", CounterMetricFamily,
         "Pools loaded from their stored snapshot instead of built (jobmatch.api.pool_snapshots).",
         stats.snapshot_loads),
        ("jobmatch_pool_snapshots_written_total", CounterMetricFamily,
         "Snapshots of pools stored by this process (the ones re-matching after syncs).", stats.snapshots_written),
        ("jobmatch_pool_evictions_total", CounterMetricFamily, "Pools dropped to keep JOBMATCH_POOL_CACHE_MB.",
         stats.evictions),
        ("jobmatch_pools", GaugeMetricFamily, "Pools the process holds.", stats.pools),
        ("jobmatch_pool_bytes", GaugeMetricFamily, "Bytes the process's pools hold (measured when built).",
         stats.bytes_held),
        ("jobmatch_pool_cache_bytes", GaugeMetricFamily, "The bound of the pools' bytes (JOBMATCH_POOL_CACHE_MB).",
         stats.cache_bytes),
        ("jobmatch_pool_versions_behind", GaugeMetricFamily,
         "The most versions any held pool lags the newest its requests asked for.", stats.versions_behind),
        ("jobmatch_pool_memory_slack", GaugeMetricFamily,
         "The process's memory growth per byte its pools hold, by which the bound is kept.", stats.slack),
    ]:
        metric = kind(name, help_text, labels=["pid"])
        metric.add_metric(process, value)
        yield metric


def _sync_lag(db: Session, now: datetime) -> Iterable[Sample]:
    rows = db.execute(
        select(Integration.id, Customer.slug, func.coalesce(Integration.watermark, Integration.created_at))
        .join(Customer)
        .order_by(Integration.id)
    )
    for integration_id, slug, since in rows:
        yield (integration_id, slug), round(max(0.0, (now - since).total_seconds()), 3)


def _running(db: Session, now: datetime) -> Iterable[Sample]:
    rows = db.execute(
        select(Integration.id, Customer.slug, Integration.sync_lease_until).join(Customer).order_by(Integration.id)
    )
    for integration_id, slug, lease_until in rows:
        yield (integration_id, slug), int(lease_until is not None and lease_until > now)


def _backlog(db: Session, _now: datetime) -> Iterable[Sample]:
    waiting = func.count(Posting.id)
    rows = db.execute(
        select(Customer.slug, waiting)
        .outerjoin(
            Posting,
            (Posting.customer_id == Customer.id)
            & (Posting.decision == PostingDecision.NEEDS_REVIEW)
            & Posting.withdrawn_at.is_(None),
        )
        .group_by(Customer.slug)
        .order_by(Customer.slug)
    )
    for slug, count in rows:
        yield (slug,), count


def _decisions(db: Session, _now: datetime) -> Iterable[Sample]:
    rows = db.execute(
        select(Customer.slug, Posting.decision, Posting.link_method, func.count())
        .join(Customer, Posting.customer_id == Customer.id)
        .where(Posting.withdrawn_at.is_(None))
        .group_by(Customer.slug, Posting.decision, Posting.link_method)
        .order_by(Customer.slug, Posting.decision, Posting.link_method)
    )
    for slug, decision, method, count in rows:
        yield (slug, decision, method or ""), count


def _runs(db: Session, _now: datetime) -> Iterable[Sample]:
    rows = db.execute(
        select(SyncRun.integration_id, SyncRun.kind, SyncRun.outcome, func.count())
        .where(SyncRun.outcome != SyncOutcome.RUNNING)
        .group_by(SyncRun.integration_id, SyncRun.kind, SyncRun.outcome)
        .order_by(SyncRun.integration_id, SyncRun.kind, SyncRun.outcome)
    )
    for integration_id, kind, outcome, count in rows:
        yield (integration_id, kind, outcome), count


def _errors(db: Session, _now: datetime) -> Iterable[Sample]:
    rows = db.execute(
        select(SyncRun.integration_id, SyncRun.error_code, func.count())
        .where(SyncRun.error_code.is_not(None))
        .group_by(SyncRun.integration_id, SyncRun.error_code)
        .order_by(SyncRun.integration_id, SyncRun.error_code)
    )
    for integration_id, code, count in rows:
        yield (integration_id, code), count


FAMILIES = (
    Family("jobmatch_sync_lag_seconds", GaugeMetricFamily,
           "Seconds since the watermark (start of the last complete sync) of each integration; since its creation "
           "when it was never synced.", INTEGRATION, _sync_lag),
    Family("jobmatch_sync_running", GaugeMetricFamily, "1 while a sync of the integration holds its lease.",
           INTEGRATION, _running),
    Family("jobmatch_review_backlog", GaugeMetricFamily, "Postings waiting for a reviewer, per customer.",
           ("customer",), _backlog),
    Family("jobmatch_postings", GaugeMetricFamily,
           "Postings (not withdrawn) by decision and the method that linked them: a matcher method for "
           "auto_linked, reviewer for linked.", ("customer", "decision", "method"), _decisions),
    Family("jobmatch_sync_runs_total", CounterMetricFamily, "Finished sync runs by outcome.",
           ("integration_id", "kind", "outcome"), _runs),
    Family("jobmatch_sync_errors_total", CounterMetricFamily, "Failed sync runs by error code.",
           ("integration_id", "code"), _errors),
    Family("jobmatch_quarantined_jobs", GaugeMetricFamily,
           "Jobs of each integration kept out of matching because their data could not be read safely.", INTEGRATION,
           quarantine.metric_samples),
    Family("jobmatch_webhook_deliveries", GaugeMetricFamily,
           "Webhook deliveries per customer by status: pending (waiting for an attempt), delivered, failed "
           "(retried for three days).", ("customer", "status"), outbound_metrics.deliveries),
    Family("jobmatch_webhook_oldest_undelivered_seconds", GaugeMetricFamily,
           "Seconds since the oldest event still pending happened; 0 when none is.", (),
           outbound_metrics.oldest_undelivered),
    Family("jobmatch_webhook_endpoints_disabled", GaugeMetricFamily, "Endpoints disabled after failing for three days.",
           (), outbound_metrics.endpoints_disabled),
    Family("jobmatch_feed_fetches_total", CounterMetricFamily, "Finished feed fetches per customer and source by outcome.",
           ("customer", "source", "outcome"), outbound_metrics.feed_fetches),
)

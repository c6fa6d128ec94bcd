"""Prometheus metrics at `/metrics`, computed from the database at scrape time: every gunicorn worker (and
every machine) answers the same, and nothing is lost when a process restarts.

The text exposition format is a few lines of code; prometheus_client's collectors would add a dependency and
per-process state for what are, here, a handful of GROUP BY queries.
"""

import hmac
from collections.abc import Iterable
from datetime import datetime

from flask import Blueprint, Response, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobmatch.api import quarantine
from jobmatch.api.database import session
from jobmatch.api.errors import fail
from jobmatch.config import Settings
from jobmatch.store.models import Customer, Integration, Posting, PostingDecision, SyncOutcome, SyncRun
from jobmatch.store.types import utcnow

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="jobmatch metrics"'}

Labels = dict[str, str]
Sample = tuple[Labels, float]


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
        return Response(exposition(session(), utcnow()), content_type=CONTENT_TYPE)

    return blp


def exposition(db: Session, now: datetime) -> str:
    """Every metric in the text exposition format."""
    families = [
        ("jobmatch_sync_lag_seconds", "gauge",
         "Seconds since the watermark (start of the last complete sync) of each integration; since its creation "
         "when it was never synced.", _sync_lag(db, now)),
        ("jobmatch_sync_running", "gauge", "1 while a sync of the integration holds its lease.", _running(db, now)),
        ("jobmatch_review_backlog", "gauge", "Postings waiting for a reviewer, per customer.", _backlog(db)),
        ("jobmatch_postings", "gauge",
         "Postings (not withdrawn) by decision and the method that linked them: a matcher method for auto_linked, "
         "reviewer for linked.", _decisions(db)),
        ("jobmatch_sync_runs_total", "counter", "Finished sync runs by outcome.", _runs(db)),
        ("jobmatch_sync_errors_total", "counter", "Failed sync runs by error code.", _errors(db)),
        ("jobmatch_quarantined_jobs", "gauge", "Jobs of each integration kept out of matching because their data "
         "could not be read safely.", quarantine.metric_samples(db)),
    ]
    lines = []
    for name, kind, help_text, samples in families:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        lines += [f"{name}{_labels(labels)} {value}" for labels, value in samples]
    return "\n".join(lines) + "\n"


def _sync_lag(db: Session, now: datetime) -> Iterable[Sample]:
    rows = db.execute(
        select(Integration.id, Customer.slug, func.coalesce(Integration.watermark, Integration.created_at))
        .join(Customer)
        .order_by(Integration.id)
    )
    for integration_id, slug, since in rows:
        yield {"integration_id": integration_id, "customer": slug}, round(max(0.0, (now - since).total_seconds()), 3)


def _running(db: Session, now: datetime) -> Iterable[Sample]:
    rows = db.execute(
        select(Integration.id, Customer.slug, Integration.sync_lease_until).join(Customer).order_by(Integration.id)
    )
    for integration_id, slug, lease_until in rows:
        yield {"integration_id": integration_id, "customer": slug}, int(lease_until is not None and lease_until > now)


def _backlog(db: Session) -> Iterable[Sample]:
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
        yield {"customer": slug}, count


def _decisions(db: Session) -> Iterable[Sample]:
    rows = db.execute(
        select(Customer.slug, Posting.decision, Posting.link_method, func.count())
        .join(Customer, Posting.customer_id == Customer.id)
        .where(Posting.withdrawn_at.is_(None))
        .group_by(Customer.slug, Posting.decision, Posting.link_method)
        .order_by(Customer.slug, Posting.decision, Posting.link_method)
    )
    for slug, decision, method, count in rows:
        yield {"customer": slug, "decision": decision, "method": method or ""}, count


def _runs(db: Session) -> Iterable[Sample]:
    rows = db.execute(
        select(SyncRun.integration_id, SyncRun.kind, SyncRun.outcome, func.count())
        .where(SyncRun.outcome != SyncOutcome.RUNNING)
        .group_by(SyncRun.integration_id, SyncRun.kind, SyncRun.outcome)
        .order_by(SyncRun.integration_id, SyncRun.kind, SyncRun.outcome)
    )
    for integration_id, kind, outcome, count in rows:
        yield {"integration_id": integration_id, "kind": kind, "outcome": outcome}, count


def _errors(db: Session) -> Iterable[Sample]:
    rows = db.execute(
        select(SyncRun.integration_id, SyncRun.error_code, func.count())
        .where(SyncRun.error_code.is_not(None))
        .group_by(SyncRun.integration_id, SyncRun.error_code)
        .order_by(SyncRun.integration_id, SyncRun.error_code)
    )
    for integration_id, code, count in rows:
        yield {"integration_id": integration_id, "code": code}, count


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    escaped = (f'{key}="{_escape(value)}"' for key, value in labels.items())
    return "{" + ",".join(escaped) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


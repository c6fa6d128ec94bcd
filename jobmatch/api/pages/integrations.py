"""The customer's integrations: where each sync stands, and what the customer must do when only they can fix it;
then the outbound side: webhook endpoints (a disabled one says why) and job feeds with their latest fetch."""

from flask import render_template
from sqlalchemy import func, select

from jobmatch.api.auth import caller
from jobmatch.api.database import session
from jobmatch.api.pages import bp
from jobmatch.store.models import AtsJob, Feed, Integration, SyncRun, WebhookEndpoint

AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"


@bp.route("/integrations")
def integrations() -> str:
    db = session()
    found = list(db.scalars(select(Integration).where(Integration.customer_id == caller().customer_id)
                            .order_by(Integration.created_at, Integration.id)))
    ids = [integration.id for integration in found]
    latest = select(func.max(SyncRun.id)).where(SyncRun.integration_id.in_(ids)).group_by(SyncRun.integration_id)
    runs = {run.integration_id: run for run in db.scalars(select(SyncRun).where(SyncRun.id.in_(latest)))}
    jobs = dict(db.execute(select(AtsJob.integration_id, func.count()).where(AtsJob.integration_id.in_(ids))
                           .group_by(AtsJob.integration_id)).all())
    endpoints = list(db.scalars(select(WebhookEndpoint).where(WebhookEndpoint.customer_id == caller().customer_id)
                                .order_by(WebhookEndpoint.id)))
    feeds = list(db.scalars(select(Feed).where(Feed.customer_id == caller().customer_id).order_by(Feed.id)))
    return render_template("integrations.html", integrations=found, runs=runs, jobs=jobs,
                           authentication_failed=AUTHENTICATION_FAILED, endpoints=endpoints, feeds=feeds)

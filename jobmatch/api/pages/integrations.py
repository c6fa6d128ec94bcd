"""The customer's integrations: where each sync stands, what the customer must do when only they can fix it,
and which jobs are quarantined and why; then the outbound side: webhook endpoints (a disabled one says why) and
job feeds with their latest fetch."""

from flask import render_template
from sqlalchemy import func, select

from jobmatch.api.auth import caller
from jobmatch.api.database import session
from jobmatch.api.pages import bp
from jobmatch.api.quarantine import QUARANTINED, quarantined_jobs
from jobmatch.store.models import AtsJob, Feed, Integration, SyncRun, WebhookEndpoint

AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
SHOWN_QUARANTINED = 20  # per integration; GET /v1/integrations/{id}/quarantined-jobs lists them all


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
    quarantined = dict(db.execute(select(AtsJob.integration_id, func.count())
                                  .where(AtsJob.integration_id.in_(ids), QUARANTINED)
                                  .group_by(AtsJob.integration_id)).all())
    examples = {integration_id: list(db.scalars(quarantined_jobs(integration_id).limit(SHOWN_QUARANTINED)))
                for integration_id in quarantined}
    endpoints = list(db.scalars(select(WebhookEndpoint).where(WebhookEndpoint.customer_id == caller().customer_id)
                                .order_by(WebhookEndpoint.id)))
    feeds = list(db.scalars(select(Feed).where(Feed.customer_id == caller().customer_id).order_by(Feed.id)))
    return render_template("integrations.html", integrations=found, runs=runs, jobs=jobs, quarantined=quarantined,
                           examples=examples, authentication_failed=AUTHENTICATION_FAILED, endpoints=endpoints,
                           feeds=feeds)

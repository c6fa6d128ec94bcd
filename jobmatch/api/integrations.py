"""Integrations: where each of the customer's ATS mirrors stands, what to do about it, and syncs on request."""

import logging
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jobmatch.api.auth import caller, requires
from jobmatch.api.database import session
from jobmatch.api.deactivation import not_applicable_sql
from jobmatch.api.errors import fail
from jobmatch.api.paging import keyset_page
from jobmatch.api.quarantine import QUARANTINED, quarantined_jobs
from jobmatch.api.schemas import (
    IntegrationListSchema,
    IntegrationPatchSchema,
    IntegrationSchema,
    QuarantinedJobPageSchema,
    QuarantineQuerySchema,
    SyncRequestAnswerSchema,
)
from jobmatch.api.smorest import Blueprint
from jobmatch.api.tasks import current_tasks
from jobmatch.store.models import AtsJob, Integration, Role, SetupState, SyncOutcome, SyncRun
from jobmatch.sync.kombo import status_filter
from jobmatch.sync.webhooks import request_sync

log = logging.getLogger(__name__)

blp = Blueprint("integrations", __name__, url_prefix="/v1/integrations", description="The customer's ATS mirrors.")

WAITING_ACTION = (
    "Kombo's first sync of this ATS is still running and serves no data until it completes. Nothing to do: "
    "jobmatch syncs as soon as Kombo reports it finished."
)
FAILING_ACTION = (
    "The last sync failed; last_run.error says why. Syncs run again on Kombo's next change notice; "
    "request one with POST /v1/integrations/{id}/sync once the cause is fixed."
)


class State:
    WAITING = SetupState.WAITING
    READY = SetupState.READY
    FAILING = "failing"
    NEEDS_CUSTOMER_ACTION = "needs_customer_action"


@blp.route("", methods=["GET"])
@requires(Role.ADMIN)
@blp.response(200, IntegrationListSchema)
@blp.errors(401, 403)
def list_integrations() -> dict[str, Any]:
    """Each of the caller's integrations: its state and what to do, the last sync run, watermark, job counts."""
    db = session()
    integrations = list(
        db.scalars(select(Integration).where(Integration.customer_id == caller().customer_id).order_by(Integration.id))
    )
    return {"items": _described(db, integrations)}


@blp.route("/<integration_id>", methods=["PATCH"])
@requires(Role.ADMIN)
@blp.arguments(IntegrationPatchSchema)
@blp.response(200, IntegrationSchema)
@blp.errors(400, 401, 403, 404, 413)
def update_integration(body: dict[str, Any], integration_id: str) -> dict[str, Any]:
    """Change settings: `statuses` chooses the job statuses its reads (incremental and full) ask Kombo for."""
    db = session()
    integration = _owned(db, integration_id)
    integration.statuses = status_filter(body["statuses"])
    db.commit()
    return _described(db, [integration])[0]


@blp.route("/<integration_id>/quarantined-jobs", methods=["GET"])
@requires(Role.ADMIN)
@blp.arguments(QuarantineQuerySchema, location="query")
@blp.response(200, QuarantinedJobPageSchema)
@blp.errors(401, 403, 404)
def list_quarantined_jobs(query: dict[str, Any], integration_id: str) -> dict[str, Any]:
    """The integration's jobs kept out of matching, by id, each with the problems found in its data. A job
    leaves this list when a later sync brings a version of it that reads cleanly."""
    _owned(session(), integration_id)
    return keyset_page(quarantined_jobs(integration_id), AtsJob.id, "quarantined", query)


@blp.route("/<integration_id>/sync", methods=["POST"])
@requires(Role.ADMIN)
@blp.response(202, SyncRequestAnswerSchema, description="Queued, or joined a sync already queued.")
@blp.errors(401, 403, 404, 503)
def request_integration_sync(integration_id: str) -> dict[str, Any]:
    """Ask for a sync of what changed since the watermark. Requests coalesce: while one sync is queued and
    not started, asking again queues nothing more."""
    db = session()
    _owned(db, integration_id)
    queued = request_sync(db, integration_id)
    db.commit()
    if queued:
        try:
            current_tasks().enqueue_sync(integration_id)
        except Exception:
            log.exception("could not queue the sync of %s", integration_id)
            fail(503, "the sync could not be queued; try again later")
    message = "a sync is queued" if queued else "a sync was queued already; this request joins it"
    return {"integration_id": integration_id, "queued": queued, "message": message}


def _owned(db: Session, integration_id: str) -> Integration:
    integration = db.scalar(
        select(Integration).where(Integration.id == integration_id, Integration.customer_id == caller().customer_id)
    )
    if integration is None:
        fail(404, f"integration {integration_id} not found")
    return integration


def _described(db: Session, integrations: list[Integration]) -> list[dict[str, Any]]:
    ids = [integration.id for integration in integrations]
    runs = _last_runs(db, ids)
    counts = _job_counts(db, ids)
    return [_describe(i, runs.get(i.id), counts.get(i.id, (0, 0, 0))) for i in integrations]


def _describe(integration: Integration, last_run: SyncRun | None, counts: tuple[int, int, int]) -> dict[str, Any]:
    if integration.needs_action_reason is not None:
        state, action = State.NEEDS_CUSTOMER_ACTION, integration.needs_action_reason
    elif last_run is not None and last_run.outcome == SyncOutcome.FAILED:
        state, action = State.FAILING, FAILING_ACTION.format(id=integration.id)
    elif integration.setup_state == SetupState.WAITING:
        state, action = State.WAITING, WAITING_ACTION
    else:
        state, action = State.READY, None
    return {
        "id": integration.id,
        "tool": integration.tool,
        "state": state,
        "action": action,
        "kombo_sync_state": integration.sync_state,
        "sync_queued": integration.sync_requested,
        "watermark": integration.watermark,
        "last_run": last_run,
        "jobs": {"total": counts[0], "active": counts[1], "quarantined": counts[2]},
        "statuses": integration.statuses,
    }


def _last_runs(db: Session, integration_ids: list[str]) -> dict[str, SyncRun]:
    latest = (
        select(func.max(SyncRun.id)).where(SyncRun.integration_id.in_(integration_ids)).group_by(SyncRun.integration_id)
    )
    return {run.integration_id: run for run in db.scalars(select(SyncRun).where(SyncRun.id.in_(latest)))}


def _job_counts(db: Session, integration_ids: list[str]) -> dict[str, tuple[int, int, int]]:
    """(total, applicable, quarantined) jobs of each integration."""
    rows = db.execute(
        select(AtsJob.integration_id, func.count(), func.count().filter(~not_applicable_sql()),
               func.count().filter(QUARANTINED))
        .where(AtsJob.integration_id.in_(integration_ids))
        .group_by(AtsJob.integration_id)
    )
    return {integration_id: tuple(counts) for integration_id, *counts in rows}

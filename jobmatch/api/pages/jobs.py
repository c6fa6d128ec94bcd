"""The customer's jobs with their 'expose' checkboxes: the customer chooses which jobs matching may use."""

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import Select, func, select
from werkzeug.wrappers import Response

from jobmatch.api.ats_jobs import contains_text, rematch_if_matching_changed, set_exposed
from jobmatch.api.auth import caller
from jobmatch.api.database import session
from jobmatch.api.errors import fail
from jobmatch.api.pages import bp
from jobmatch.api.pages.search import query_text
from jobmatch.store.models import AtsJob, Customer, Integration

PAGE_SIZE = 100
MAX_SHOWN = 1000  # ids one save may carry: a page's worth, with room


@bp.route("/jobs")
def jobs() -> str:
    status, q, page = _filters(request.args)
    found = list(session().scalars(
        _jobs(status, q).order_by(AtsJob.name, AtsJob.id).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)))
    db, customer_id = session(), caller().customer_id
    statuses = db.execute(_owned(AtsJob.status, func.count()).group_by(AtsJob.status).order_by(AtsJob.status))
    return render_template(
        "jobs.html", jobs=found[:PAGE_SIZE], more=len(found) > PAGE_SIZE, page=page, status=status, q=q,
        statuses={value or "": count for value, count in statuses},
        exposed=db.scalar(_owned(func.count()).where(AtsJob.exposed)) or 0,
        match_exposed_only=db.scalar(select(Customer.match_exposed_only).where(Customer.id == customer_id)),
    )


@bp.route("/jobs", methods=["POST"])
def save_exposed() -> Response:
    """Save the checkboxes of the jobs the form showed: checked ones exposed, the others hidden, at once."""
    shown = list(dict.fromkeys(request.form.getlist("shown")))
    if len(shown) > MAX_SHOWN:
        fail(400, f"one save may carry at most {MAX_SHOWN} jobs, not {len(shown)}")
    db, customer_id = session(), caller().customer_id
    owned = set(db.scalars(_owned(AtsJob.id).where(AtsJob.id.in_(shown))))
    unknown = [job_id for job_id in shown if job_id not in owned]
    if unknown:
        fail(404, f"no ATS job of this customer has these ids, so nothing was saved: {', '.join(unknown[:20])}")
    checked = set(request.form.getlist("exposed"))
    if not checked <= owned:
        fail(400, "the form checked jobs it did not show; reload the page and try again")
    changed = set_exposed(db, customer_id, sorted(checked), True)
    changed += set_exposed(db, customer_id, sorted(owned - checked), False)
    db.commit()
    rematch_if_matching_changed(db, customer_id, changed)
    flash(f"Saved: {changed} job{'s' if changed != 1 else ''} changed.")
    status, q, page = _filters(request.form)
    return redirect(url_for("pages.jobs", **{k: v for k, v in (("status", status), ("q", q)) if v},
                            **({"page": page} if page > 1 else {})))


def _filters(values: Any) -> tuple[str | None, str, int]:
    page = values.get("page", "1")
    if not str(page).isdigit() or int(page) < 1:
        fail(400, f"page must be a whole number from 1, not {page!r}")
    return values.get("status") or None, query_text(values), int(page)


def _jobs(status: str | None, q: str) -> Select[Any]:
    statement = _owned(AtsJob)
    if status:
        statement = statement.where(AtsJob.status == status)
    if q:
        statement = statement.where(contains_text(q))
    return statement


def _owned(*columns: Any) -> Select[Any]:
    return (select(*columns).select_from(AtsJob).join(Integration, AtsJob.integration_id == Integration.id)
            .where(Integration.customer_id == caller().customer_id))

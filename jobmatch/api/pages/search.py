"""Finding a customer's job from what a reviewer types: the matcher's ranking of the whole text (titles,
job codes, ATS ids, URLs; the JSON API's search), then jobs whose title or code contains the text, so the
list already narrows while a word is half typed."""

from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from jobmatch.api.ats_jobs import search_jobs
from jobmatch.api.auth import caller
from jobmatch.api.database import session
from jobmatch.store.models import AtsJob, Integration

MAX_QUERY_CHARS = 200


def find_jobs(q: str, limit: int) -> list[Any]:
    ranked = search_jobs({"q": q, "limit": limit})
    seen = {job.id for job in ranked}
    containing = session().scalars(
        select(AtsJob).join(Integration, AtsJob.integration_id == Integration.id)
        .where(Integration.customer_id == caller().customer_id, contains_text(q))
        .order_by(AtsJob.name, AtsJob.id).limit(limit)
    )
    return (ranked + [job for job in containing if job.id not in seen])[:limit]


def contains_text(q: str) -> ColumnElement[bool]:
    """The job's title, job code or ATS id contains `q`, ignoring case (LIKE's wildcards in `q` are literal)."""
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(*(func.lower(column).like(f"%{escaped}%", escape="\\")
                 for column in (AtsJob.name, AtsJob.job_code, AtsJob.remote_id)))


def query_text(values: Any) -> str:
    return (values.get("q") or "").strip()[:MAX_QUERY_CHARS]

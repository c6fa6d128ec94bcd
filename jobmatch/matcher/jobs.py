"""An ATS job (Kombo's shape) reduced to what matching reads."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jobmatch.matcher.identifiers import normalize_code, normalize_remote_id, normalize_url
from jobmatch.matcher.places import Place
from jobmatch.matcher.scoring import Side, side

INACTIVE_STATUSES = frozenset({"CLOSED", "ARCHIVED"})


@dataclass(slots=True)  # not frozen: building 100,000 frozen instances costs a second
class JobRecord:
    id: str
    name: str
    code: str
    remote_id: str
    url: str
    side: Side
    status: str
    deleted: bool

    @property
    def active(self) -> bool:
        return not self.deleted and self.status not in INACTIVE_STATUSES

    @property
    def state_reason(self) -> str | None:
        """Why a reviewer should look twice at this job's state, if at all."""
        if self.deleted:
            return "job was deleted in the ATS"
        if self.status in INACTIVE_STATUSES or self.status == "DRAFT":
            return f"job is {self.status} in the ATS"
        return None


_JOB_TEXTS = ("name", "job_code", "remote_id", "post_url", "department", "employment_type", "status")
_LOCATION_TEXTS = ("city", "zip_code", "raw")


def _texts(data: Mapping[str, Any], keys: tuple[str, ...], where: str) -> list[str]:
    values = [data.get(key) for key in keys]
    for key, value in zip(keys, values):
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{where}: {key} must be a string or null, not {type(value).__name__}")
    return [value or "" for value in values]


def job_record(job: Any) -> JobRecord:
    """Read one Kombo job; a clear ValueError says which field of which job is wrong."""
    if not isinstance(job, Mapping):
        raise ValueError(f"a job must be an object, not {type(job).__name__}")
    job_id = job.get("id")
    if not isinstance(job_id, str) or not job_id:
        raise ValueError("a job needs a non-empty string id")
    where = f"job {job_id}"
    name, code, remote_id, url, department, employment_type, status = _texts(job, _JOB_TEXTS, where)
    location = job.get("location") or {}
    if not isinstance(location, Mapping):
        raise ValueError(f"{where}: location must be an object or null")
    city, zip_code, raw = _texts(location, _LOCATION_TEXTS, f"{where} location")
    return JobRecord(
        id=job_id,
        name=name,
        code=normalize_code(code),
        remote_id=normalize_remote_id(remote_id),
        url=normalize_url(url),
        side=side(Place.of(city, zip_code, raw), city or raw, department, employment_type),
        status=status.upper(),
        deleted=job.get("remote_deleted_at") is not None,
    )

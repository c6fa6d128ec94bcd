"""An ATS job (Kombo's shape) reduced to what matching reads."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
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
    active: bool  # neither deleted nor closed or archived; read for every job a title finds, so stored

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
_TEXT_TYPES = frozenset({str, type(None)})
_GETTERS = {keys: itemgetter(*keys) for keys in (_JOB_TEXTS, _LOCATION_TEXTS)}


def _texts(data: Mapping[str, Any], keys: tuple[str, ...], job_id: str, part: str = "") -> tuple[str | None, ...]:
    """The values of `keys` (None where missing), each checked to be a string or None. Kombo sends every key, so
    they are read in one C call, and checked in one pass; the slow ways run only for a job that needs them."""
    try:
        values = _GETTERS[keys](data)
    except KeyError:
        values = tuple(data.get(key) for key in keys)
    if not _TEXT_TYPES.issuperset(map(type, values)):
        for key, value in zip(keys, values):
            if value is not None and not isinstance(value, str):
                raise ValueError(f"job {job_id}{part}: {key} must be a string or null, not {type(value).__name__}")
    return values


def job_record(job: Any) -> JobRecord:
    """Read one Kombo job; a clear ValueError says which field of which job is wrong."""
    if job.__class__ is not dict and not isinstance(job, Mapping):  # the ABC check is slow; JSON gives dicts
        raise ValueError(f"a job must be an object, not {type(job).__name__}")
    job_id = job.get("id")
    if not isinstance(job_id, str) or not job_id:
        raise ValueError("a job needs a non-empty string id")
    name, code, remote_id, url, department, employment_type, status = _texts(job, _JOB_TEXTS, job_id)
    status = (status or "").upper()
    deleted = job.get("remote_deleted_at") is not None
    location = job.get("location") or {}
    if location.__class__ is not dict and not isinstance(location, Mapping):
        raise ValueError(f"job {job_id}: location must be an object or null")
    city, zip_code, raw = _texts(location, _LOCATION_TEXTS, job_id, " location")
    return JobRecord(  # positional: measurably faster than keywords at 100,000 jobs
        job_id, name or "", normalize_code(code), normalize_remote_id(remote_id), normalize_url(url),
        job_side(city, zip_code, raw, department, employment_type),
        status, deleted, not deleted and status not in INACTIVE_STATUSES,
    )


@cache  # one look-up for what many jobs share: place, department and employment type
def job_side(city: str | None, zip_code: str | None, raw: str | None, department: str | None,
             employment_type: str | None) -> Side:
    return side(Place.of(city, zip_code, raw), city or raw, department, employment_type)

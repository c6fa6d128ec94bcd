"""An ATS job (Kombo's shape) reduced to what matching reads."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
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


_JOB_KEYS = ("id", "name", "job_code", "remote_id", "post_url", "department", "employment_type", "status",
             "remote_deleted_at", "location")
_JOB_TEXTS = _JOB_KEYS[1:8]
_LOCATION_TEXTS = ("city", "zip_code", "raw")
_TEXT_TYPES = frozenset({str, type(None)})
_NO_LOCATION: dict[str, Any] = {}


def job_records(jobs: Iterable[Any]) -> list[JobRecord]:
    """Read Kombo jobs; a clear ValueError says which field of which job is wrong.

    The jobs are read a field at a time, not a job at a time: each field of every job is fetched, type-checked and
    mapped by C loops (itemgetter, map, set), so the per-job Python work is what only Python can do (identifiers,
    new places). The slow ways (a Mapping that is not a dict, a missing key, a wrong type) run only where needed."""
    jobs = list(jobs)
    if not jobs:
        return []
    if not {dict}.issuperset(map(type, jobs)):  # the ABC check is slow; JSON gives dicts
        for job in jobs:
            if not isinstance(job, Mapping):
                raise ValueError(f"a job must be an object, not {type(job).__name__}")
    ids, *texts, deleted_at, locations = zip(*_rows(jobs, _JOB_KEYS))
    if not {str}.issuperset(map(type, ids)) or "" in ids:
        raise ValueError("a job needs a non-empty string id")
    for key, values in zip(_JOB_TEXTS, texts):
        _check_texts(values, key, ids, "")
    names, codes, remote_ids, urls, departments, employment_types, statuses = texts
    locations = [location or _NO_LOCATION for location in locations]
    if not {dict}.issuperset(map(type, locations)):
        for job_id, location in zip(ids, locations):
            if not isinstance(location, Mapping):
                raise ValueError(f"job {job_id}: location must be an object or null")
    places = tuple(zip(*_rows(locations, _LOCATION_TEXTS)))
    for key, values in zip(_LOCATION_TEXTS, places):
        _check_texts(values, key, ids, " location")
    cities, zip_codes, raws = places
    statuses = [(status or "").upper() for status in statuses]
    deleted = [moment is not None for moment in deleted_at]
    return list(map(
        JobRecord, ids, [name or "" for name in names], map(normalize_code, codes),
        map(normalize_remote_id, remote_ids), map(normalize_url, urls),
        map(job_side, cities, zip_codes, raws, departments, employment_types), statuses, deleted,
        [not gone and status not in INACTIVE_STATUSES for gone, status in zip(deleted, statuses)],
    ))


def _rows(items: list[Mapping[str, Any]], keys: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """The values of `keys` of every item (None where missing): one C call per item, as Kombo sends every key."""
    try:
        return list(map(itemgetter(*keys), items))
    except KeyError:
        return [tuple(item.get(key) for key in keys) for item in items]


def _check_texts(values: tuple[Any, ...], key: str, ids: tuple[str, ...], part: str) -> None:
    if not _TEXT_TYPES.issuperset(map(type, values)):
        for job_id, value in zip(ids, values):
            if value is not None and not isinstance(value, str):
                raise ValueError(f"job {job_id}{part}: {key} must be a string or null, not {type(value).__name__}")


@lru_cache(maxsize=1 << 17)  # what many jobs share, made once; bounded: pools come and go in a long-lived API
def job_side(city: str | None, zip_code: str | None, raw: str | None, department: str | None,
             employment_type: str | None) -> Side:
    return side(Place.of(city, zip_code, raw), city or raw, department, employment_type)

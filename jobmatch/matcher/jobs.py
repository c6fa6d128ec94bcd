"""An ATS job (Kombo's shape) reduced to what matching reads.

Reading never fails on one job: a job without a usable id is left out, a number where text belongs is read as
its text, and any other value of the wrong kind as missing. (The sync quarantines such jobs before they reach a
pool; this keeps the matcher whole whoever calls it.)"""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

from jobmatch.matcher.applicability import not_applicable
from jobmatch.matcher.identifiers import normalize_code, normalize_remote_id, normalize_url
from jobmatch.matcher.places import Place
from jobmatch.matcher.scoring import Side, side

log = logging.getLogger(__name__)

_STATE_REASONS = {"deleted": "job was deleted in the ATS", "quarantined": "job data could not be read",
                  "unknown_status": "job status is not known", "not_public": "job is not public"}


@dataclass(slots=True)  # not frozen: building 100,000 frozen instances costs a second
class JobRecord:
    id: str
    name: str
    code: str
    remote_id: str
    url: str
    side: Side
    status: str
    not_applicable: str | None  # why the job takes no applications (applicability.REASONS); None if it does
    active: bool  # takes applications; read for every job a title finds, so stored
    posting_urls: tuple[str, ...] = ()  # the public URLs of the job's postings, normalized
    posting_ids: tuple[str, ...] = ()  # the ids and remote ids of the job's postings, normalized

    @property
    def state_reason(self) -> str | None:
        """Why a reviewer should look twice at this job's state, if at all."""
        if self.not_applicable is None:
            return None
        return _STATE_REASONS.get(self.not_applicable) or f"job is {self.status} in the ATS"

    @property
    def urls(self) -> tuple[str, ...]:
        return (self.url, *self.posting_urls) if self.url else self.posting_urls

    @property
    def remote_ids(self) -> tuple[str, ...]:
        return (self.remote_id, *self.posting_ids) if self.remote_id else self.posting_ids


_JOB_KEYS = ("id", "name", "job_code", "remote_id", "post_url", "department", "employment_type", "status",
             "location", "job_postings")
_LOCATION_TEXTS = ("city", "zip_code", "raw")
_TEXT_TYPES = frozenset({str, type(None)})
_NO_LOCATION: dict[str, Any] = {}


def job_records(jobs: Iterable[Any], *, public_only: bool = False) -> list[JobRecord]:
    """Read Kombo jobs (and our columns beside Kombo's keys, like `quarantined_at`); `public_only` is the
    customer's choice that jobs which are not PUBLIC take no applications.

    The jobs are read a field at a time, not a job at a time: each field of every job is fetched, type-checked and
    mapped by C loops (itemgetter, map, set), so the per-job Python work is what only Python can do (identifiers,
    new places). The slow ways (a Mapping that is not a dict, a missing key, a wrong type) run only where needed."""
    jobs = list(jobs)
    if not {dict}.issuperset(map(type, jobs)):  # the ABC check is slow; JSON gives dicts
        jobs = [dict(job) if isinstance(job, Mapping) else {} for job in jobs]
    usable = [job for job in jobs if _text(job.get("id"))]
    if len(usable) < len(jobs):
        log.warning("%d of %d jobs without a usable id left out of the pool", len(jobs) - len(usable), len(jobs))
    if not usable:
        return []
    ids, *columns = zip(*_rows(usable, _JOB_KEYS))
    names, codes, remote_ids, urls, departments, employment_types, statuses = map(_texts, columns[:7])
    locations = [location if type(location) is dict else _NO_LOCATION for location in columns[7]]
    cities, zip_codes, raws = (_texts(values) for values in zip(*_rows(locations, _LOCATION_TEXTS)))
    reasons = [not_applicable(job, public_only=public_only) for job in usable]
    return list(map(
        JobRecord, _texts(ids), [name or "" for name in names], map(normalize_code, codes),
        map(normalize_remote_id, remote_ids), map(normalize_url, urls),
        map(job_side, cities, zip_codes, raws, departments, employment_types), [s or "" for s in statuses],
        reasons, [reason is None for reason in reasons], *zip(*map(_posting_identifiers, columns[8])),
    ))


def _rows(items: list[Mapping[str, Any]], keys: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """The values of `keys` of every item (None where missing): one C call per item, as Kombo sends every key."""
    try:
        return list(map(itemgetter(*keys), items))
    except KeyError:
        return [tuple(item.get(key) for key in keys) for item in items]


def _texts(values: tuple[Any, ...]) -> tuple[Any, ...] | list[str | None]:
    """Text as it is; a number as its text; anything else as missing."""
    if _TEXT_TYPES.issuperset(map(type, values)):
        return values
    return [_text(value) for value in values]


def _text(value: Any) -> str | None:
    if type(value) is str:
        return value
    return str(value) if type(value) in (int, float) else None


def _posting_identifiers(postings: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(urls, ids and remote ids) of a job's postings, normalized and without repeats."""
    if not postings or type(postings) is not list:
        return (), ()
    urls, ids = {}, {}
    for posting in postings:
        if type(posting) is dict:
            if url := normalize_url(_text(posting.get("url"))):
                urls[url] = None
            for key in ("id", "remote_id"):
                if remote_id := normalize_remote_id(_text(posting.get(key))):
                    ids[remote_id] = None
    return tuple(urls), tuple(ids)


@lru_cache(maxsize=1 << 17)  # what many jobs share, made once; bounded: pools come and go in a long-lived API
def job_side(city: str | None, zip_code: str | None, raw: str | None, department: str | None,
             employment_type: str | None) -> Side:
    return side(Place.of(city, zip_code, raw), city or raw, department, employment_type)

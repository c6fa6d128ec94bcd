"""An ATS job (Kombo's shape) reduced to what matching reads.

Reading never fails on one job: a job without a usable id is left out, a number where text belongs is read as
its text, and any other value of the wrong kind as missing. (The sync quarantines such jobs before they reach a
pool; this keeps the matcher whole whoever calls it.)"""

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter
from sys import intern
from typing import Any

from jobmatch.matcher.applicability import GONE, gone_reasons, not_applicable_all
from jobmatch.matcher.identifiers import (
    normalize_codes,
    normalize_remote_id,
    normalize_url,
    normalize_urls,
)
from jobmatch.matcher.places import Place
from jobmatch.matcher.scoring import (
    Side,
    department_key,
    employment_type_key,
    place_label,
)

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


# A job as a row of these fields, in this order: what a store reads (jobmatch.api.pools) without a dict per job.
# `gone`: the reason of the first of applicability.GONE whose moment is set, or None; `job_postings`: the job's
# postings (each with `url`, `id`, `remote_id`), or their JSON text, or None.
JOB_FIELDS = ("id", "name", "job_code", "remote_id", "post_url", "department", "employment_type", "status",
              "visibility", "gone", "city", "zip_code", "raw", "job_postings")
_GONE_AT = JOB_FIELDS.index("gone")
_LOCATION_FIELDS = ("city", "zip_code", "raw")
_KOMBO_KEYS = (*JOB_FIELDS[:_GONE_AT], "location", "job_postings", "remote_deleted_at")  # ours (GONE's others) aside
_TEXT_TYPES = frozenset({str, type(None)})
_NO_LOCATION: dict[str, Any] = {}
_NO_POSTINGS: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())


def job_records(jobs: Iterable[Any], *, public_only: bool = False) -> list[JobRecord]:
    """Read Kombo jobs (and our columns beside Kombo's keys, like `quarantined_at`); `public_only` is the
    customer's choice that jobs which are not PUBLIC take no applications."""
    jobs = list(jobs)
    if not {dict}.issuperset(map(type, jobs)):  # the ABC check is slow; JSON gives dicts
        jobs = [dict(job) if isinstance(job, Mapping) else {} for job in jobs]
    ids = _values(jobs, "id")
    usable = jobs if _TEXT_TYPES.issuperset(map(type, ids)) and all(ids) else [
        job for job, job_id in zip(jobs, ids) if _text(job_id)]
    if len(usable) < len(jobs):
        log.warning("%d of %d jobs without a usable id left out of the pool", len(jobs) - len(usable), len(jobs))
    if not usable:
        return []
    sent = dict(zip(_KOMBO_KEYS, zip(*_rows(usable, _KOMBO_KEYS))))
    locations = [location if type(location) is dict else _NO_LOCATION for location in sent["location"]]
    columns = {key: _texts(sent[key]) for key in JOB_FIELDS[:_GONE_AT]}
    columns |= {key: _texts(values) for key, values in zip(_LOCATION_FIELDS, zip(*_rows(locations, _LOCATION_FIELDS)))}
    columns["status"] = _texts(columns["status"], other="")  # a status of another kind is no status we know
    columns["gone"] = gone_reasons([sent[key] if key in sent else _values(usable, key) for _, key in GONE])
    columns["job_postings"] = sent["job_postings"]
    return _records([columns[key] for key in JOB_FIELDS], public_only)


def row_records(rows: Iterable[Sequence[Any]], *, public_only: bool = False) -> list[JobRecord]:
    """Read jobs given as rows of JOB_FIELDS, each text field a text or None (as a store's columns give them)."""
    rows = list(rows)
    return _records(list(zip(*rows)), public_only) if rows else []


def _records(columns: list[Sequence[Any]], public_only: bool) -> list[JobRecord]:
    """The records of jobs given a field at a time (the columns of JOB_FIELDS, each text a text or None), not a
    job at a time: each field of every job is mapped by C loops (map, joined text), so the per-job Python work is
    what only Python can do (an uncommon URL, a new place). Names and statuses are interned: a store (and JSON)
    gives each job its own copy of the same text, 14 MB of copies at 100,000 jobs."""
    (ids, names, codes, remote_ids, urls, departments, employment_types, statuses, visibilities, gone,
     cities, zip_codes, raws, postings) = columns
    reasons = not_applicable_all(gone, statuses, visibilities, public_only=public_only)
    if any(postings):
        posting_urls, posting_ids = zip(*[_posting_identifiers(p) if p else _NO_POSTINGS for p in postings])
    else:
        posting_urls = posting_ids = repeat(())
    return list(map(
        JobRecord, ids, map(intern, [name or "" for name in names]), normalize_codes(codes),
        map(str.strip, [remote_id or "" for remote_id in remote_ids]), normalize_urls(urls),
        _sides(cities, zip_codes, raws, departments, employment_types),
        map(intern, [status or "" for status in statuses]),
        reasons, [reason is None for reason in reasons], posting_urls, posting_ids,
    ))


def _rows(items: list[dict[str, Any]], keys: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """The values of `keys` of every item (None where missing): one C call per item, as Kombo sends every key."""
    try:
        return list(map(itemgetter(*keys), items))
    except KeyError:
        return [tuple(item.get(key) for key in keys) for item in items]


def _values(items: list[dict[str, Any]], key: str) -> list[Any]:
    """The value of `key` of every item (None where missing), by one C loop."""
    return list(map(dict.get, items, repeat(key)))


def _texts(values: list[Any], other: str | None = None) -> list[Any]:
    """Text as it is; a number as its text; anything else as `other` (missing)."""
    if _TEXT_TYPES.issuperset(map(type, values)):
        return values
    return [value if type(value) is str or value is None else _text(value) or other for value in values]


def _text(value: Any) -> str | None:
    if type(value) is str:
        return value
    return str(value) if type(value) in (int, float) else None


def _posting_identifiers(postings: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(urls, ids and remote ids) of a job's postings, normalized and without repeats."""
    if type(postings) is str:
        try:
            postings = json.loads(postings)
        except ValueError:
            return _NO_POSTINGS
    if not postings or type(postings) is not list:
        return _NO_POSTINGS
    urls, ids = {}, {}
    for posting in postings:
        if type(posting) is dict:
            if url := normalize_url(_text(posting.get("url"))):
                urls[url] = None
            for key in ("id", "remote_id"):
                if remote_id := normalize_remote_id(_text(posting.get(key))):
                    ids[remote_id] = None
    return tuple(urls), tuple(ids)


def _sides(cities: Sequence[str | None], zip_codes: Sequence[str | None], raws: Sequence[str | None],
           departments: Sequence[str | None], employment_types: Sequence[str | None]) -> list[Side]:
    """The jobs' sides: one per distinct place, label, department and employment type, shared by the jobs that
    have it (100,000 jobs, 52,000 sides). Each field is folded once per distinct value and the rest is C loops, so
    a side costs its making only. Kept by no cache: a process-wide one held 9 MB of keys for a pool of 100,000
    jobs after it was built."""
    keys = list(zip(map(Place.of, cities, zip_codes, raws), _each(place_label, map(_or, cities, raws)),
                    _each(department_key, departments), _each(employment_type_key, employment_types)))
    distinct = list(dict.fromkeys(keys))
    made = dict(zip(distinct, map(tuple.__new__, repeat(Side), distinct)))  # Side._make, without a call in Python
    return list(map(made.__getitem__, keys))


def _each(fold: Callable[[Any], Any], values: Iterable[Any]) -> list[Any]:
    """`fold` of each value, called once per distinct value."""
    values = list(values)
    folded = {value: fold(value) for value in set(values)}
    return list(map(folded.__getitem__, values))


def _or(first: str | None, second: str | None) -> str | None:
    return first or second

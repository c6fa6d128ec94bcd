"""One customer's pool of ATS jobs, indexed once and kept current as syncs change jobs."""

import gc
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from jobmatch.matcher.identifiers import codes_in_title, normalize_code, normalize_remote_id, normalize_url
from jobmatch.matcher.jobs import JobRecord, job_record
from jobmatch.matcher.matching import Pins, rank
from jobmatch.matcher.model import MatchResult, Posting
from jobmatch.matcher.places import City, CityNames, Place
from jobmatch.matcher.scoring import side
from jobmatch.matcher.search import TitleSearch
from jobmatch.matcher.titles import Title, normalize_title


class JobIndex:
    """Identifier maps, the title search and the city names of a pool."""

    def __init__(self, jobs: Iterable[dict[str, Any]] = ()) -> None:
        self._jobs: dict[str, JobRecord] = {}
        self._titles: dict[str, Title] = {}
        self._by_code: dict[str, set[str]] = defaultdict(set)
        self._by_remote_id: dict[str, set[str]] = defaultdict(set)
        self._by_url: dict[str, set[str]] = defaultdict(set)
        self._stripped: dict[City, set[str]] = defaultdict(set)  # city -> jobs whose title it was removed from
        self._cities = CityNames()
        self._search = TitleSearch()
        with _without_cycle_collection():
            self._build(jobs)

    def _build(self, jobs: Iterable[dict[str, Any]]) -> None:
        records = {}
        for job in jobs:
            record = job_record(job)
            records[record.id] = record
        for record in records.values():  # every city first, so no title is normalized twice
            self._cities.add(record.side.place.city)
        normalized: dict[str, Title] = {}  # many jobs share a title: each distinct title is normalized once
        for record in records.values():
            title = normalized.get(record.name)
            if title is None:
                title = normalized[record.name] = normalize_title(record.name, self._cities)
            self._insert(record, title)

    def __len__(self) -> int:
        return len(self._jobs)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._jobs

    def upsert(self, job: dict[str, Any]) -> None:
        """Add a job or replace the indexed version of it."""
        record = job_record(job)
        if record.id in self._jobs:
            self.remove(record.id)
        if self._cities.add(record.side.place.city):
            self._renormalize(self._jobs_with_word(record.side.place.city[0]))
        self._insert(record, normalize_title(record.name, self._cities))

    def remove(self, job_id: str) -> None:
        """Forget a job (unknown ids are ignored: a deletion may arrive twice)."""
        record = self._unindex(job_id)
        if record is not None and self._cities.discard(record.side.place.city):
            self._renormalize(set(self._stripped.get(record.side.place.city, ())))

    def match(self, posting: Posting, limit: int = 5, exclude: Collection[str] = ()) -> MatchResult:
        """Candidates for `posting`, best first, and the decision; jobs in `exclude` are never suggested."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        location = posting.location
        place = Place.of(location.city, location.zip_code, location.raw) if location else Place((), "")
        title = normalize_title(posting.title, self._cities, also=place.city)
        if not place and len(title.cities) == 1:  # "Pflegehelfer in Sonneberg" without a location says where
            (city,) = title.cities
            place = Place(city, "")
        label = (location.city or location.raw) if location and (location.city or location.raw) else " ".join(place.city)
        posting_side = side(place, label or place.zip_code, posting.department, posting.employment_type)
        return rank(posting_side, title, self._pins(posting, set(exclude)), self._jobs, self._titles, self._search,
                    limit=limit, exclude=set(exclude))

    def _pins(self, posting: Posting, exclude: set[str]) -> Pins:
        pins: Pins = []
        code = normalize_code(posting.job_code)
        if code:
            pins.append(("job_code", f"job code {posting.job_code.strip()}", self._by_code.get(code, set()) - exclude))
        for written in codes_in_title(posting.title):
            found = self._by_code.get(normalize_code(written), set()) - exclude
            if normalize_code(written) != code and found:
                pins.append(("job_code", f"job code {written} (found in the title)", found))
        remote_id = normalize_remote_id(posting.remote_id)
        if remote_id:
            pins.append(("remote_id", f"remote id {remote_id}", self._by_remote_id.get(remote_id, set()) - exclude))
        url = normalize_url(posting.post_url)
        if url:
            pins.append(("post_url", "post URL", self._by_url.get(url, set()) - exclude))
        return [pin for pin in pins if pin[2]]

    def _insert(self, record: JobRecord, title: Title) -> None:
        self._jobs[record.id] = record
        self._titles[record.id] = title
        self._search.add(title.text, title.words, record.id)
        for city in title.cities:
            self._stripped[city].add(record.id)
        if record.code:
            self._by_code[record.code].add(record.id)
        if record.remote_id:
            self._by_remote_id[record.remote_id].add(record.id)
        if record.url:
            self._by_url[record.url].add(record.id)

    def _unindex(self, job_id: str) -> JobRecord | None:
        record = self._jobs.pop(job_id, None)
        if record is None:
            return None
        title = self._titles.pop(job_id)
        self._search.discard(title.text, title.words, job_id)
        for city in title.cities:
            self._discard(self._stripped, city, job_id)
        for mapping, key in self._identifier_keys(record):
            self._discard(mapping, key, job_id)
        return record

    def _identifier_keys(self, record: JobRecord) -> list[tuple[dict[str, set[str]], str]]:
        keys = [(self._by_code, record.code), (self._by_remote_id, record.remote_id), (self._by_url, record.url)]
        return [(mapping, key) for mapping, key in keys if key]

    def _jobs_with_word(self, word: str) -> set[str]:
        return {job_id for text in self._search.titles_with_word(word) for job_id in self._search.jobs(text)}

    def _renormalize(self, job_ids: set[str]) -> None:
        """Normalize these titles again after the set of city names changed."""
        for job_id in job_ids:
            record = self._unindex(job_id)
            if record is not None:
                self._insert(record, normalize_title(record.name, self._cities))

    @staticmethod
    def _discard(mapping: dict[Any, set[str]], key: Any, job_id: str) -> None:
        ids = mapping.get(key)
        if ids is not None:
            ids.discard(job_id)
            if not ids:
                del mapping[key]


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """A build allocates hundreds of thousands of long-lived objects and no reference cycles; the cycle collector
    would walk them again and again while they are made (a third of the build time at 100,000 jobs), so it is
    paused while the index is built. (`gc.freeze` would also spare the full collections afterwards, but it is
    process-wide: in a long-running API it would keep cyclic garbage of everything else alive for good.)"""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()

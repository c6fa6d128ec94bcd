"""One customer's pool of ATS jobs, indexed once and kept current as syncs change jobs."""

import gc
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from itertools import compress, islice
from operator import attrgetter, is_not
from typing import Any, Generic, TypeVar

from jobmatch.matcher.identifiers import bare_codes, codes_in_title, normalize_code, normalize_remote_id, normalize_url
from jobmatch.matcher.jobs import JobRecord, job_records, row_records
from jobmatch.matcher.matching import Pins, Pool, rank
from jobmatch.matcher.model import Alias, Candidate, MatchResult, Posting
from jobmatch.matcher.ngrams import load_tables
from jobmatch.matcher.occupations import occupations
from jobmatch.matcher.places import City, CityNames, Place
from jobmatch.matcher.readings import part_words, title_parts, without_foreign_parts, without_misspelt_cities
from jobmatch.matcher.scoring import (
    ALIKE_FLOOR,
    REVIEW_FLOOR,
    STRONG_TITLE,
    WEAK_ALIKE,
    WEAK_WORDING,
    WORDING_FLOOR,
    Side,
    side,
)
from jobmatch.matcher.search import TitleSearch
from jobmatch.matcher.text import clean
from jobmatch.matcher.titles import Title, TitleForms, normalize_title, only_work_time
from jobmatch.matcher.wording import Found, WordingSearch

K = TypeVar("K")
_ID, _NAME, _CODE, _REMOTE_ID, _URL = (attrgetter(field) for field in ("id", "name", "code", "remote_id", "url"))
_POSTING_IDS, _POSTING_URLS, _CITY = attrgetter("posting_ids"), attrgetter("posting_urls"), attrgetter("side.place.city")
_TEXT, _CITIES = attrgetter("text"), attrgetter("cities")
BUILD_CHUNK = 10_000  # jobs read into records at a time: a caller streaming jobs never holds all of them
_WORDED_TITLES = 10  # differently worded titles whose jobs may be suggested
PART_READING = 10.0  # what a candidate found by a part of the title alone scores below one found by the whole


class JobIndex:
    """Identifier maps, the title search and the city names of a pool."""

    def __init__(self, jobs: Iterable[dict[str, Any]] = (), *, public_only: bool = False) -> None:
        """`public_only`: the customer's choice that only PUBLIC jobs take applications (see applicability)."""
        self._public_only = public_only
        self._jobs: dict[str, JobRecord] = {}
        self._titles: dict[str, Title] = {}
        self._by_code = JobsByKey[str]()
        self._by_remote_id = JobsByKey[str]()
        self._by_url = JobsByKey[str]()
        self._stripped = JobsByKey[City]()  # city -> jobs whose title it was removed from
        self._cities = CityNames()
        self._search = TitleSearch()
        self._wording = WordingSearch()
        self._pool = Pool(self._jobs, self._titles, self._search)
        self._build(jobs, job_records)

    @classmethod
    def of_rows(cls, rows: Iterable[Sequence[Any]], *, public_only: bool = False,
                forms: TitleForms | None = None) -> "JobIndex":
        """An index of jobs given as rows of jobs.JOB_FIELDS (what a store reads, without a dict per job); its
        titles read from their `forms` where these hold them, and the forms of the others added to them."""
        index = cls(public_only=public_only)
        index._build(rows, row_records, forms)
        return index

    def _build(self, jobs: Iterable[Any], read: Callable[..., list[JobRecord]], forms: TitleForms | None = None
               ) -> None:
        with without_cycle_collection():
            occupations()  # the table a build reads, once per process (0.1 s), first: a caller streaming jobs
            # fetches meanwhile (the others are read by `complete`)
            jobs = iter(jobs)
            while chunk := list(islice(jobs, BUILD_CHUNK)):  # the jobs read may be dropped once they are records
                records = read(chunk, public_only=self._public_only)
                self._jobs.update(zip(map(_ID, records), records))  # a later version of a job replaces one before
            records = list(self._jobs.values())
            self._cities.add_all(map(_CITY, records))  # every city first, so no title is normalized twice
            names = list(map(_NAME, records))
            title = forms.title if forms is not None else normalize_title
            normalized = {name: title(name, self._cities) for name in set(names)}
            self._index(records, list(map(normalized.__getitem__, names)))

    def __len__(self) -> int:
        return len(self._jobs)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._jobs

    def complete(self, titles: int | None = None) -> bool:
        """Make up to `titles` more titles' part of the index that a build leaves out, all if None: what letters
        alike and employers' titles compare (wording.py); True once it is whole. A match needing it before makes
        the rest first. The tables it reads are read first, once per process."""
        if self._wording.whole:
            return True
        load_tables()
        with without_cycle_collection():
            return self._wording.complete(titles)

    def city_names(self) -> CityNames:
        """A copy of the city names the pool reads titles with (re-matching reads posting titles as it does)."""
        return self._cities.copy()

    def upsert(self, job: dict[str, Any]) -> None:
        """Add a job or replace the indexed version of it; a job without a usable id is left out."""
        self._upsert(job_records([job], public_only=self._public_only))

    def upsert_row(self, row: Sequence[Any]) -> None:
        """`upsert` of a job given as a row of jobs.JOB_FIELDS."""
        self._upsert(row_records([row], public_only=self._public_only))

    def _upsert(self, records: list[JobRecord]) -> None:
        if not records:
            return
        (record,) = records
        if record.id in self._jobs:
            self.remove(record.id)
        if self._cities.add(record.side.place.city):
            self._renormalize(self._jobs_with_word(record.side.place.city[0]))
        self._insert([record], [normalize_title(record.name, self._cities)])

    def remove(self, job_id: str) -> None:
        """Forget a job (unknown ids are ignored: a deletion may arrive twice)."""
        record = self._unindex(job_id)
        if record is not None and self._cities.discard(record.side.place.city):
            self._renormalize(self._stripped.get(record.side.place.city))

    def match(self, posting: Posting, limit: int = 5, exclude: Collection[str] = (),
              aliases: Sequence[Alias] = ()) -> MatchResult:
        """Candidates for `posting`, best first, and the decision; jobs in `exclude` are never suggested.
        `aliases` are reviewers' verdicts for earlier postings of the same `title_key`: a job linked for one
        comes first (after an agreed identifier), a rejected one last; neither links by itself."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        posting_side, title, pins = self._read(posting, set(exclude))
        skip = set(exclude)
        result = rank(posting_side, title, pins, self._worded(title, pins), self._pool, limit=limit, exclude=skip,
                      aliases=aliases, written=posting.title)
        if result.decision != "no_match":
            return result
        found = self._found_by_parts(posting, posting_side, self._pool, limit, skip)
        if not found:
            return result
        best: dict[str, Candidate] = {}  # a job's plausible candidate before its weak one
        for candidate in sorted(found + result.candidates, key=lambda c: (c.weak, -c.score, c.job_id)):
            best.setdefault(candidate.job_id, candidate)
        return MatchResult("needs_review", list(best.values())[:limit])

    def _found_by_parts(self, posting: Posting, posting_side: Side, pool: Pool, limit: int, exclude: set[str],
                        among: Collection[str] | None = None) -> list[Candidate]:
        """The plausible candidates each part of the title (jobmatch.matcher.readings.title_parts) that names a
        job finds, read alone as the pool reads a title (`_read_as`): a title the whole of which matches nothing
        may be a job's title beside an employer or a slogan the pool knows the words of ("Wohn- und
        Pflegezentrum Unteres Tor: stv. Küchenleitung")."""
        parts, _ = title_parts(clean(posting.title or ""))
        if len(parts) < 2:
            return []
        found = []
        for part in parts:
            read = self._title_of(part, posting_side.place.city)
            if read.words and not only_work_time(read):
                found += _read_as(part.strip(), rank(posting_side, read, [], self._worded(read, [], among), pool,
                                                     limit=limit, exclude=exclude, written=posting.title).candidates)
        return found

    def _title_of(self, text: str, city: City) -> Title:
        """A title as this pool reads it, beside a posting in `city`."""
        title = normalize_title(text, self._cities, also=city)
        return without_misspelt_cities(self._cut_short(title), self._cities, self._search.titles_with_word)

    def could_enter(self, posting: Posting, job_ids: Collection[str], kept: Sequence[Candidate], limit: int = 5,
                    exclude: Collection[str] = ()) -> bool:
        """Whether any of these jobs can enter a match of `posting` against this pool that holds the candidates
        `kept` (best first; all found by their titles or worded otherwise, none a reviewer's verdict). Each job is
        ranked as `match` ranks it, its own title compared where the match compares those its keys find, so it
        scores at least what the match gives it, beside the kept candidates' titles (the best title found decides
        whether letters alike are asked). A last kept candidate found by its title is ranked with them, as the
        match ranks it; one found otherwise is compared by its score, which a job within a tenth of can enter.
        Re-matching asks it of a posting that a changed job can at most enter."""
        skip = set(exclude)
        ids = {job_id for job_id in job_ids if job_id in self._jobs and job_id not in skip}
        if not ids:
            return False
        posting_side, title, pins = self._read(posting, skip)
        if pins:
            return True
        last = kept[-1] if len(kept) >= limit else None
        ranked = ids | ({last.job_id} if last and last.method == "title" and last.job_id in self._jobs else set())
        texts = {self._titles[job_id].text for job_id in ids}
        seen = texts | {self._titles[c.job_id].text for c in kept if c.job_id in self._titles}
        among = Pool(self._jobs, self._titles, _Among(self._search, seen, ranked))
        found = rank(posting_side, title, [], self._worded(title, [], texts), among, limit=len(ranked), exclude=skip,
                     written=posting.title).candidates
        if not any(not candidate.weak and not _read_by_part(candidate) for candidate in kept) \
                and self._found_by_parts(posting, posting_side, among, len(ranked), skip, texts):
            return True  # the whole title finds nothing plausible, so the parts are read (`match`), and find a job
        if last is None:
            return bool(found)
        if last.job_id in ranked:
            order = [candidate.job_id for candidate in found]
            return last.job_id not in order or order.index(last.job_id) > 0
        return any(candidate.weak < last.weak or (candidate.weak == last.weak and candidate.score >= last.score - 0.1)
                   for candidate in found)

    def _read(self, posting: Posting, exclude: set[str]) -> tuple[Side, Title, Pins]:
        """The posting as ranking reads it: its place and evidence, its title as this pool reads it, and what its
        identifiers pin."""
        location = posting.location
        place = Place.of(location.city, location.zip_code, location.raw) if location else Place((), "")
        pins, written = self._pins(posting, exclude)
        text = without_foreign_parts(_without(posting.title, written),
                                     lambda part: part_words(part, self._cities, place.city), self._search.knows)
        title = self._title_of(text, place.city)
        if not place and len(title.cities) == 1:  # "Pflegehelfer in Sonneberg" without a location says where
            (city,) = title.cities
            place = Place(city, "")
        label = (location.city or location.raw) if location and (location.city or location.raw) else " ".join(place.city)
        return side(place, label or place.zip_code, posting.department, posting.employment_type), title, pins

    def _worded(self, title: Title, pins: Pins, among: Collection[str] | None = None) -> Callable[[float], list[Found]]:
        def worded(best_title: float) -> list[Found]:
            """Letters alike only where neither an identifier nor the title search found much: a weak suggestion
            would rank above the job of a code whose title was cut ("Landarztpraxis sucht dringend")."""
            alike = (WEAK_ALIKE, ALIKE_FLOOR) if best_title < STRONG_TITLE and not pins else None
            if alike:
                self.complete()
            return self._wording.similar(title.text, title.words, (WEAK_WORDING, WORDING_FLOOR), _WORDED_TITLES, alike,
                                         among)

        return worded

    def _cut_short(self, title: Title) -> Title:
        """A title cut mid-word without an ellipsis ("Industriemechaniker Instandhaltu": its last word starts a
        word of the pool) is marked cut; a last word the pool does not know that starts a place ("in Bam",
        "(Mittelfra") is the place, cut short, and is dropped, and so is one the pool knows where an ellipsis
        cut the title ("Reinigungskraft (w/m/d) Röthenbach..." of "Röthenbach an der Pegnitz")."""
        last = title.words[-1] if title.words else ""
        if len(title.words) > 1 and len(last) >= 3 and (title.cut or not self._search.titles_with_word(last)) \
                and self._cities.started_by(last):
            kept = title.words[:-1]
            return replace(title, text=" ".join(kept), words=kept, cut=True)
        if len(title.words) > 1 and len(last) >= 4 and not title.cut and self._search.completes(last):
            return replace(title, cut=True)  # a board cuts a long title; one word is a word typed, not cut
        return title

    def _pins(self, posting: Posting, exclude: set[str]) -> tuple[Pins, list[str]]:
        """The identifiers' pins, and the codes written in the title without a label that pinned a job (they
        are no part of the job's name)."""
        pins: Pins = []
        code = normalize_code(posting.job_code)
        if code:
            pins.append(("job_code", f"job code {posting.job_code.strip()}", self._by_code.get(code) - exclude))
        seen, bare = {code}, set(bare_codes(posting.title))
        written_codes = []
        for written in [*codes_in_title(posting.title), *bare]:
            found = self._by_code.get(normalize_code(written)) - exclude
            if normalize_code(written) not in seen and found:
                seen.add(normalize_code(written))
                pins.append(("job_code", f"job code {written} (found in the title)", found))
                if written in bare:
                    written_codes.append(written)
        remote_id = normalize_remote_id(posting.remote_id)
        if remote_id:
            pins.append(("remote_id", f"remote id {remote_id}", self._by_remote_id.get(remote_id) - exclude))
        url = normalize_url(posting.post_url)
        if url:
            pins.append(("post_url", "post URL", self._by_url.get(url) - exclude))
        return [pin for pin in pins if pin[2]], written_codes

    def _insert(self, records: list[JobRecord], titles: list[Title]) -> None:
        self._jobs.update(zip(map(_ID, records), records))
        self._index(records, titles)

    def _index(self, records: list[JobRecord], titles: list[Title]) -> None:
        """Index jobs held in `_jobs` with their normalized titles, a map at a time: a build indexes 100,000 jobs
        at once."""
        ids = list(map(_ID, records))
        self._titles.update(zip(ids, titles))
        texts = list(map(_TEXT, titles))
        jobs_by_title: dict[str, list[str]] = {}
        for job_id, text in zip(ids, texts):
            jobs_by_title.setdefault(text, []).append(job_id)
        for title in dict(zip(texts, titles)).values():
            self._search.add(title.text, title.words, jobs_by_title[title.text])
            self._wording.add(title.text, title.words)
        self._stripped.add(*_spread(ids, map(_CITIES, titles)))
        self._by_code.add(list(map(_CODE, records)), ids)
        for by_key, own, postings in ((self._by_remote_id, _REMOTE_ID, _POSTING_IDS), (self._by_url, _URL, _POSTING_URLS)):
            keys, owners = list(map(own, records)), ids
            if any(map(postings, records)):  # most pools have no job postings
                more, their_ids = _spread(ids, map(postings, records))
                keys, owners = keys + more, ids + their_ids
            by_key.add(keys, owners)

    def _unindex(self, job_id: str) -> JobRecord | None:
        record = self._jobs.pop(job_id, None)
        if record is None:
            return None
        title = self._titles.pop(job_id)
        self._search.discard(title.text, title.words, job_id)
        if not self._search.jobs(title.text):
            self._wording.discard(title.text)
        for city in title.cities:
            self._stripped.discard(city, job_id)
        self._by_code.discard(record.code, job_id)
        for remote_id in record.remote_ids:
            self._by_remote_id.discard(remote_id, job_id)
        for url in record.urls:
            self._by_url.discard(url, job_id)
        return record

    def _jobs_with_word(self, word: str) -> set[str]:
        return {job_id for text in self._search.titles_with_word(word) for job_id in self._search.jobs(text)}

    def _renormalize(self, job_ids: set[str]) -> None:
        """Normalize these titles again after the set of city names changed."""
        for job_id in job_ids:
            record = self._unindex(job_id)
            if record is not None:
                self._insert([record], [normalize_title(record.name, self._cities)])


def title_key(posting: Posting) -> str:
    """What a reviewer's verdict is remembered under: the posting's normalized title, without its own city (the
    pool's cities are left in, so that the key does not change as the pool does)."""
    location = posting.location
    city = Place.of(location.city, location.zip_code, location.raw).city if location else ()
    return normalize_title(posting.title, CityNames(), also=city).text


def _spread(ids: list[str], groups: Iterable[Collection[K]]) -> tuple[list[K], list[str]]:
    """Each job's group of keys (most are empty) as a list of keys and one of the job ids beside them."""
    keys: list[K] = []
    owners: list[str] = []
    for job_id, group in zip(ids, groups):
        if group:
            keys += group
            owners += [job_id] * len(group)
    return keys, owners


class _Among:
    """The title search of a pool, asked of a few of its titles and jobs only (`JobIndex.could_enter`)."""

    def __init__(self, search: TitleSearch, texts: set[str], job_ids: set[str]) -> None:
        self._search, self._texts, self._job_ids = search, sorted(texts), job_ids

    def similar(self, text: str, words: tuple[str, ...], cutoff: float, cut: bool = False) -> list[tuple[str, float]]:
        return self._search.scored(text, self._texts, cutoff, cut) if text else []

    def jobs(self, text: str) -> list[str]:
        return [job_id for job_id in self._search.jobs(text) if job_id in self._job_ids]


_READ_AS = "read as: "  # the reason of a candidate a part of the title found


def _read_by_part(candidate: Candidate) -> bool:
    return bool(candidate.reasons) and candidate.reasons[-1].startswith(_READ_AS)


def _read_as(part: str, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates a part of the title found by their titles (a part's words worded otherwise say little:
    "Werde Teil unseres Teams") that stay plausible PART_READING below what the whole title would score."""
    return [replace(candidate, score=score, reasons=(*candidate.reasons, _READ_AS + part))
            for candidate in candidates if not candidate.weak and candidate.method == "title"
            and (score := round(candidate.score - PART_READING, 1)) >= REVIEW_FLOOR]


def _without(title: str, codes: list[str]) -> str:
    for code in codes:
        title = title.replace(code, " ")
    return title


class JobsByKey(Generic[K]):
    """Job ids by a key that nearly every job has its own of (a code, a URL): a key held by one job maps to its
    id, not to a set of one, which spares a set per job and key (300,000 of them at 100,000 jobs)."""

    def __init__(self) -> None:
        self._ids: dict[K, str | set[str]] = {}

    def add(self, keys: Sequence[K], job_ids: Sequence[str]) -> None:
        """Record each job id under the key beside it; an empty key is no key. Into an empty map (a build's) the
        keys go by C loops, and only those held by more than one job are then gone through one by one."""
        if not all(keys):
            keys, job_ids = list(filter(None, keys)), list(compress(job_ids, keys))
        ids = self._ids
        if not ids:
            ids.update(zip(keys, job_ids))
            if len(ids) == len(keys):
                return
            # the last job of a key holds it: a key another job holds too is gone through below (a key repeated
            # for one job, its own URL also its posting's, is held as it is)
            shared = set(compress(keys, map(is_not, map(ids.__getitem__, keys), job_ids)))
            for key in shared:
                del ids[key]
            again = list(map(shared.__contains__, keys))
            keys, job_ids = list(compress(keys, again)), list(compress(job_ids, again))
        for key, job_id in zip(keys, job_ids):
            held = ids.setdefault(key, job_id)
            if held is job_id:
                continue
            if isinstance(held, set):
                held.add(job_id)
            elif held != job_id:
                ids[key] = {held, job_id}

    def discard(self, key: K, job_id: str) -> None:
        held = self._ids.get(key)
        if isinstance(held, set):
            held.discard(job_id)
            if len(held) == 1:
                self._ids[key] = next(iter(held))
        elif held == job_id:
            del self._ids[key]

    def get(self, key: K) -> set[str]:
        """The jobs holding `key`: a new set, the caller's to change."""
        held = self._ids.get(key)
        if held is None:
            return set()
        return set(held) if isinstance(held, set) else {held}


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """A build (or the unpickling of a pool's snapshot) allocates hundreds of thousands of long-lived objects and
    no reference cycles; the cycle collector would walk them again and again while they are made (a third of the
    build time at 100,000 jobs), so it is paused while the index is made. Afterwards the objects made meanwhile
    are moved to the oldest generation (`gc.freeze` then `gc.unfreeze`: two list splices), or the first young
    collections after the pause would walk them all again (0.15 s at 100,000 jobs). What is garbage among them is
    collected by the next full collection, as anything old is; `gc.freeze` alone would keep it for good,
    process-wide."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()

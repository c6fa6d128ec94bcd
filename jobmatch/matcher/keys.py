"""Keys a posting shares with every ATS job that could become one of its candidates, whatever else the pool holds.

A changed job can concern a posting's match only through what the matcher compares: an identifier (job code,
also one written in the title; remote id; post URL) or a similar title. Titles are keyed as the title search
keys them (words, and the first and last five letters of long words), computed without the pool's city names,
so that the keys hold every word any pool could leave in the title; words of four to nine letters are also
keyed with one letter left out, so that a word with one typo (which the search reaches through the pool's
nearest words) still shares a key with the word. A job's city is keyed too: a city new to a pool, or gone from
it, changes how titles naming it are read. Keys are namespaced strings ("code:req-01007", "lager", "<lager").
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jobmatch.matcher.identifiers import codes_in_title, normalize_code, normalize_remote_id, normalize_url
from jobmatch.matcher.places import City, CityNames, Place
from jobmatch.matcher.scoring import SEARCH_CUTOFF, similar_titles, title_views
from jobmatch.matcher.text import clean
from jobmatch.matcher.titles import normalize_title

_AFFIX = 5  # as the title search keys long words (jobmatch.matcher.search)
_TYPO_KEYED = range(4, 10)  # lengths at which one typo can break every other key of a word
_NO_CITIES = CityNames()
_PUNCTUATION = "()[]{},;:!?\"'|*#."


def title_words(title: str | None, city: City = ()) -> tuple[str, ...]:
    """The words of a posting's title that name the job, as the matcher reads them with the posting's own `city`
    removed but no city of a pool: the words any pool can leave."""
    return normalize_title(title, _NO_CITIES, also=city).words


def title_keys(words: Iterable[str]) -> set[str]:
    keys = set()
    for word in words:
        keys.add(word)
        if len(word) > _AFFIX + 1:
            keys.update(("<" + word[:_AFFIX], ">" + word[-_AFFIX:]))
        if len(word) in _TYPO_KEYED:
            keys.update(word[:i] + word[i + 1 :] for i in range(len(word)))
    return keys


def code_key(code: str | None) -> str | None:
    normalized = normalize_code(code)
    return "code:" + normalized if normalized else None


def identifier_keys(job_code: str | None, remote_id: str | None, post_url: str | None) -> set[str]:
    remote, url = normalize_remote_id(remote_id), normalize_url(post_url)
    return {key for key in (code_key(job_code), remote and "rid:" + remote, url and "url:" + url) if key}


def codes_written_in(title: str | None) -> set[str]:
    """Keys of whatever in a title may be a job code: labelled codes ("Ref: REQ-01007"), and every token with a
    digit, alone and with the word before it ("REQ 01007")."""
    text = clean(title or "")
    tokens = [token.strip(_PUNCTUATION) for token in text.split()]
    written = set(codes_in_title(text))
    for i, token in enumerate(tokens):
        if any(char.isdigit() for char in token):
            written.add(token)
            if i:
                written.add(f"{tokens[i - 1]} {token}")
    return {key for key in map(code_key, written) if key}


def candidate_key(job_id: str) -> str:
    """The key of a posting that has this job among its candidates."""
    return "job:" + job_id


POSTING_FIELDS = ("title", "job_code", "remote_id", "post_url", "location")  # what a posting's keys come from


def posting_keys(fields: Mapping[str, Any], candidate_ids: Iterable[str] = ()) -> tuple[tuple[str, ...], set[str]]:
    """The title words and the keys of a posting (its POSTING_FIELDS, as POST /v1/postings takes them) and of the
    jobs it has as candidates."""
    location = fields.get("location") or {}
    words = title_words(fields["title"], Place.of(location.get("city"), location.get("zip_code"), location.get("raw")).city)
    return words, (
        identifier_keys(fields.get("job_code"), fields.get("remote_id"), fields.get("post_url"))
        | codes_written_in(fields["title"])
        | title_keys(words)
        | {candidate_key(job_id) for job_id in candidate_ids}
    )


def job_city(job: Mapping[str, Any]) -> City:
    """The job's city as its pool knows it (jobmatch.matcher.jobs reads the same fields)."""
    location = job.get("location") if isinstance(job.get("location"), Mapping) else {}
    city, raw = (value if isinstance(value, str) else None for value in (location.get("city"), location.get("raw")))
    return Place.of(city, None, raw).city


def job_title_words(job: Mapping[str, Any]) -> tuple[str, ...]:
    """The words of a Kombo job's title as any pool holding the job can read them: its own city is always one
    of the pool's."""
    name = job.get("name") if isinstance(job.get("name"), str) else None
    cities = CityNames()
    cities.add(job_city(job))
    return normalize_title(name, cities).words


@dataclass(frozen=True, slots=True)
class JobKeys:
    """What a job's change is looked up by: a waiting posting sharing one of `identifiers` (or having the job
    among its candidates) is concerned outright; one sharing one of `titles` is when `concerned_titles` says so."""

    candidate: str
    identifiers: frozenset[str]
    titles: frozenset[str]
    words: tuple[str, ...]
    city: City


def job_keys(job: Mapping[str, Any], in_pool: bool = True) -> JobKeys:
    """The keys of a Kombo job (non-string values, which the matcher refuses, give none). A job outside the
    matching pool (hidden from matching) concerns only the postings that have it as a candidate."""
    if not in_pool:
        return JobKeys(candidate_key(job["id"]), frozenset(), frozenset(), (), ())
    job_code, remote_id, post_url = (job.get(name) for name in ("job_code", "remote_id", "post_url"))
    texts = [value if isinstance(value, str) else None for value in (job_code, remote_id, post_url)]
    words, city = job_title_words(job), job_city(job)
    return JobKeys(candidate_key(job["id"]), frozenset(identifier_keys(*texts)),
                   frozenset(title_keys(words) | set(city)), words, city)


def pool_cities(places: Iterable[tuple[str | None, str | None]]) -> CityNames:
    """The city names of a pool from its jobs' (city, raw location) pairs, as the pool's index knows them."""
    cities = CityNames()
    for city, raw in places:
        cities.add(Place.of(city, None, raw).city)
    return cities


def concerned_titles(job_words: tuple[str, ...], city: City, titles: list[tuple[str, ...]],
                     cities: CityNames) -> set[int]:
    """Which of these posting titles (title_words) a job could concern by its title: similar enough for the
    title search to consider it (SEARCH_CUTOFF), also with the pool's `cities` left out of both, as the pool
    leaves them out; or naming the job's city, whose arrival in a pool or departure from it changes how the
    posting's title is read."""
    found = {i for i, words in enumerate(titles) if city and _contains(words, city)}
    if not job_words:
        return found
    found.update(_similar(job_words, dict(enumerate(titles))))
    in_pool = _without_cities(job_words, cities)
    rest = {i: _without_cities(words, cities) for i, words in enumerate(titles) if i not in found}
    if in_pool == job_words:
        rest = {i: words for i, words in rest.items() if words != titles[i]}
    if in_pool:
        found.update(_similar(in_pool, rest))
    return found


def _similar(job_words: tuple[str, ...], titles: dict[int, tuple[str, ...]]) -> list[int]:
    keys = list(titles)
    views = [title_views(" ".join(titles[key])) for key in keys]
    return [keys[i] for i, _ in similar_titles(" ".join(job_words), views, SEARCH_CUTOFF)]


def _without_cities(words: tuple[str, ...], cities: CityNames) -> tuple[str, ...]:
    kept, i = [], 0
    while i < len(words):
        names = cities.starting_with(words[i])
        city = max((c for c in names if words[i : i + len(c)] == c), key=len, default=None) if names else None
        if city is None:
            kept.append(words[i])
        i += len(city) if city else 1
    return tuple(kept)


def _contains(words: tuple[str, ...], part: City) -> bool:
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))

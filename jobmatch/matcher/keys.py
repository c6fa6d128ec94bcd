"""Keys a posting shares with every ATS job that could become one of its candidates, whatever else the pool holds.

A changed job can concern a posting's match only through what the matcher compares: an identifier (job code,
also one written in the title; remote id; post URL), a similar title, or a title worded otherwise. Titles are
keyed as the title search keys them (words, and the first and last five letters of long words), computed without
the pool's city names, so that the keys hold every word any pool could leave in the title; words of four to nine
letters are also keyed with one letter left out, so that a word with one typo (which the search reaches through
the pool's nearest words) still shares a key with the word, and words of four letters or more by their letters
sorted, so that a word with letters swapped, however many, does too. A posting's last word of five or six
letters is keyed by its first five, as a long word of a job is, so that a title cut short shares a key with the
job whose word it starts ("Instandh"). A job's city is keyed too: a city new to a pool, or gone from it, changes
how titles naming it are read.

The wording source (jobmatch.matcher.wording) offers titles of the same occupation (ESCO), of the same compound
parts, and of letters alike. A posting keys the occupations its title names ("occ:"), and the stems of its
parts ("stem:") with the most telling of them marked ("part:"), and so do the shortest German labels of the
occupations it names, which the source looks up when the pool has no job of one. A job is looked up by its
occupations, by each of its stems as the most telling one of a posting, and by its own most telling stem: parts
make a candidate only when one title's stems hold all of the other's, so a posting whose stems are all the job's
holds the job's most telling stem, and one whose stems the job holds has its most telling stem among them.
Letters alike share a word start or end in practice ("Reinigungskraft" / "Helfer - Reinigung"); the keys above
reach those. Keys are namespaced strings ("code:req-01007", "lager", "<lager", "occ:17", "part:lager").

A pool may read a posting's title with parts of it left out (an employer in words no title of the pool has,
jobmatch.matcher.readings.without_foreign_parts): a posting is keyed, and compared, by each choice of its parts
too (`title_readings`), and a title cut short also without its last word (a place cut short, which the pool
leaves out), stored with its title words (`stored_words`).

A job that shares only title keys with a posting can at most enter its match, which the pool tells
(jobmatch.matcher.index.JobIndex.could_enter).
"""

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, combinations
from typing import Any

from jobmatch.matcher.identifiers import codes_in_title, normalize_code, normalize_remote_id, normalize_url
from jobmatch.matcher.ngrams import grams, rarity
from jobmatch.matcher.occupations import occupations, same_occupation
from jobmatch.matcher.places import City, CityNames, Place
from jobmatch.matcher.readings import part_words, title_parts
from jobmatch.matcher.scoring import (
    ALIKE_FLOOR,
    SEARCH_CUTOFF,
    WORDING_FLOOR,
    cut_after_word,
    similar_titles,
    title_similarity,
    title_views,
)
from jobmatch.matcher.search import CUT_KEYED
from jobmatch.matcher.text import clean
from jobmatch.matcher.titles import normalize_title
from jobmatch.matcher.wording import WordingSearch, parts

_AFFIX = 5  # as the title search keys long words (jobmatch.matcher.search)
_TYPO_KEYED = range(4, 10)  # lengths at which one typo can break every other key of a word
_SHORTEST_CUT = 4  # a title's last word the matcher may read as cut short (jobmatch.matcher.index)
_EXPANDED_LABELS = 6  # the shortest German labels of an occupation the wording source looks up (wording.py)
# parts in common, each weighing the same, that make a title a wording candidate in some pool: the lowest that
# reaches every parts candidate of the labelled set (tests/matcher/test_keys.py)
_PARTS_FLOOR = 0.5
_NO_STRENGTH = 2.0  # asked of the source when only its letters alike are wanted: no other strength reaches it
_NO_CITIES = CityNames()
_PUNCTUATION = "()[]{},;:!?\"'|*#."
_READINGS = " | "  # between the readings of a posting's title as stored (no title word holds "|")
Readings = tuple[tuple[str, ...], ...]  # a posting's title words, then those of each choice of its parts


def title_readings(title: str | None, city: City = ()) -> list[tuple[str, ...]]:
    """The words of each reading a pool may make of the title with some of its parts left out (every choice of
    the parts naming a job, but all of them), with the posting's own `city` removed but no city of a pool, as
    `posting_keys` reads the whole title: none for a title of one such part."""
    parts, _ = title_parts(clean(title or ""))
    named = [words for part in parts if (words := part_words(part, _NO_CITIES, city))]
    return [tuple(chain.from_iterable(chosen)) for size in range(1, len(named)) for chosen in combinations(named, size)]


def stored_words(readings: Iterable[tuple[str, ...]]) -> str:
    return _READINGS.join(map(" ".join, readings))


def readings_of(stored: str) -> Readings:
    """The readings `stored_words` stored (words stored before readings were: one)."""
    return tuple(tuple(reading.split()) for reading in stored.split(_READINGS))


def marked_cut_key(words: Iterable[str]) -> str:
    """The key of a title cut short with an ellipsis ("Berufskraftfahrer für das Gebiet ..."), which the title
    search compares with the start of every title: its first word, which the job's title starts with too."""
    return "cut:" + next(iter(words), "")


def title_keys(words: Iterable[str]) -> set[str]:
    keys = set()
    for word in words:
        keys.add(word)
        if len(word) > _AFFIX + 1:
            keys.update(("<" + word[:_AFFIX], ">" + word[-_AFFIX:]))
        if len(word) in _TYPO_KEYED:
            keys.update(word[:i] + word[i + 1 :] for i in range(len(word)))
        if len(word) >= 4:
            keys.add("~" + "".join(sorted(word)))
    return keys


def cut_keys(words: tuple[str, ...]) -> set[str]:
    """The key of a posting's last word that may be cut from a longer word of a job: its first letters, as the
    job's word is keyed (longer last words have that key already)."""
    last = words[-1] if len(words) > 1 else ""
    return {"<" + last[:_AFFIX]} if len(last) in CUT_KEYED else set()


def posting_wording_keys(words: tuple[str, ...]) -> set[str]:
    """The keys a posting's title shares with every title the wording source can offer for it (see the module)."""
    table = occupations()
    named = table.of(words)[0]
    keys = {f"occ:{number}" for number in named}
    labels = [label.split() for number in named for label in sorted(table.german[number], key=len)[:_EXPANDED_LABELS]]
    for stems in (parts(words)[1], *(parts(label)[1] for label in labels)):
        if stems:
            keys.update("stem:" + stem for stem in stems)
            keys.add("part:" + _most_telling(stems))
    return keys


def job_wording_keys(words: tuple[str, ...]) -> set[str]:
    """The keys a job's title is looked up by among postings' `posting_wording_keys` (see the module)."""
    keys = {f"occ:{number}" for number in occupations().of(words)[0]}
    stems = parts(words)[1]
    if stems:
        keys.update("part:" + stem for stem in stems)
        keys.add("stem:" + _most_telling(stems))
    return keys


def _most_telling(stems: Iterable[str]) -> str:
    """The stem most likely to be rare: the longest, the first of those in order."""
    return min(stems, key=lambda stem: (-len(stem), stem))


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


def posting_keys(fields: Mapping[str, Any], candidate_ids: Iterable[str] = ()) -> tuple[Readings, set[str]]:
    """The title's readings (its words first) and the keys of a posting (its POSTING_FIELDS, as POST /v1/postings
    takes them) and of the jobs it has as candidates."""
    location = fields.get("location") or {}
    city = Place.of(location.get("city"), location.get("zip_code"), location.get("raw")).city
    title = normalize_title(fields["title"], _NO_CITIES, also=city)
    cut = (title.words[:-1],) if title.cut and len(title.words) > 1 else ()  # its last word a place cut short
    readings = (title.words, *title_readings(fields["title"], city), *cut)
    keys = (identifier_keys(fields.get("job_code"), fields.get("remote_id"), fields.get("post_url"))
            | codes_written_in(fields["title"]) | {candidate_key(job_id) for job_id in candidate_ids})
    for words in readings:
        keys |= (({marked_cut_key(words)} if title.cut and words else set())
                 | title_keys(words) | cut_keys(words) | posting_wording_keys(words))
    return readings, keys


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

    @property
    def job_id(self) -> str:
        return self.candidate.removeprefix("job:")


def job_keys(job: Mapping[str, Any], in_pool: bool = True) -> JobKeys:
    """The keys of a Kombo job (non-string values, which the matcher refuses, give none). A job outside the
    matching pool (hidden from matching) concerns only the postings that have it as a candidate."""
    if not in_pool:
        return JobKeys(candidate_key(job["id"]), frozenset(), frozenset(), (), ())
    job_code, remote_id, post_url = (job.get(name) for name in ("job_code", "remote_id", "post_url"))
    texts = [value if isinstance(value, str) else None for value in (job_code, remote_id, post_url)]
    words, city = job_title_words(job), job_city(job)
    return JobKeys(candidate_key(job["id"]), frozenset(identifier_keys(*texts)),
                   frozenset(title_keys(words) | job_wording_keys(words) | set(city) | {marked_cut_key(words)}),
                   words, city)


def pool_cities(places: Iterable[tuple[str | None, str | None]]) -> CityNames:
    """The city names of a pool from its jobs' (city, raw location) pairs, as the pool's index knows them."""
    cities = CityNames()
    for city, raw in places:
        cities.add(Place.of(city, None, raw).city)
    return cities


def concerned_titles(job_words: tuple[str, ...], city: City, postings: list[tuple[Readings, Collection[str]]],
                     cities: CityNames) -> dict[int, bool]:
    """Which of these postings (the readings of their titles, `readings_of`, and the keys they share with the job)
    a job could concern by its title: a reading similar enough for the title search to consider it
    (SEARCH_CUTOFF), also as a title cut short compared with the start of the job's, or one the wording source
    could offer the job's title for (`_worded`), each also with the pool's `cities` left out of both, as the pool
    leaves them out; or naming the job's city, whose arrival in a pool or departure from it changes how the
    posting's title is read (True: the job may then change anything in its match, where otherwise it can at
    most enter it)."""
    distinct: dict[tuple[Readings, frozenset[str]], int] = {}  # postings of one title read alike
    shared_kinds = _shared_kinds(set().union(*(keys for _, keys in postings)))
    of = [distinct.setdefault((readings, shared_kinds(keys)), len(distinct)) for readings, keys in postings]
    found = _concerned_titles(job_words, city, list(distinct), cities)
    return {i: found[at] for i, at in enumerate(of) if at in found}


def _concerned_titles(job_words: tuple[str, ...], city: City, postings: list[tuple[Readings, frozenset[str]]],
                      cities: CityNames) -> dict[int, bool]:
    """`concerned_titles` of distinct (readings, `_shared_kinds`)."""
    found = {i: True for i, (readings, _) in enumerate(postings) if city and _contains(readings[0], city)}
    if not job_words:
        return found
    owner = [i for i, (readings, _) in enumerate(postings) for _ in readings]  # reading -> its posting
    titles = [words for readings, _ in postings for words in readings]
    in_pool = _without_cities(job_words, cities)
    similar: set[int] = set()  # postings
    without = [_without_cities(words, cities) for words in titles]
    variants = (dict(enumerate(titles)), {j: words for j, words in enumerate(without) if words != titles[j]})
    for job in (job for job in dict.fromkeys((job_words, in_pool)) if job):
        for variant in variants:
            similar.update(owner[j] for j in _similar(job, {j: words for j, words in variant.items()
                                                            if words and owner[j] not in similar}))
    for job in (job for job in dict.fromkeys((job_words, in_pool)) if job):
        worded = _wording_of(job)
        for j, words in enumerate(titles):
            if owner[j] in similar:
                continue
            kinds = postings[owner[j]][1]
            cut = "cut" in kinds
            for variant in (words, without[j]) if without[j] != words else (words,):
                if variant and (_cut_from(variant, worded, cut) or (kinds and _worded(worded, variant, kinds))):
                    similar.add(owner[j])
                    break
    return dict.fromkeys(similar - found.keys(), False) | found


def _shared_kinds(keys: Iterable[str]) -> Callable[[Collection[str]], frozenset[str]]:
    """What keys a posting shares with a job say, of these keys (all that postings share with the job): "cut" (its
    title is cut short with an ellipsis), "wording" (their titles' occupations or parts meet), "start" (a word or
    a word's start: letters alike start alike; a word's end alone, "ingenieur" / "-eur", is shared by titles of
    every kind). Each key is read once, and a posting's keys are told by a set operation a kind."""
    of_kind: dict[str, set[str]] = {"cut": set(), "wording": set(), "start": set()}
    for key in keys:
        for kind in _key_kinds(key):
            of_kind[kind].add(key)
    kinds = [(frozenset((kind,)), held) for kind, held in of_kind.items() if held]

    def shared(posting_keys: Collection[str]) -> frozenset[str]:
        return frozenset().union(*(kind for kind, held in kinds if not held.isdisjoint(posting_keys)))

    return shared


def _key_kinds(key: str) -> tuple[str, ...]:
    if key.startswith("cut:"):
        return ("cut",)
    if key.startswith(("occ:", "stem:", "part:")):
        return ("wording", "start")
    return () if key[0] in ">~" else ("start",)


@dataclass(frozen=True, slots=True)
class _Worded:
    """A job's title as the wording source compares it (jobmatch.matcher.wording), read once per changed job."""

    words: tuple[str, ...]
    text: str
    starts: frozenset[str]  # what its words start with, of _SHORTEST_CUT letters or more but not the whole word
    named: tuple[dict[int, float], float]  # the occupations it names, and the share of its words naming them
    stems: frozenset[str]
    pieces: dict[str, float]  # its letter pieces, each with its squared weight
    norm: float  # the squared norm the source gives the title
    search: WordingSearch  # a source of this title alone, which tells letters alike as the pool's does
    # the pieces it shares with a word, and with an occupation's labels, each found once
    by_word: dict[str, frozenset[str]] = field(default_factory=dict)
    by_labels: dict[int, frozenset[str]] = field(default_factory=dict)

    def reached(self, words: tuple[str, ...]) -> float:
        """The squared weight of the pieces a posting of these words shares with the title: its words' and its
        occupations' labels' pieces (the source's query), each part intersected once per changed job, where a
        posting's whole query would be built for each posting."""
        shared: set[str] = set()
        for word in words:
            if (hits := self.by_word.get(word)) is None:
                hits = self.by_word[word] = _word_pieces(word).intersection(self.pieces)
            shared |= hits
        for number in _posting_named(words)[0]:
            if (hits := self.by_labels.get(number)) is None:
                hits = self.by_labels[number] = _label_pieces(number).intersection(self.pieces)
            shared |= hits
        return sum(map(self.pieces.__getitem__, shared))


@lru_cache(maxsize=64)  # a run asks about its few changed jobs, posting after posting
def _wording_of(job_words: tuple[str, ...]) -> _Worded:
    search = WordingSearch()
    text = " ".join(job_words)
    search.add(text, job_words)
    held = {piece for word in set(job_words) for piece in grams([word])}  # a title is the set of its pieces
    pieces = {piece: rarity(piece) ** 2 for piece in held}
    starts = {word[:end] for word in job_words for end in range(_SHORTEST_CUT, len(word))}
    return _Worded(job_words, text, frozenset(starts), occupations().of(job_words),
                   frozenset(parts(job_words)[1]), pieces, sum(pieces.values()), search)


def _worded(job: _Worded, words: tuple[str, ...], shared: Collection[str]) -> bool:
    """Whether the wording source could offer the job's title for a posting of these words in some pool: of the
    same occupation (at WORDING_FLOOR), or of parts one title holds all of the other's (`_parts_meet`), also of
    the shortest labels of an occupation the posting names, which both need the posting to share a wording key
    with the job; or of letters alike at ALIKE_FLOOR, told by the source itself where the posting shares a word's
    start with the job and their shared pieces could reach it (`shared`: `_shared_kinds`)."""
    if not shared or words == job.words:
        return False
    named = _posting_named(words)
    (posting_occupations, posting_covered), (job_occupations, job_covered) = named, job.named
    if posting_covered == job_covered == 1 and posting_occupations.keys().isdisjoint(job_occupations):
        return False  # told apart: ESCO names both wholly, as different occupations
    if "wording" in shared and (same_occupation(named, job.named) >= WORDING_FLOOR
                                or any(_parts_meet(stems, job.stems) for stems in _posting_stems(words))):
        return True
    if "start" not in shared:
        return False
    return job.reached(words) >= ALIKE_FLOOR**2 * job.norm and bool(  # the cosine is at most their weight over the title's
        job.search.similar(" ".join(words), words, (_NO_STRENGTH, _NO_STRENGTH), 1, (ALIKE_FLOOR, ALIKE_FLOOR)))


# A posting's title as the wording source reads it for a query (jobmatch.matcher.wording), each part made when
# first asked for: most titles a changed job is compared with are told apart before their labels are read.
@lru_cache(maxsize=1 << 14)
def _posting_named(words: tuple[str, ...]) -> tuple[dict[int, float], float]:
    """The occupations the title names, and the share of its words naming them."""
    return occupations().of(words)


@lru_cache(maxsize=1 << 14)
def _posting_stems(words: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    """The stems of its parts, and of each label of an occupation it names that can count: a label's strength is
    at most its occupation's weight times the title's share naming it, so only labels that can reach
    WORDING_FLOOR count."""
    occupation_weights, covered = _posting_named(words)
    labels = [stems for number, weight in occupation_weights.items() if weight * covered >= WORDING_FLOOR
              for stems in _label_stems(number)]
    return (frozenset(parts(words)[1]), *labels)


def _parts_meet(stems: frozenset[str], theirs: frozenset[str]) -> bool:
    """The source's parts: one set holds the other (two stems at least, unless they are equal), at _PARTS_FLOOR by
    Dice's coefficient. The source weighs each stem by its rarity among the pool's titles and asks WORDING_FLOOR;
    here each weighs the same, which a pool's weights move either way: the parts a title adds to another's are
    mostly rarer than those they share ("Lager Mitarbeiter Versand" / "Mitarbeiter"), which lowers the source's
    coefficient, and sometimes commoner ("Wir suchen dich" / "Wir suchen dich als Servicekraft": 0.6 here)."""
    if not stems or not theirs or not (stems == theirs or (
            min(len(stems), len(theirs)) >= 2 and (stems <= theirs or theirs <= stems))):
        return False
    return 2 * min(len(stems), len(theirs)) / (len(stems) + len(theirs)) >= _PARTS_FLOOR


@lru_cache(maxsize=1 << 12)
def _label_stems(number: int) -> tuple[frozenset[str], ...]:
    """The stems of each of the shortest German labels of an occupation, which the source looks up by parts."""
    return tuple(frozenset(parts(label.split())[1]) for label in _labels(number))


def _labels(number: int) -> list[str]:
    return sorted(occupations().german[number], key=len)[:_EXPANDED_LABELS]


@lru_cache(maxsize=1 << 16)
def _word_pieces(word: str) -> frozenset[str]:
    return frozenset(grams([word]))


@lru_cache(maxsize=1 << 12)
def _label_pieces(number: int) -> frozenset[str]:
    return frozenset(grams(word for label in _labels(number) for word in label.split()))


def _cut_from(words: tuple[str, ...], job: _Worded, marked: bool) -> bool:
    """Whether a posting title `marked` cut short, ending in a word the job's title has a longer word for, or
    whose words may be the job's with its last words left off (`cut_after_word`), is, as a title cut short,
    similar to the job's title (the title search compares such a title with the start of each title)."""
    text = " ".join(words)
    if not marked and not cut_after_word(text, job.text) and (len(words) < 2 or words[-1] not in job.starts):
        return False
    return title_similarity(text, job.text, cut=True) >= SEARCH_CUTOFF


def _similar(job_words: tuple[str, ...], titles: dict[int, tuple[str, ...]]) -> dict[int, float]:
    keys = list(titles)
    views = [_views(titles[key]) for key in keys]
    return {keys[i]: score for i, score in similar_titles(" ".join(job_words), views, SEARCH_CUTOFF)}


@lru_cache(maxsize=1 << 14)  # a run compares the same posting titles with each changed job
def _views(words: tuple[str, ...]) -> tuple[str, str]:
    return title_views(" ".join(words))


def _without_cities(words: tuple[str, ...], cities: CityNames) -> tuple[str, ...]:
    if cities.start_none(words) and not any(map(cities.misspelt, words[1:])):  # most titles name no city
        return words
    kept, i = [], 0
    while i < len(words):
        names = cities.starting_with(words[i])
        city = max((c for c in names if words[i : i + len(c)] == c), key=len, default=None) if names else None
        if city is None and (not i or not cities.misspelt(words[i])):  # as the matcher reads them (readings.py)
            kept.append(words[i])
        i += len(city) if city else 1
    return tuple(kept)


def _contains(words: tuple[str, ...], part: City) -> bool:
    if len(part) == 1:  # most cities
        return part[0] in words
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))

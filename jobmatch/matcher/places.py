"""Places: one spelling per city, and the set of city names that may appear inside titles."""

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA

from jobmatch.matcher.text import STOPWORDS, fold, words

City = tuple[str, ...]  # the folded words of a city name, e.g. ("neustadt", "aisch")

_ZIP = re.compile(r"\b(\d{5})\b")
_SHORTEST_MISSPELT = 5  # a shorter name with a typo is too often another word
_MISSPELT_KEPT = 10_000  # words whose reading as a misspelt city is remembered
_QUALIFIER = re.compile(r"\(.*?\)|,.*$")  # "Nürnberg, Mittelfranken", "Neustadt (Aisch)" -> the town alone


# The regions boards write after a city ("Nürnberg, Mittelfranken", "Forchheim, Oberfranken", "Erfurt,
# Thüringen"): the German states and Bavaria's administrative regions, as folded words. A title that names one
# after its city, or ends in one, still names the same job.
REGIONS: frozenset[City] = frozenset(tuple(name.split()) for name in (
    "bayern", "oberfranken", "mittelfranken", "unterfranken", "oberpfalz", "niederbayern", "oberbayern", "schwaben",
    "franken", "baden wuerttemberg", "hessen", "thueringen", "sachsen", "sachsen anhalt", "brandenburg",
    "niedersachsen", "nordrhein westfalen", "rheinland pfalz", "saarland", "schleswig holstein",
    "mecklenburg vorpommern", "deutschland", "deutschlandweit", "bundesweit",
))
_LONGEST_REGION = max(map(len, REGIONS))


def region_at(title_words: list[str], i: int) -> int:
    """How many words of a region name start at `title_words[i]` (0: none)."""
    for size in range(min(_LONGEST_REGION, len(title_words) - i), 0, -1):
        if tuple(title_words[i : i + size]) in REGIONS:
            return size
    return 0


def city_key(city: str | None) -> City:
    """The folded words of a city without its region qualifier: "Fürth, Bayern" -> ("fuerth",)."""
    if not city:
        return ()
    return tuple(word for word in words(fold(_QUALIFIER.sub(" ", city))) if word not in STOPWORDS)


class Place(NamedTuple):  # a tuple: made, hashed and compared by C (a pool makes and hashes one per job)
    city: City
    zip_code: str

    @staticmethod
    @lru_cache(maxsize=1 << 16)  # a pool has few distinct places and many jobs in each; postings add more
    def of(city: str | None, zip_code: str | None, raw: str | None = None) -> "Place":
        """The place of a location; a raw "96047 Bamberg" fills in a missing city or zip code."""
        zip_match = _ZIP.search(zip_code or "") or _ZIP.search(raw or "")
        if not city and raw:
            city = _ZIP.sub(" ", raw)
        return Place(city_key(city), zip_match.group(1) if zip_match else "")

    def __bool__(self) -> bool:
        return bool(self.city or self.zip_code)

    def same_as(self, other: "Place") -> bool | None:
        """True or False where both places say enough to compare; None where one of them is unknown.

        Cities decide before zip codes: small towns share a zip code (Kammerstein and Schwabach: 91126), so a
        shared zip code with different city names says nothing either way."""
        if self.city and other.city and self.city == other.city:
            return True
        if self.zip_code and other.zip_code:
            if self.zip_code == other.zip_code:
                return None if self.city and other.city else True
            return False
        if self.city and other.city:
            return False
        return None


class CityNames:
    """City names known in a pool, counted so that removing the last job of a city forgets the name."""

    def __init__(self) -> None:
        self._counts: Counter[City] = Counter()
        self._by_first_word: dict[str, set[City]] = {}
        self._sorted: list[str] | None = None  # the first words, sorted; made again after a change
        self._single: list[str] | None = None  # the names of one word, five letters or more; made again after
        self._misspelt: dict[str, City | None] = {}  # a change, as is what words were found to be

    def add(self, city: City) -> bool:
        """Count one more job in `city`; True when the name is new."""
        if not city:
            return False
        self._counts[city] += 1
        if self._counts[city] > 1:
            return False
        self._by_first_word.setdefault(city[0], set()).add(city)
        self._sorted = self._single = None
        self._misspelt = {}
        return True

    def copy(self) -> "CityNames":
        """The same names, sharing what is found of words (a re-match reads a pool's names each run, and what one
        run finds serves the next and the pool): each replaces the memo it holds when its names change."""
        other = CityNames()
        other._counts = self._counts.copy()
        other._by_first_word = {word: set(cities) for word, cities in self._by_first_word.items()}
        other._sorted, other._single, other._misspelt = self._sorted, self._single, self._misspelt
        return other

    def add_all(self, cities: Iterable[City]) -> None:
        """Count one more job in each of `cities`: a build's, counted by one C loop."""
        counts = Counter(cities)
        counts.pop((), None)
        new = [city for city in counts if city not in self._counts]
        self._counts.update(counts)
        for city in new:
            self._by_first_word.setdefault(city[0], set()).add(city)
        if new:
            self._sorted = self._single = None
            self._misspelt = {}

    def discard(self, city: City) -> bool:
        """Count one job less in `city`; True when the name is gone."""
        if not city or city not in self._counts:
            return False
        self._counts[city] -= 1
        if self._counts[city]:
            return False
        del self._counts[city]
        names = self._by_first_word[city[0]]
        names.discard(city)
        self._single, self._misspelt = None, {}
        if not names:
            del self._by_first_word[city[0]]
            self._sorted = None
        return True

    def started_by(self, prefix: str) -> bool:
        """Whether a city name or a region starts with `prefix` (a place cut short: "in Bam", "(Mittelfra")."""
        if any(region[0].startswith(prefix) for region in REGIONS):
            return True
        if self._sorted is None:
            self._sorted = sorted(self._by_first_word)
        at = bisect_left(self._sorted, prefix)
        return at < len(self._sorted) and self._sorted[at].startswith(prefix)

    def starting_with(self, word: str) -> set[City]:
        return self._by_first_word.get(word, set())

    def start_none(self, words: Iterable[str]) -> bool:
        """Whether no city name starts with one of these words."""
        return self._by_first_word.keys().isdisjoint(words)

    def misspelt(self, word: str) -> City | None:
        """The city of one word that `word` is with a typo ("glashtueten" for Glashütten): one edit below eight
        letters, two from eight, a swap of neighbouring letters counting as one, as a posting's own city is
        recognised in its title; the nearest, then the first in order. Names of five letters or more only."""
        if len(word) < _SHORTEST_MISSPELT:
            return None
        if word in self._misspelt:
            return self._misspelt[word]
        if self._single is None:
            self._single = sorted(city[0] for cities in self._by_first_word.values() for city in cities
                                  if len(city) == 1 and len(city[0]) >= _SHORTEST_MISSPELT)
        found = process.extract(word, self._single, scorer=OSA.distance, score_cutoff=2, limit=None)
        near = sorted((distance, name) for name, distance, _ in found if distance <= (1 if len(name) < 8 else 2))
        if len(self._misspelt) >= _MISSPELT_KEPT:  # postings' words, over a process's life
            self._misspelt = {}
        city = self._misspelt[word] = (near[0][1],) if near else None
        return city

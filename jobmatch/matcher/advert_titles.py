"""How employers title the adverts of each occupation: what the words of real titles say of the occupation the
employment agency filed them under ("Produktionshelfer" -> "Helfer/in - Metallbearbeitung", "Staplerfahrer" ->
"Lager- und Transportarbeiter/in"), where the title shares neither letters nor an ESCO label with its name.

The table is built by scripts/build_advert_titles.py from the Bundesagentur's adverts of the tuning part's
employers (jobmatch.fixtures.adverts) and shipped in the package. A title's features are its normalized words and
the stems of their compound parts; each feature says of each occupation the share of the adverts holding it that
were filed under that occupation. A title says of an occupation the sum over its features of the square roots of
those shares (chosen on the tuning part, docs/matching.md): one rare word that always meant one occupation
counts fully, a word seen under many counts a little for each. Two titles compare by the cosine of what they say;
a title that is an occupation's name says that occupation alone, and a pool's title says what it says as surely
as its strongest occupation stands out (`as_surely`): "Lagermitarbeiter" is nearly always filed under one,
"Helfer/in - Keramik" spreads over every helper's, and comparing two such guesses buried the names.

The shipped file is JSON whose numbers are little-endian arrays in base64 (`table_bytes`): every process holds
the table, and read as lists of pairs, its 16,549 pairs of an occupation and a share were a tuple and a float
each (3.2 MB held, 5.5 MB at the peak of reading it); as arrays beside the sorted features it holds 1.0 MB.
"""

import gzip
import json
import sys
from array import array
from base64 import b64decode, b64encode
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, chain
from math import sqrt
from operator import itemgetter
from pathlib import Path
from typing import Any

from jobmatch.matcher.groups import Groups, only
from jobmatch.matcher.occupations import occupations
from jobmatch.matcher.places import CityNames
from jobmatch.matcher.titles import normalize_title

TABLE = Path(__file__).with_name("data") / "advert_titles.json.gz"
OCCUPATIONS_SAID = 10  # of what a title says, the strongest occupations kept
_PER_FEATURE = 10  # of the occupations a feature was seen under, the most frequent kept in the table
_MARGIN = 1e-6  # what rounding may move a cosine by, and more

Said = dict[int, float]  # occupation number -> weight, at most OCCUPATIONS_SAID of them, of norm 1


def features(title_words: Iterable[str], stems: Iterable[str]) -> set[str]:
    """A title's words ("w:" before each) and the stems of their compound parts."""
    return {f"w:{word}" for word in title_words} | set(stems)


def build_table(adverts: Iterable[tuple[str, str]], featured: Callable[[str], set[str]],
                normalized: Callable[[str], str]) -> dict[str, Any]:
    """{"names": each occupation's name as the agency writes it, "keys": its normalized name, "features": each
    feature -> [[occupation number, share], ...] (the most frequent first)} from (title, occupation name) pairs.
    An occupation's own name counts as one more advert of it. The same pairs give the same table."""
    pairs = list(adverts)
    names = sorted({occupation for _, occupation in pairs})
    number = {name: n for n, name in enumerate(names)}
    seen: dict[str, Counter[int]] = defaultdict(Counter)
    for title, occupation in [*pairs, *((name, name) for name in names)]:
        for feature in featured(title):
            seen[feature][number[occupation]] += 1
    table = {}
    for feature in sorted(seen):
        counts = seen[feature]
        total = sum(counts.values())
        table[feature] = [[n, round(count / total, 4)]
                          for n, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:_PER_FEATURE]]
    return {"names": names, "keys": [normalized(name) for name in names], "features": table}


def table_bytes(table: Mapping[str, Any]) -> bytes:
    """What the file holds of the table `build_table` makes: the names, the keys and the features (sorted) as
    JSON strings; how many occupations each feature says ("counts", one byte each), their numbers ("occupations",
    two bytes each) and shares ("shares", doubles), a feature's after the one before it, as base64 of
    little-endian arrays. The same table gives the same bytes."""
    features = sorted(table["features"])
    found = [table["features"][feature] for feature in features]
    arrays = {"counts": array("B", map(len, found)),
              "occupations": array("H", (n for pairs in found for n, _ in pairs)),
              "shares": array("d", (share for pairs in found for _, share in pairs))}
    if sys.byteorder == "big":
        for values in arrays.values():
            values.byteswap()
    data = {"names": table["names"], "keys": table["keys"], "features": features} | {
        name: b64encode(values.tobytes()).decode("ascii") for name, values in arrays.items()}
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True, slots=True)
class AdvertTitles:
    names: tuple[str, ...]
    by_key: dict[str, int]  # an occupation's normalized name -> its number
    features: tuple[str, ...]  # sorted, found by bisection
    starts: array  # feature i says occupations[starts[i]:starts[i + 1]] with weights[starts[i]:starts[i + 1]]
    occupations: array
    weights: array  # the square root of each share

    def said(self, text: str, featured: set[str]) -> Said:
        """What a title (its normalized text and its features) says of the occupations; nothing if no feature was
        seen."""
        number = self.by_key.get(text)
        if number is not None:
            return {number: 1.0}
        sums: dict[int, float] = defaultdict(float)
        features, starts = self.features, self.starts
        for feature in sorted(featured):  # one order of addition: the same sums in every process
            i = bisect_left(features, feature)
            if i < len(features) and features[i] == feature:
                start, end = starts[i], starts[i + 1]
                for occupation, weight in zip(self.occupations[start:end], self.weights[start:end]):
                    sums[occupation] += weight
        if not sums:
            return {}
        strongest = sorted(sorted(sums.items()), key=itemgetter(1), reverse=True)[:OCCUPATIONS_SAID]  # ties: by number
        norm = sqrt(sum(weight * weight for _, weight in strongest))
        return {occupation: weight / norm for occupation, weight in strongest}


def from_bytes(data: bytes) -> AdvertTitles:
    """The table `table_bytes` wrote, ready to say what titles say."""
    table = json.loads(data)
    counts, occupations, shares = (_array(code, table[name]) for code, name in (
        ("B", "counts"), ("H", "occupations"), ("d", "shares")))
    return AdvertTitles(tuple(table["names"]), {key: n for n, key in enumerate(table["keys"]) if key},
                        tuple(table["features"]), array("I", accumulate(counts, initial=0)), occupations,
                        array("d", map(sqrt, shares)))


def _array(code: str, text: str) -> array:
    values = array(code, b64decode(text))
    if sys.byteorder == "big":
        values.byteswap()
    return values


def named_by_esco(esco: Mapping[int, float]) -> Said:
    """What a title ESCO names wholly says: the agency's names among the labels of its ESCO occupations
    (`esco`: occupation -> weight), each as much as the label is that occupation's."""
    sums: dict[int, float] = defaultdict(float)
    classes_of = _names_of_esco()
    for occupation, weight in esco.items():
        for number, share in classes_of.get(occupation, ()):
            sums[number] += weight * share
    norm = sqrt(sum(weight * weight for weight in sums.values()))
    return {number: weight / norm for number, weight in sums.items()} if norm else {}


def as_surely(said: Said, floor: float) -> Said:
    """What a pool's title says, each weight times the square of the strongest (chosen on the tuning part);
    nothing if that leaves the title below `floor` against any posting (a cosine is at most 1)."""
    sure = max(said.values(), default=0.0) ** 2
    return {occupation: weight * sure for occupation, weight in said.items()} if sure >= floor else {}


def alike(a: Said, b: Said) -> float:
    """The cosine of what two titles say, 0-1."""
    if len(b) < len(a):
        a, b = b, a
    return sum(weight * b[occupation] for occupation, weight in a.items() if occupation in b)


class PoolTitles:
    """What a pool's titles say, and the titles under the occupations a posting must share with one to be alike at
    `floor` or more (`indexed`). What a title says is one array of doubles, each occupation's number and weight in
    turn (a dict and its floats were 0.7 KB a title)."""

    def __init__(self, floor: float) -> None:
        self._floor = floor
        self._said: dict[str, array] = {}
        self._titles = Groups[int]()

    def add(self, text: str, said: Said) -> None:
        self._said[text] = array("d", list(chain.from_iterable(said.items())))
        for number in indexed(said, self._floor):
            self._titles.add(number, text)

    def discard(self, text: str) -> None:
        for number in indexed(_unpacked(self._said.pop(text)), self._floor):
            self._titles.discard(number, text)

    def __contains__(self, text: str) -> bool:
        return text in self._said

    def alike(self, posting: Said, among: Collection[str] | None = None) -> dict[str, tuple[float, int]]:
        """The titles alike to what a posting's title says at the floor or more (of `among` only, if given): each
        title's cosine with it, and the occupation both say most of."""
        found: dict[str, tuple[float, int]] = {}
        for number in posting:
            for title in only(self._titles.get(number, ()), among):
                if title not in found:
                    theirs = _unpacked(self._said[title])
                    strength = alike(posting, theirs)
                    if strength >= self._floor:
                        shared = max((n for n in posting if n in theirs), key=lambda n: posting[n] * theirs[n])
                        found[title] = (strength, shared)
        return found


def indexed(said: Said, floor: float) -> list[int]:
    """The occupations a title is found under: the strongest, until those left have squares adding up to less than
    `floor` squared. A posting (what it says has norm 1) sharing only those left with the title is alike to it at
    less than `floor` (Cauchy-Schwarz), so never one of its titles; the margin keeps rounding out of it."""
    strongest = sorted(said.items(), key=lambda item: (-item[1], item[0]))
    left = sum(weight * weight for _, weight in strongest)
    found = []
    for number, weight in strongest:
        if left < (floor - _MARGIN) ** 2:
            break
        found.append(number)
        left -= weight * weight
    return found


def _unpacked(packed: array) -> Said:
    return dict(zip(map(int, packed[::2]), packed[1::2]))


@cache
def advert_titles() -> AdvertTitles:
    return from_bytes(gzip.decompress(TABLE.read_bytes()))


def normalized(name: str) -> str:
    """A name normalized as the matcher normalizes titles, without a pool's cities."""
    return normalize_title(name, CityNames()).text


@cache
def _names_of_esco() -> dict[int, tuple[tuple[int, float], ...]]:
    """ESCO occupation -> the agency's names that are its labels, and how much each is that occupation's."""
    weights = occupations().weights
    found: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for key, number in advert_titles().by_key.items():
        for occupation, share in weights.get(key, ()):
            found[occupation].append((number, share))
    return {occupation: tuple(names) for occupation, names in found.items()}

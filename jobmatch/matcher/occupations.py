"""Occupations (ESCO): the German and English names of one occupation, so that a title worded otherwise
("Kommissionierer", "warehouse worker") finds a job of the same occupation ("Lagerarbeiter").

The table is built by scripts/build_occupations.py from ESCO and shipped in the package. A label carried by
several occupations ("Lagerarbeiter" sits under three) says less about each: their shares add up to 1, the
occupation whose preferred name it is weighing more (`label_weights`).
"""

import gzip
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from math import sqrt
from pathlib import Path
from typing import Any

from jobmatch.matcher.places import CityNames
from jobmatch.matcher.text import fold
from jobmatch.matcher.titles import normalize_title

TABLE = Path(__file__).with_name("data") / "occupations.json.gz"
_LABEL_FIELDS = ("labels_de", "kldb_titles_de_exact", "labels_en")
_SHORTEST_PART = 4
PREFERRED = 1.5  # what a label weighs for an occupation whose preferred name it is (chosen on the tuning parts)


def build_table(records: Iterable[Mapping[str, Any]],
                split: Callable[[str], tuple[str, str] | None] = lambda word: None) -> dict[str, Any]:
    """{"names": German name of each occupation, "labels": its normalized labels, the German ones first (each part
    sorted), "german": how many of them are German, "preferred": where its preferred German and English names
    are among them, "parts": the words compounds are made of}, in the source's order; the same source gives the
    same table. `split` gives a German word's modifier and head, if it is a compound: the parts are the label
    words and these halves of them."""
    names: list[str] = []
    labels: list[list[str]] = []
    german_counts: list[int] = []
    preferred: list[list[int]] = []
    no_cities = CityNames()
    for record in records:
        german = record["labels_de"] or [record["label_en"]]
        names.append(german[0].split("/")[0].strip())
        keys = {field: [key for label in record.get(field) or () if (key := normalize_title(label, no_cities).text)]
                for field in _LABEL_FIELDS}
        german_keys = sorted(set(keys["labels_de"] + keys["kldb_titles_de_exact"]))
        own = german_keys + sorted(set(keys["labels_en"]) - set(german_keys))
        labels.append(own)
        german_counts.append(len(german_keys))
        preferred.append(sorted({own.index(key) for name in (german[0], record.get("label_en"))  # ESCO's
                                 if name and (key := normalize_title(name, no_cities).text) in own}))  # first
    words = {word for own, count in zip(labels, german_counts) for key in own[:count] for word in key.split()}
    halves = {fold(half) for word in words if len(word) >= 2 * _SHORTEST_PART and (pair := split(word))
              for half in pair if len(half) >= _SHORTEST_PART}
    return {"names": names, "labels": labels, "german": german_counts, "preferred": preferred,
            "parts": sorted(words | halves)}


@dataclass(frozen=True, slots=True)
class Occupations:
    names: tuple[str, ...]
    german: tuple[tuple[str, ...], ...]  # each occupation's normalized German labels
    longest: int  # words of the longest label
    parts: frozenset[str]  # the words compounds are split into
    weights: Mapping[str, tuple[tuple[int, float], ...]]  # normalized label (German or English) -> the occupations
    # carrying it, and its weight for each

    def of(self, words: tuple[str, ...]) -> tuple[dict[int, float], float]:
        """The occupations a title names, and the share of its words that name them: its whole text if that is
        a label, else each longest run of its words that is one ("lagerarbeiter versand" -> Lagerarbeiter, 1/2).
        A label carried by several occupations gives each its share (`label_weights`)."""
        found: dict[int, float] = {}
        covered = i = 0
        while i < len(words):
            for size in range(min(self.longest, len(words) - i), 0, -1):
                carriers = self.weights.get(" ".join(words[i : i + size]))
                if carriers:
                    for number, weight in carriers:
                        found[number] = max(found.get(number, 0.0), weight)
                    covered += size
                    i += size
                    break
            else:
                i += 1
        return found, covered / len(words) if words else 0.0


def same_occupation(a: tuple[dict[int, float], float], b: tuple[dict[int, float], float]) -> float:
    """How surely two titles name one occupation, 0-1: the cosine of their occupation weights, times the share of
    the less covered title's words that name it ("Workstream Manager" / "Inbound Manager": 1 x 1/2)."""
    (weights_a, covered_a), (weights_b, covered_b) = a, b
    shared = sum(weight * weights_b[number] for number, weight in weights_a.items() if number in weights_b)
    if not shared:
        return 0.0
    norm = sqrt(sum(w * w for w in weights_a.values()) * sum(w * w for w in weights_b.values()))
    return shared / norm * min(covered_a, covered_b)


def label_weights(carriers: Iterable[int], preferred: Iterable[int] = ()) -> tuple[tuple[int, float], ...]:
    """What a label says of each occupation carrying it: shares adding up to 1, an occupation whose preferred name
    it is counting PREFERRED times one that has it among its other names. A label ESCO files under two
    occupations is most often the name of one and a synonym or a generic name under the other ("Perückenmacher"
    is the Perückenmacher's name and a Friseur's other one): equal shares made a title of the one occupation name
    the other at a cosine of 1/sqrt(2), above WORDING_FLOOR."""
    preferred = set(preferred)
    counts = {number: PREFERRED if number in preferred else 1.0 for number in carriers}
    total = sum(counts.values())
    return tuple((number, count / total) for number, count in counts.items())


@cache
def occupations() -> Occupations:
    """The shipped table. Its labels are listed by occupation, strings only: as a map of each label to a list of
    numbers, reading it made a list and an int more per label (a peak of 14.6 MB; 10.1 MB so). Labels of the same
    occupations weigh alike and share one tuple of weights (39,030 of the 40,636 labels have one occupation: a
    tuple, a pair and a float each took 7 MB of every process)."""
    table = json.loads(gzip.decompress(TABLE.read_bytes()))
    first: dict[str, int] = {}  # each label's first occupation
    more: dict[str, list[int]] = defaultdict(list)  # the others of the labels of several
    preferred: dict[str, list[int]] = defaultdict(list)  # the occupations whose preferred name a label is
    for number, (own, positions) in enumerate(zip(table["labels"], table["preferred"])):
        for key in own:
            if key in first:
                more[key].append(number)
            else:
                first[key] = number
        for position in positions:
            preferred[own[position]].append(number)
    shared: dict[tuple[tuple[int, float], ...], tuple[tuple[int, float], ...]] = {}
    weights = {}
    for key, number in first.items():  # a label of one occupation gives it all its weight, without the loop
        found = label_weights((number, *more[key]), preferred.get(key, ())) if key in more else ((number, 1.0),)
        weights[key] = shared.setdefault(found, found)
    german = tuple(tuple(own[:count]) for own, count in zip(table["labels"], table["german"]))
    return Occupations(tuple(table["names"]), german, max(len(key.split()) for key in weights),
                       frozenset(table["parts"]), weights)

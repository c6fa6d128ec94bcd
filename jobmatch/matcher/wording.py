"""Titles worded differently: the same occupation under another name, or the same compound parts.

Letters alike are what `search.TitleSearch` finds; this finds what shares no letters but the meaning:
- the same occupation (ESCO): "Kommissionierer", "order picker" and "Lagerarbeiter" are names of one;
- the same parts of a compound, inflected or not: "Staplerfahrer" / "Gabelstaplerfahrer",
  "Mitarbeiter im Lager" / "Lagermitarbeiter", "Kaufmännischer Angestellter" / "kaufmännische Angestellte".
  Compounds are split into the shipped parts (the ESCO label words and their halves, occupations.py; at least
  four letters each, a linking "s", "n", "en", "es" or "e" allowed), each part reduced to its Snowball stem
  (PyStemmer: inflection and most plural forms).
- both at once: a posting's occupation that no pool title is named as brings its other German labels, whose
  parts are looked up in turn ("Kommissionierer" -> "Lagerarbeiter" -> "Lagermitarbeiter").
It never links a posting by itself: its candidates are suggestions with their reason, for a reviewer.
"""

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache
from math import log

import Stemmer

from jobmatch.matcher.occupations import occupations, same_occupation
from jobmatch.matcher.search import COMMON_MIN, COMMON_SHARE
from jobmatch.matcher.titles import PART_MARK

Found = tuple[str, float, str]  # normalized title, strength 0-1, the reason

_SHORTEST_PART = 4
_LINKS = ("", "s", "n", "en", "es", "e")  # what joins the parts of a German compound ("Arbeit-s-platz")
_EXPANDED_LABELS = 6  # of an occupation's German labels, the shortest, looked up by their parts
_STEMMER = Stemmer.Stemmer("german")


@lru_cache(maxsize=1 << 16)
def split_compound(word: str) -> tuple[str, ...]:
    """The parts of a compound, each a shipped part: "gabelstaplerfahrer" -> gabelstapler, fahrer. The longest
    head that leaves a known or splittable rest wins; a word that splits no way is its own part."""
    word = word.rstrip(PART_MARK)
    lexicon = occupations().parts
    for cut in range(_SHORTEST_PART, len(word) - _SHORTEST_PART + 1):
        head, rest = word[cut:], word[:cut]
        if head not in lexicon:
            continue
        for link in _LINKS:
            modifier = rest[: len(rest) - len(link)] if link else rest
            if rest.endswith(link) and len(modifier) >= _SHORTEST_PART:
                if modifier in lexicon:  # a known word stays whole: "gabelstapler", not "gabel" + "stapler"
                    return modifier, head
                if len(split := split_compound(modifier)) > 1:
                    return (*split, head)
    return (word,)


def _stem(part: str) -> str:
    return _STEMMER.stemWord(part)


@lru_cache(maxsize=1 << 16)
def _stems(part: str) -> tuple[str, ...]:
    """A part's stem, and that of the known word it ends in, if any: the head of a compound stands for it
    ("mitarbeiter" is also an "arbeiter", "gabelstapler" a "stapler")."""
    lexicon = occupations().parts
    head = next((part[cut:] for cut in range(3, len(part) - _SHORTEST_PART) if part[cut:] in lexicon), None)
    return (_stem(part), _stem(head)) if head else (_stem(part),)


def parts(title_words: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The compound parts of a title's words as written, and their stems."""
    written = tuple(part for word in title_words for part in split_compound(word))
    return written, tuple(stem for part in written for stem in _stems(part))


class WordingSearch:
    """Distinct normalized titles of a pool under their occupations and the stems of their parts."""

    def __init__(self) -> None:
        self._occupations: dict[str, tuple[dict[int, float], float]] = {}
        self._parts: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}
        self._by_occupation: dict[int, set[str]] = defaultdict(set)
        self._by_stem: dict[str, set[str]] = defaultdict(set)

    def add(self, text: str, title_words: tuple[str, ...]) -> None:
        if not text or text in self._parts:
            return
        found = self._occupations[text] = occupations().of(title_words)
        for number in found[0]:
            self._by_occupation[number].add(text)
        written, stems = parts(title_words)
        self._parts[text] = (written, frozenset(stems))
        for stem in set(stems):
            self._by_stem[stem].add(text)

    def discard(self, text: str) -> None:
        if text not in self._parts:
            return
        for number in self._occupations.pop(text)[0]:
            _discard(self._by_occupation, number, text)
        for stem in self._parts.pop(text)[1]:
            _discard(self._by_stem, stem, text)

    def similar(self, text: str, title_words: tuple[str, ...], floor: float, limit: int) -> list[Found]:
        """Titles of the same occupation or of the same parts, of strength at least `floor`, strongest first."""
        if not text or not self._parts:
            return []
        best: dict[str, tuple[float, str]] = {}

        def offer(found: str, strength: float, reason: str) -> None:
            if found != text and strength >= floor and strength > best.get(found, (0.0, ""))[0]:
                best[found] = (strength, reason)

        table = occupations()
        posting = table.of(title_words)
        posting_occupations, covered = posting
        for number in sorted(posting_occupations, key=posting_occupations.get, reverse=True):
            for found in self._by_occupation.get(number, ()):
                offer(found, same_occupation(posting, self._occupations[found]),
                      f"same occupation: {table.names[number]} (ESCO)")
        _, stems = parts(title_words)
        for found, strength in self._same_parts(frozenset(stems)):
            offer(found, strength, "compound: " + " + ".join(self._parts[found][0]))
        for number, weight in posting_occupations.items():
            if number in self._by_occupation:  # the pool has jobs named as this occupation: found above
                continue
            for label in sorted(table.german[number], key=len)[:_EXPANDED_LABELS]:
                label_stems = frozenset(parts(label.split())[1])
                for found, strength in self._same_parts(label_stems):
                    offer(found, weight * covered * strength, f"same occupation: {table.names[number]} (ESCO)")
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:limit]
        return [(found, strength, reason) for found, (strength, reason) in ranked]

    def _same_parts(self, stems: frozenset[str]) -> list[tuple[str, float]]:
        """Titles made of the same parts as `stems`, or of all of them and more, or of some of them (two at
        least), by Dice's coefficient over the stems weighted by rarity (IDF). Parts in common are not enough:
        "Zahnprofi" is not "Außendienstprofi", nor "Paketfahrer" "Paketsortierer"."""
        if len(stems) < 1:
            return []
        total = len(self._parts)
        held = sorted(((stem, self._by_stem[stem]) for stem in stems if stem in self._by_stem), key=lambda h: len(h[1]))
        if not held:
            return []
        common = max(total * COMMON_SHARE, COMMON_MIN)  # as in the title search: a common part says little
        rare_found = len(held[0][1]) <= common
        shared: dict[str, float] = defaultdict(float)
        for stem, titles in held:
            if rare_found and len(titles) > common:
                break
            weight = _rarity(total, len(titles))
            for title in titles:
                shared[title] += weight
        weight_of = {stem: _rarity(total, len(self._by_stem.get(stem, ()))) for stem in stems}
        mine = sum(weight_of.values())
        out = []
        for title, weight in shared.items():
            their_stems = self._parts[title][1]
            smaller = min(len(stems), len(their_stems))
            if not (stems <= their_stems or their_stems <= stems) or (smaller < 2 and stems != their_stems):
                continue
            theirs = sum(_rarity(total, len(self._by_stem[stem])) for stem in their_stems)
            out.append((title, 2 * weight / (mine + theirs)))
        return out


def _rarity(total: int, count: int) -> float:
    return log(1 + total / max(count, 1))


def _discard(mapping: dict, key: object, text: str) -> None:
    titles = mapping.get(key)
    if titles is not None:
        titles.discard(text)
        if not titles:
            del mapping[key]

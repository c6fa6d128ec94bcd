"""Titles worded differently: the same occupation under another name, or the same compound parts.

Whole titles alike are what `search.TitleSearch` finds; this finds what shares the meaning, or pieces of words:
- the same occupation (ESCO): "Kommissionierer", "order picker" and "Lagerarbeiter" are names of one;
- the same parts of a compound, inflected or not: "Staplerfahrer" / "Gabelstaplerfahrer",
  "Mitarbeiter im Lager" / "Lagermitarbeiter", "Kaufmännischer Angestellter" / "kaufmännische Angestellte".
  Compounds are split into the shipped parts (the ESCO label words and their halves, occupations.py; at least
  four letters each, a linking "s", "n", "en", "es" or "e" allowed), each part reduced to its Snowball stem
  (PyStemmer: inflection and most plural forms).
- both at once: a posting's occupation that no pool title is named as brings its other German labels, whose
  parts are looked up in turn ("Kommissionierer" -> "Lagerarbeiter" -> "Lagermitarbeiter").
- what employers' titles of an occupation say (advert_titles.py): "Produktionshelfer" / "Helfer/in -
  Metallbearbeitung", learned from real adverts; asked for with letters alike.
- letters alike inside the words (ngrams.py): "Reinigungskraft" / "Helfer/in - Reinigung", "Lagerlogistiker" /
  "Fachkraft - Lagerlogistik"; the posting's pieces are joined by those of the German labels of the occupations
  it names ("Lagerist" brings "Fachlagerist"). It costs most, so the caller asks for it only when the title
  search found nothing strong.
The pool's side of the last two (`_Alike`) is not made with the pool: it was 40% of a build's indexing (about 0.5 s
at 100,000 jobs, and 0.2 s once per process for the tables it reads). It is made by `complete`, a few titles at a
time (a pool's owner calls it after a build, between matches), or wholly by the first query asking for it before
that is done.
A title ESCO names wholly as one occupation is no candidate by parts or letters for a posting it names wholly as
another (`_told_apart`).
It never links a posting by itself: its candidates are suggestions with their reason, for a reviewer.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from functools import lru_cache
from math import log
from threading import Lock
from typing import Any

import Stemmer

from jobmatch.matcher import advert_titles
from jobmatch.matcher.groups import Groups, only
from jobmatch.matcher.ngrams import GramSearch, grams, weighted
from jobmatch.matcher.occupations import occupations, same_occupation
from jobmatch.matcher.search import COMMON_MIN, COMMON_SHARE
from jobmatch.matcher.titles import PART_MARK

Found = tuple[str, float, str, bool]  # normalized title, strength 0-1, the reason, whether it is a weak suggestion
Floors = tuple[float, float]  # the least strength of a weak suggestion, and of a candidate

_SHORTEST_PART = 4
_LINKS = ("", "s", "n", "en", "es", "e")  # what joins the parts of a German compound ("Arbeit-s-platz")
_EXPANDED_LABELS = 6  # of an occupation's German labels, the shortest, looked up by their parts
_ALIKE_WORD = 0.3  # a title word is named in the reason when this share of its pieces' weight is shared
_SHARE_DIGITS = 9  # shares equal but for the order a set's pieces were added in are equal: one reason in every process
_STEMMER = Stemmer.Stemmer("german")
ADVERTS_FLOOR = 0.3  # the least strength of a weak suggestion by what employers' titles say (docs/matching.md)


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
        self._by_occupation = Groups[int]()
        self._by_stem = Groups[str]()
        self._alike: _Alike | None = None  # made by `complete`
        self._pending: list[str] = []  # titles `complete` has yet to add to it, the next last
        self._making = Lock()  # threads matching at once make it once

    def __getstate__(self) -> dict[str, Any]:  # pickled with its pool (a snapshot): without the lock
        return {name: value for name, value in self.__dict__.items() if name != "_making"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._making = Lock()

    def add(self, text: str, title_words: tuple[str, ...]) -> None:
        if not text or text in self._parts:
            return
        found = self._occupations[text] = occupations().of(title_words)
        for number in found[0]:
            self._by_occupation.add(number, text)
        written, stems = parts(title_words)
        stems_held = frozenset(stems)
        self._parts[text] = (written, stems_held)
        for stem in stems_held:
            self._by_stem.add(stem, text)
        if self._alike is not None:
            self._alike.add(text, title_words, stems_held, found)

    def discard(self, text: str) -> None:
        if text not in self._parts:
            return
        for number in self._occupations.pop(text)[0]:
            self._by_occupation.discard(number, text)
        for stem in self._parts.pop(text)[1]:
            self._by_stem.discard(stem, text)
        if self._alike is not None and text in self._alike:
            self._alike.discard(text)

    def complete(self, titles: int | None = None) -> bool:
        """Add up to `titles` more of the pool's titles (all if None) to what letters alike and employers' titles
        compare (`_Alike`); True once every title is in. Titles added or discarded meanwhile are kept track of."""
        with self._making:
            if self._alike is None:
                self._alike, self._pending = _Alike(), list(reversed(self._parts))
            alike, pending = self._alike, self._pending
            for _ in range(len(pending) if titles is None else min(titles, len(pending))):
                text = pending.pop()
                if text in self._parts and text not in alike:
                    alike.add(text, tuple(text.split()), self._parts[text][1], self._occupations[text])
            return not pending

    @property
    def whole(self) -> bool:
        """Whether every title is in what letters alike compare (`complete`)."""
        return self._alike is not None and not self._pending

    def _alike_search(self) -> "_Alike":
        if not self.whole:
            self.complete()
        return self._alike

    def similar(self, text: str, title_words: tuple[str, ...], floors: Floors, limit: int,
                alike_floors: Floors | None = None, among: Collection[str] | None = None) -> list[Found]:
        """Titles of the same occupation or of the same parts, of strength at least `floors`' first (weak below its
        second), strongest first; with `alike_floors`, also titles whose letters are alike inside the words, at
        a cosine of at least its first (weak below its second), and weak suggestions of the occupations employers'
        titles like the posting's were filed under. `among`: only these titles of the pool, each at least as
        strong as it can be found among all (re-matching asks whether a few titles can enter a match)."""
        if not text or not self._parts:
            return []
        best: dict[str, Found] = {}

        table = occupations()
        posting = table.of(title_words)
        posting_occupations, covered = posting

        def offer(found: str, strength: float, reason: str, at_least: Floors = floors) -> None:
            """Keep the strongest offer of a title, a plausible one before any weak one."""
            if found == text or strength < at_least[0]:
                return
            weak, held = strength < at_least[1], best.get(found)
            if held is not None and (not held[3], held[1]) >= (not weak, strength):
                return
            if not _told_apart(posting, self._occupations[found]):
                best[found] = (found, strength, reason, weak)

        for number in sorted(posting_occupations, key=posting_occupations.get, reverse=True):
            for found in only(self._by_occupation.get(number, ()), among):
                offer(found, same_occupation(posting, self._occupations[found]),
                      f"same occupation: {table.names[number]} (ESCO)")
        _, stems = parts(title_words)
        for found, strength in self._same_parts(frozenset(stems), among):
            offer(found, strength, "compound: " + " + ".join(self._parts[found][0]))
        for number, weight in posting_occupations.items():
            if number in self._by_occupation:  # the pool has jobs named as this occupation: found above
                continue
            for label in sorted(table.german[number], key=len)[:_EXPANDED_LABELS]:
                label_stems = frozenset(parts(label.split())[1])
                for found, strength in self._same_parts(label_stems, among):
                    offer(found, weight * covered * strength, f"same occupation: {table.names[number]} (ESCO)")
        if alike_floors is not None:
            alike = self._alike_search()
            for found, strength, reason in alike.advertised(text, title_words, stems, among):
                offer(found, strength, reason, (ADVERTS_FLOOR, 2.0))
            for found, strength, reason in alike.alike(title_words, posting_occupations, covered, alike_floors[0],
                                                       limit, among):
                offer(found, strength, reason, alike_floors)
        return sorted(best.values(), key=lambda found: (found[3], -found[1], found[0]))[:limit]  # plausible first

    def _same_parts(self, stems: frozenset[str], among: Collection[str] | None = None) -> list[tuple[str, float]]:
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
            for title in only(titles, among):
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


class _Alike:
    """A pool's distinct titles as letters alike (ngrams.py) and employers' titles (advert_titles.py) compare them:
    what each says of the agency's occupations, the titles under those, and the titles' pieces."""

    def __init__(self) -> None:
        self._advert_titles = advert_titles.PoolTitles(ADVERTS_FLOOR)
        self._grams = GramSearch()

    def __contains__(self, text: str) -> bool:
        return text in self._advert_titles

    def add(self, text: str, title_words: tuple[str, ...], stems: Iterable[str],
            esco: tuple[dict[int, float], float]) -> None:
        self._advert_titles.add(text, _said_of_pool_title(text, title_words, stems, esco))
        self._grams.add(text)

    def discard(self, text: str) -> None:
        self._advert_titles.discard(text)
        self._grams.discard(text)

    def advertised(self, text: str, title_words: tuple[str, ...], stems: tuple[str, ...],
                   among: Collection[str] | None = None) -> list[tuple[str, float, str]]:
        """Titles that say of the occupations what the posting's title says (advert_titles.py), with the occupation
        both say most of."""
        table = advert_titles.advert_titles()
        posting = table.said(text, advert_titles.features(title_words, stems))
        return [(title, strength, f"employers' titles: {table.names[shared]} (Bundesagentur adverts)")
                for title, (strength, shared) in self._advert_titles.alike(posting, among).items()]

    def alike(self, title_words: tuple[str, ...], posting_occupations: dict[int, float], covered: float,
              floor: float, limit: int, among: Collection[str] | None = None) -> list[tuple[str, float, str]]:
        """Titles whose pieces are alike to those of the posting's words and of the shortest German labels of the
        occupations it names (each occupation weighing what the title gives it, shared among its labels)."""
        table = occupations()
        counts = grams(title_words)
        sources = [(word, "") for word in title_words]
        for number, weight in posting_occupations.items():
            chosen = sorted(table.german[number], key=len)[:_EXPANDED_LABELS]
            for label in chosen:
                sources += [(word, f" (ESCO: {table.names[number]})") for word in label.split()]
                grams(label.split(), weight * covered / len(chosen), counts)
        query = weighted(counts)
        hits = self._grams.similar(query, limit) if among is None else self._grams.alike(query, among)
        found = [hit for hit in hits if hit[1] >= floor]
        if not found:
            return []
        pieces = [(word, source, frozenset(grams([word]))) for word, source in dict.fromkeys(sources)]
        return [(text, strength, _alike_reason(pieces, text)) for text, strength in found]


def _said_of_pool_title(text: str, title_words: tuple[str, ...], stems: Iterable[str],
                        esco: tuple[dict[int, float], float]) -> advert_titles.Said:
    """What a pool's title says of the agency's occupations: as ESCO names it, if wholly and as occupations that
    carry an agency name, else what employers' titles with its words say, as surely as that is."""
    table = advert_titles.advert_titles()
    if text not in table.by_key and esco[1] == 1 and (said := advert_titles.named_by_esco(esco[0])):
        return said
    return advert_titles.as_surely(table.said(text, advert_titles.features(title_words, stems)), ADVERTS_FLOOR)


def _told_apart(posting: tuple[dict[int, float], float], found: tuple[dict[int, float], float]) -> bool:
    """Whether ESCO names both titles wholly, as different occupations ("Friseuse", a Friseur, is not a
    "Tierfriseur"; "Grossist", a Großhändler, not a "Großhändler für Getränke"): then neither shared parts nor
    letters alike make them one."""
    (posting_occupations, posting_covered), (found_occupations, found_covered) = posting, found
    return posting_covered == found_covered == 1 and posting_occupations.keys().isdisjoint(found_occupations)


def _alike_reason(sources: list[tuple[str, str, frozenset[str]]], found: str) -> str:
    """Which words of the title found are alike to which of the posting (`sources`: each word, what it comes
    from and its pieces): "letters alike: reinigungskraft ~ reinigung"; a word alike only to a label of the
    posting's occupation says so ("fachlagerist ~ fachlagerist (ESCO: Lagerarbeiter)")."""
    alike = []
    for their in dict.fromkeys(found.split()):
        theirs = weighted(grams([their]))
        total = sum(theirs.values())
        share, _, pair = max((round(sum(theirs.get(gram, 0.0) for gram in pieces) / total, _SHARE_DIGITS), not source,
                              f"{word} ~ {their}{source}") for word, source, pieces in sources)  # own words first
        alike.append((share, pair))
    most = max(share for share, _ in alike)
    return "letters alike: " + ", ".join(pair for share, pair in alike if share >= min(most, _ALIKE_WORD))


def _rarity(total: int, count: int) -> float:
    return log(1 + total / max(count, 1))

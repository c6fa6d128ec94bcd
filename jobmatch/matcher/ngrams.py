"""Titles alike inside their words: the character n-grams two titles share, weighted by rarity.

Edit distance compares whole strings and mostly sees what differs: "Reinigungskraft" and "Helfer/in - Reinigung"
are 60% alike by `scoring.title_similarity`, "Lagerlogistiker" and "Fachkraft - Lagerlogistik" 70%, below anything
plausible. What they share is inside the words ("rein", "eini", "nigu"; "logi", "isti"), and a rare piece says
more than a common one ("ter$", "er$"). Each title is the set of the three- and four-letter pieces of its words (a word's start and end
marked: "^koch$" -> "^ko", "koc", "och", "ch$", "^koc", "koch", "och$"), each weighted by its rarity (IDF) among
the German names of the ESCO occupations, a fixed corpus: a title's weights do not change as the pool does, so
the index is kept current piece by piece. Two titles are compared by the cosine of their weights.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache
from heapq import nlargest
from itertools import chain, repeat
from math import log, sqrt
from sys import intern

from jobmatch.matcher.advert_titles import advert_titles
from jobmatch.matcher.groups import Groups
from jobmatch.matcher.occupations import occupations
from jobmatch.matcher.search import COMMON_MIN, COMMON_SHARE
from jobmatch.matcher.titles import PART_MARK

GRAM_SIZES = (3, 4)
SHORTLIST = 100  # words, then titles, of most weight kept per query


def grams(words: Iterable[str], weight: float = 1.0, into: Counter | None = None) -> Counter:
    """The pieces of the words, each counted `weight` times: "koch" -> ^ko, koc, och, ch$, ^koc, koch, och$."""
    found: Counter = Counter() if into is None else into
    held = found.get  # rather than `+=`, which calls Counter's __missing__, in Python, for each new piece
    for word in words:
        for piece in _pieces_of(word):
            found[piece] = held(piece, 0) + weight
    return found


def _pieces_of(word: str) -> list[str]:
    padded = f"^{word.rstrip(PART_MARK)}$"
    return [padded[start : start + size] for size in GRAM_SIZES for start in range(len(padded) - size + 1)]


@cache
def _rarities() -> tuple[dict[str, float], float]:
    """Each piece's rarity among the normalized German labels of the occupations, and that of a piece no label
    has. (Each label's distinct pieces are counted by C loops: `grams` adds a piece at a time, which took 0.3 s
    of every process's first build.)"""
    labels = {label for found in occupations().german for label in found}
    counts = Counter(chain.from_iterable(set(chain.from_iterable(map(_pieces_of, label.split()))) for label in labels))
    return {gram: log(1 + len(labels) / count) for gram, count in counts.items()}, log(1 + len(labels))


@cache
def _squared_rarities() -> tuple[dict[str, float], float]:
    known, unseen = _rarities()
    return {gram: weight * weight for gram, weight in known.items()}, unseen * unseen


def load_tables() -> None:
    """Read the shipped tables now instead of at the first match (the occupations and the pieces' rarities
    made from them, the employers' titles): a server's master reads them once for all the workers it forks."""
    _squared_rarities()
    advert_titles()


def rarity(gram: str) -> float:
    known, unseen = _rarities()
    return known.get(gram, unseen)


def weighted(counts: Mapping[str, float]) -> dict[str, float]:
    known, unseen = _rarities()
    return {gram: count * known.get(gram, unseen) for gram, count in counts.items()}


@lru_cache(maxsize=1 << 16)  # pools of one process share most words: each word's pieces are made once
def _word_pieces(word: str) -> tuple[tuple[str, ...], float]:
    """A word's distinct pieces and their squared norm. The pieces are interned: words share most of them, and
    the pools' indexes key them (7.6 MB of copies for the words of a pool of 100,000 jobs otherwise)."""
    squares, unseen = _squared_rarities()
    pieces = tuple(dict.fromkeys(map(intern, _pieces_of(word))))
    return pieces, sum(map(squares.get, pieces, repeat(unseen)))


def _repeats_of(words: Iterable[str]) -> tuple[tuple[tuple[str, int], ...], float]:
    """The pieces several words of a title hold, each with how many times more than once, and their squared
    weights counted so: a title is the set of its words' pieces, so what its words' weights, added up, count twice
    is taken off its dot product with a query and its squared norm ("kuechenmitarbeiter kuechenkraft" holds
    ^kue, kuec, uech, ... twice)."""
    seen: set[str] = set()
    more: Counter = Counter()
    for word in words:
        pieces = _word_pieces(word)[0]
        more.update(seen.intersection(pieces))
        seen.update(pieces)
    if not more:
        return ()
    squares, unseen = _squared_rarities()
    return tuple(sorted(more.items())), sum(extra * squares.get(gram, unseen) for gram, extra in more.items())


def _norm(weights: Iterable[float]) -> float:
    return sqrt(sum(weight * weight for weight in weights))


class GramSearch:
    """Distinct normalized titles of a pool under their words, and the pool's words under their pieces. The
    pieces are indexed per word, not per title: a pool has about as many words as titles (5,900 and 6,300 at
    100,000 jobs), each a third as long, and a new title brings new words rarely. A title's pieces are those of
    its words, so its weights are theirs added up, less what a piece held by several of its words would count
    more than once (`_repeats`)."""

    def __init__(self) -> None:
        self._titles_by_word = Groups[str]()
        self._words_by_gram = Groups[str]()
        self._squares: dict[str, float] = {}  # a word's squared norm
        self._repeats: dict[str, tuple[tuple[tuple[str, int], ...], float]] = {}  # see `_repeats_of`

    def add(self, text: str) -> None:
        words = set(text.split())
        for word in words:
            if word not in self._titles_by_word:
                pieces, self._squares[word] = _word_pieces(word)
                for gram in pieces:
                    self._words_by_gram.add(gram, word)
            self._titles_by_word.add(word, text)
        if len(words) > 1 and (repeats := _repeats_of(words)):
            self._repeats[text] = repeats

    def discard(self, text: str) -> None:
        self._repeats.pop(text, None)
        for word in set(text.split()):
            if word not in self._titles_by_word:
                continue
            self._titles_by_word.discard(word, text)
            if word not in self._titles_by_word:
                del self._squares[word]
                for gram in _word_pieces(word)[0]:
                    self._words_by_gram.discard(gram, word)

    def similar(self, query: Mapping[str, float], limit: int) -> list[tuple[str, float]]:
        """The `limit` titles most alike to the weighted pieces `query` (see `weighted`), by cosine 0-1, best
        first. A piece or a word that many hold is not followed to each of them, as the title search does with
        its keys: it says little and costs most; it is counted for the words and titles the rarer ones found."""
        query_norm = _norm(query.values())
        if not query_norm or not self._squares:
            return []
        known, unseen = _rarities()
        dots = _shared(((query[gram] * known.get(gram, unseen), words) for gram in query
                        if (words := self._words_by_gram.get(gram))), len(self._squares), SHORTLIST)
        titles = _shared(((dot, self._titles_by_word[word]) for word, dot in dots.items()),
                         len(self._titles_by_word), SHORTLIST)
        return sorted(self._cosines(query, query_norm, titles.items()), key=lambda found: (-found[1], found[0]))[:limit]

    def alike(self, query: Mapping[str, float], titles: Iterable[str]) -> list[tuple[str, float]]:
        """The cosine of each of these titles of the pool with `query`, every piece they share counted: at least
        what `similar` finds of them, which counts only the pieces and words of most weight."""
        query_norm = _norm(query.values())
        if not query_norm:
            return []
        known, unseen = _rarities()
        factors = {gram: weight * known.get(gram, unseen) for gram, weight in query.items()}
        dots = [(title, sum(factors.get(gram, 0.0) for word in set(title.split()) for gram in _word_pieces(word)[0]))
                for title in titles]
        return self._cosines(query, query_norm, dots)

    def _cosines(self, query: Mapping[str, float], query_norm: float, dots: Iterable[tuple[str, float]]
                 ) -> list[tuple[str, float]]:
        known, unseen = _rarities()
        squares, repeats = self._squares, self._repeats
        scored = []
        for title, dot in dots:
            square = sum(squares[word] for word in set(title.split()))
            if title in repeats:  # each piece once: "mechaniker" is not more alike to "mechaniker mechatroniker
                pieces, more = repeats[title]  # industriemechaniker" than to itself
                dot -= sum(extra * query[gram] * known.get(gram, unseen) for gram, extra in pieces if gram in query)
                square -= more
            scored.append((title, dot / (query_norm * sqrt(square))))
        return scored


def _shared(hits: Iterable[tuple[float, set[str]]], total: int, shortlist: int) -> dict[str, float]:
    """What each item of the sets gets of the weights of the sets holding it, for the `shortlist` items of most
    weight: sets holding more than a common share of the `total` items are added only to the items the others
    found (when there are others)."""
    held = sorted(hits, key=lambda hit: len(hit[1]))
    common = max(total * COMMON_SHARE, COMMON_MIN)
    rare = [hit for hit in held if len(hit[1]) <= common] or held
    shared: dict[str, float] = defaultdict(float)
    for weight, items in rare:
        for item in items:
            shared[item] += weight
    chosen = {item: shared[item] for item in nlargest(shortlist, shared, key=lambda item: (shared[item], item))}
    for weight, items in held[len(rare):]:
        for item in chosen:
            if item in items:
                chosen[item] += weight
    return chosen

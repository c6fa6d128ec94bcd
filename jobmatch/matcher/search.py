"""Finding similar titles without scoring every title of the pool.

Each distinct normalized title is listed under its words and under the first and last five letters of its long
words, so that compounds ("Lagermitarbeiter" / "Lager Mitarbeiter") and typos inside a word still meet. A query
collects the titles that share keys with it, weighted by how rare the keys are (IDF), and only the best of those
are scored with rapidfuzz.
"""

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import chain
from math import log
from operator import itemgetter

from rapidfuzz import fuzz, process

from jobmatch.matcher.groups import Group, Groups
from jobmatch.matcher.scoring import CUT, TitleViews, similar_titles, title_views

SHORTLIST = 100  # titles scored per query; the right one ranks far higher among the key-sharing titles
_AFFIX = 5
_AFFIX_WEIGHT = 0.5  # a shared word start or end is weaker evidence than a shared word
CUT_KEYED = range(_AFFIX, _AFFIX + 2)  # a word this long has no start key of its own (longer words have one)
_NEAR_WORD = 75.0  # a word the pool does not know is looked up among the pool's words at this similarity
_NEAR_WEIGHT = 0.8
_NEAREST_HELD = 4096  # unknown words whose nearest words are remembered
# A key carried by more than this share of the titles, and by more than COMMON_MIN ("mitarbeiter", "<mitar"),
# says little and costs most: when the query has a rarer key, it is not counted (a query of common keys alone
# counts them all). On the labelled set it changed one outcome, for the better, and it cut a query's time at
# 10,000 jobs by a quarter (docs/matching.md).
COMMON_SHARE = 0.03
COMMON_MIN = 200


def _keys(words: tuple[str, ...]) -> Iterator[tuple[str, float]]:
    for word in dict.fromkeys(words):
        yield word, 1.0
        if len(word) > _AFFIX + 1:
            yield "<" + word[:_AFFIX], _AFFIX_WEIGHT
            yield ">" + word[-_AFFIX:], _AFFIX_WEIGHT


_WEIGHT_THEN_TITLE = itemgetter(1, 0)


class Vocabulary:
    """Words, by length: a word is compared only with those whose length lets `fuzz.ratio` reach the cutoff (it
    is at most 200 times the shorter length over both lengths), a third to a half of a pool's words, and they
    rank as `process.extract` over all of them ranks them: by score, then in the order the words were given."""

    def __init__(self, words: Iterable[str]) -> None:
        given = list(words)
        self._order = sorted(range(len(given)), key=lambda i: len(given[i]))  # stable: given order within a length
        self._words = [given[i] for i in self._order]
        self._lengths = [len(word) for word in self._words]

    def nearest(self, word: str, cutoff: float, limit: int) -> list[str]:
        """The `limit` words most similar to `word` (fuzz.ratio) of those scoring at least `cutoff` (above 0, at
        most 100)."""
        shortest = int(len(word) * cutoff / (200 - cutoff))  # rounded down, and the longest up: never too few
        longest = int(len(word) * (200 - cutoff) / cutoff) + 1
        start, end = bisect_left(self._lengths, shortest), bisect_right(self._lengths, longest)
        found = process.extract(word, self._words[start:end], scorer=fuzz.ratio, limit=None, score_cutoff=cutoff)
        order = self._order
        found.sort(key=lambda hit: (-hit[1], order[start + hit[2]]))
        return [near for near, _, _ in found[:limit]]


def _size(hit: tuple[set[str], float]) -> int:
    return len(hit[0])


def _heaviest(weights: dict[str, float]) -> list[str]:
    """The SHORTLIST titles of most weight, ties broken by the title itself (set order differs between
    processes; the shortlist must not). The floats alone are sorted to find the cut, then only the titles at or
    above it: C sorts, where heapq.nlargest with a key runs a Python loop over every title (the most costly step
    of a query)."""
    items: Iterable[tuple[str, float]] = weights.items()
    if len(weights) > SHORTLIST:
        cut = sorted(weights.values(), reverse=True)[SHORTLIST - 1]
        items = [item for item in items if item[1] >= cut]
    return [title for title, _ in sorted(items, key=_WEIGHT_THEN_TITLE, reverse=True)[:SHORTLIST]]


class TitleSearch:
    """Distinct normalized titles of a pool and the jobs that carry each."""

    def __init__(self) -> None:
        self._jobs = Groups[str]()
        self._views: dict[str, TitleViews] = {}  # computed once per title, not once per query
        self._titles_by_key = Groups[str]()
        self._vocabulary: Vocabulary | None = None  # the words among the keys, rebuilt after changes
        self._nearest: dict[str, list[str]] = {}  # of the vocabulary: unknown word -> its nearest words
        self._sorted_words: list[str] | None = None  # the same, sorted, to find the words a cut word starts

    def add(self, text: str, words: tuple[str, ...], job_ids: Iterable[str]) -> None:
        """List jobs under their normalized title."""
        job_ids = list(job_ids)
        if not text or not job_ids:
            return
        if text not in self._jobs:
            self._views[text] = title_views(text)
            for key, _ in _keys(words):
                self._titles_by_key.add(key, text)
            self._vocabulary = self._sorted_words = None
        self._jobs.extend(text, job_ids)

    def discard(self, text: str, words: tuple[str, ...], job_id: str) -> None:
        if text not in self._jobs:
            return
        self._jobs.discard(text, job_id)
        if text in self._jobs:
            return
        del self._views[text]
        self._vocabulary = self._sorted_words = None
        for key, _ in _keys(words):
            self._titles_by_key.discard(key, text)

    def jobs(self, text: str) -> Group:
        return self._jobs.get(text, ())

    def titles_with_word(self, word: str) -> Group:
        return self._titles_by_key.get(word, ())

    def knows(self, word: str) -> bool:
        """Whether a title of the pool has the word, or one it may be a typo of (as a query looks them up)."""
        return word in self._titles_by_key or bool(self._near(word))

    def __len__(self) -> int:
        return len(self._jobs)

    def _query_keys(self, words: tuple[str, ...]) -> Iterator[tuple[str, float]]:
        """The keys of the words, and for a word the pool does not know (a typo) the pool's nearest words."""
        for key, weight in _keys(words):
            yield key, weight
            if weight == 1.0 and key not in self._titles_by_key:
                for near in self._near(key):
                    yield near, _NEAR_WEIGHT

    def _near(self, word: str) -> list[str]:
        """The pool's words nearest a word it does not know, remembered until the words change: a posting's
        parts are looked up before its title is (jobmatch.matcher.readings.without_foreign_parts)."""
        if len(word) <= 3:
            return []
        if self._vocabulary is None:
            self._vocabulary, self._nearest = Vocabulary(k for k in self._titles_by_key if k[0] not in "<>"), {}
        near = self._nearest.get(word)
        if near is None:
            if len(self._nearest) >= _NEAREST_HELD:
                self._nearest.clear()
            near = self._nearest[word] = self._vocabulary.nearest(word, _NEAR_WORD, 3)
        return near

    def completes(self, word: str) -> bool:
        """Whether `word` is the start of a longer word of the pool (a title cut mid-word: "Instandhaltu")."""
        if self._sorted_words is None:
            self._sorted_words = sorted(key for key in self._titles_by_key if key[0] not in "<>")
        at = bisect_left(self._sorted_words, word)
        return at < len(self._sorted_words) and self._sorted_words[at].startswith(word) and \
            self._sorted_words[at] != word

    def similar(self, text: str, words: tuple[str, ...], cutoff: float, cut: bool = False) -> list[tuple[str, float]]:
        """Titles scoring at least `cutoff` against `text`, best first; a `cut` title is also scored against the
        start of each title (`scoring.title_similarity`)."""
        if not text or not self._jobs:
            return []
        total = len(self._jobs)
        keys = self._query_keys(words)
        if cut and len(words[-1]) in CUT_KEYED:  # a word cut short is the start of the pool's longer words
            keys = chain(keys, (("<" + words[-1][:_AFFIX], _AFFIX_WEIGHT),))
        hits = [(titles, weight) for key, weight in keys if (titles := self._titles_by_key.get(key))]
        hits.sort(key=_size)  # rarest first: the common keys come last, and are left out when a rare key found titles
        common = max(total * COMMON_SHARE, COMMON_MIN)
        rare_found = bool(hits) and len(hits[0][0]) <= common
        weights: dict[str, float] = defaultdict(float)
        for titles, weight in hits:
            if rare_found and len(titles) > common:
                break
            rarity = weight * log(1 + total / len(titles))
            for title in titles:
                weights[title] += rarity
        shortlist = _heaviest(weights)
        # the title itself, and the title its typos are of, may be left out: ties among supersets of the words
        # crowd it out, and a common word a typo is nearest to is not counted beside a rarer one ("verkaeuefr":
        # "verkaeufer", "verkaeuferin")
        for title in dict.fromkeys((text, self._mended(words))):
            if title in self._jobs and title not in shortlist:
                shortlist.append(title)
        return self.scored(text, shortlist, cutoff, cut)

    def _mended(self, words: tuple[str, ...]) -> str:
        """The query with each word the pool does not know written as the pool's nearest word to it."""
        return " ".join(word if word in self._titles_by_key else next(iter(self._near(word)), word) for word in words)

    def scored(self, text: str, shortlist: list[str], cutoff: float, cut: bool = False) -> list[tuple[str, float]]:
        """Of these titles of the pool, those scoring at least `cutoff` against `text`, best first, as `similar`
        scores the titles its keys found (re-matching asks of a few titles whether they can enter a match)."""
        found = similar_titles(text, [self._views[title] for title in shortlist], cutoff)
        n = len(text)  # the titles it can have been cut from: any longer one, or (scoring.cut_after_word) one
        starts = ([i for i, title in enumerate(shortlist) if len(title) > n] if cut else  # going on with a word
                  [i for i, title in enumerate(shortlist) if len(title) > n and title[n] == " "] if " " in text else [])
        if starts:
            best = dict(found)
            for j, score in similar_titles(text, [title_views(shortlist[i][: len(text)]) for i in starts], cutoff):
                best[starts[j]] = max(best.get(starts[j], 0.0), score - CUT)
            found = sorted(best.items(), key=lambda hit: (-hit[1], hit[0]))
        return [(shortlist[i], score) for i, score in found]

"""Titles cut into whole words, each marked when the other title lacks it, so reviewers see at a glance where a
posting and a job differ ("Pflegefachkraft Berlin" against "Pflegefachkraft Hamburg").

A word is what stands between spaces, as it was written ("Abteilungsleiter*in", "(m/w/d)"), and is compared
by what the matcher makes of it: gender markers, feminine endings, work-time words and accents do not count,
so "Abteilungsleiter*in" matches "Abteilungsleiter" and "(m/w/d)" is never marked."""

import re
from dataclasses import dataclass
from functools import lru_cache

from jobmatch.matcher.places import CityNames
from jobmatch.matcher.titles import normalize_title

WORD = re.compile(r"\S+")
_NO_CITIES = CityNames()  # a city in a title is a word like any other here: a difference worth seeing


@dataclass(frozen=True)
class Piece:
    text: str
    differs: bool


def normalized_words(title: str | None) -> set[str]:
    """What the words of a title stand for, for comparing it with another."""
    return {key for found in WORD.finditer(title or "") for key in _keys(found.group())}


def marked(title: str | None, other: set[str]) -> list[Piece]:
    """The title as it was written, cut into words and the spaces between them; a word is marked when it means
    something (to the matcher) and none of what it means is in `other`."""
    pieces: list[Piece] = []
    text, position = title or "", 0
    for found in WORD.finditer(text):
        if found.start() > position:
            pieces.append(Piece(text[position:found.start()], False))
        keys = _keys(found.group())
        pieces.append(Piece(found.group(), bool(keys) and not keys & other))
        position = found.end()
    if position < len(text):
        pieces.append(Piece(text[position:], False))
    return pieces


@lru_cache(maxsize=1 << 14)
def _keys(word: str) -> frozenset[str]:
    return frozenset(key for key in normalize_title(word, _NO_CITIES).words if len(key) > 1)

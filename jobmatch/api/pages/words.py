"""Titles split into words, each marked when the other title lacks it, so reviewers see at a glance where a
posting and a job differ ("Pflegefachkraft Berlin" against "Pflegefachkraft Hamburg"). Single letters, as in
"(m/w/d)", are never marked: they are gender markers or initials, not what tells two jobs apart."""

import re
import unicodedata
from dataclasses import dataclass

WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Piece:
    text: str
    differs: bool


def normalized_words(title: str | None) -> set[str]:
    return {_normal(word) for word in WORD.findall(title or "")}


def marked(title: str | None, other: set[str]) -> list[Piece]:
    """The title as it was written, cut into words and the text between them; words absent from `other`
    (compared ignoring case and accents) are marked."""
    pieces: list[Piece] = []
    text = title or ""
    position = 0
    for found in WORD.finditer(text):
        if found.start() > position:
            pieces.append(Piece(text[position:found.start()], False))
        word = _normal(found.group())
        pieces.append(Piece(found.group(), len(word) > 1 and word not in other))
        position = found.end()
    if position < len(text):
        pieces.append(Piece(text[position:], False))
    return pieces


def _normal(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))

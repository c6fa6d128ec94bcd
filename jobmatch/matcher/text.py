"""Text folding shared by titles and places: one spelling for what readers treat as the same word."""

import re
import unicodedata

# Soft hyphens, zero-width spaces/joiners, word joiner, BOM, Mongolian vowel separator: invisible in a title,
# but they split words for a computer ("Produktions\xadmitarbeiter").
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"), None)
_ANY_INVISIBLE = re.compile(f"[{''.join(map(chr, _INVISIBLE))}]")
_NON_WORD = re.compile(r"[^\w+#]+")  # letters of every script stay: a Cyrillic title is not empty
_COMBINING = re.compile(r"[\u0300-\u036f]")

STOPWORDS = frozenset(
    "und oder u fuer der die das den dem des mit als zur zum im in am an auf bei von vom ab "
    "the and or for of a at to with".split()
)


def clean(text: str) -> str:
    """Compatibility-normalized (NFKC) text without invisible characters; case is kept."""
    if text.isascii():  # already NFKC, and every invisible character is outside ASCII
        return text
    text = unicodedata.normalize("NFKC", text)
    # (str.translate looks up every character of a non-ASCII text in its table, 3 us a title: only when needed)
    return text.translate(_INVISIBLE) if _ANY_INVISIBLE.search(text) else text


def fold(text: str) -> str:
    """Lower case, German umlauts as ae/oe/ue (ß -> ss by case folding), other accents dropped."""
    if text.isascii():  # nothing to fold but case
        return text.lower()
    # (three replaces: translate would look up every character in its table, as clean's would)
    folded = clean(text).casefold().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    return folded if folded.isascii() else _COMBINING.sub("", unicodedata.normalize("NFKD", folded))


def words(folded: str) -> list[str]:
    """The words of folded text: runs of letters and digits ('+' and '#' kept for C++ and C#)."""
    # (a run of '+' and '#' alone is no word; splitting on one class, "_" made a space first, is twice as fast)
    return [word for word in _NON_WORD.split(folded.replace("_", " ")) if word.strip("+#")]

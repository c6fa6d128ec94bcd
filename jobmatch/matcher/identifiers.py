"""Identifiers in one canonical spelling, so that equal identifiers compare equal as strings."""

import re
from collections.abc import Iterable
from itertools import compress, repeat
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from jobmatch.matcher.text import clean

# A code written inside a title: "Referenznr. 250539", "Ref: REQ-01007", "Ref. Nr. 17535", "Job-ID 4711", "#1234".
_CODE_IN_TITLE = re.compile(
    r"(?:\b(?:ref(?:erenz)?(?:nr|nummer)?|kennziffer|stellen-?(?:id|nr|nummer)|job-?(?:id|code|nr))\b"
    r"[\s:.#]*(?:(?:nr|nummer|no)\b[\s:.#]*)?|(?<!\w)#\s?)"
    r"(?P<code>[^\W_][\w/\-]*(?:\.\w[\w/\-]*)*)",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
# What separates a code's parts, deleted by str.translate (C, one pass): every space (str.isspace, as regex \s; the
# last is U+3000), dashes and hyphens, "_", "." and "/".
SEPARATORS = dict.fromkeys([c for c in range(0x3001) if chr(c).isspace()]
                           + [*map(ord, "-_./\u2212\ufe63\uff0d"), *range(0x2010, 0x2016)])
_CODE_SHAPED = re.compile(r"(?=\w*[^\W\d_])(?=(?:\D*\d){3})\w{4,}|\d{5,}")  # letters and 3 digits, or 5 digits
_PUNCTUATION = "()[]{},;:!?\"'|*"

# Query parameters that say where a visitor came from, not which job the page shows.
_TRACKING = frozenset(
    "gclid fbclid msclkid dclid yclid gbraid wbraid igshid mc_cid mc_eid _hsenc _hsmi source src ref referrer "
    "referer campaign hp_source cp exp cid s404 tc".split()
)
_DEFAULT_PORTS = {80, 443}
# The common shape, normalized without parsing: https, a lower-case host without `www.` or port, and at most one
# query parameter spelt so that re-encoding it changes nothing.
_PLAIN_URL = re.compile(
    r"https://(?!www\.)(?P<host>[a-z0-9.\-]+)(?P<path>/[^?#\s]*)?(?:\?(?P<key>[\w.\-]+)=(?P<value>[\w.\-]*))?", re.ASCII
)


def normalize_code(code: str | None) -> str:
    """A job code as HR would read it: case, Unicode forms and the separators between its parts do not matter
    ("REQ-01007", "REQ 01007", "req01007", "REQ–01007" are one code). Two codes that differ only there are
    read as one by people too; should a pool hold both, the code pins two jobs and is held for review."""
    if not code:
        return ""
    return (clean(code) if not code.isascii() else code).translate(SEPARATORS).casefold()


_JOINT = "\x00"  # what joins codes to normalize many at once: no separator, and kept by NFKC and casefold


def normalize_codes(codes: Iterable[str | None]) -> list[str]:
    """`normalize_code` of each, the codes joined so that each step runs once over all of them (each step reads a
    character alone)."""
    texts = [code or "" for code in codes]
    joined = _JOINT.join(texts)
    if not texts or joined.count(_JOINT) != len(texts) - 1:  # none, or a code holding the joint itself
        return list(map(normalize_code, texts))
    return clean(joined).translate(SEPARATORS).casefold().split(_JOINT)


def bare_codes(title: str) -> list[str]:
    """What may be a code written in a title without a label ("Lagerhelfer REQ-01007", "Fahrer REQ 01007"):
    each token with letters and three digits or more, or five digits, and a short word of letters with the number
    after it. Only those that are a code of the pool count, so a word like "B2B" costs a failed lookup only."""
    tokens = clean(title).split()
    found = []
    for i, token in enumerate(tokens):
        token = token.strip(_PUNCTUATION)
        if not _DIGIT.search(token):
            continue
        if _CODE_SHAPED.fullmatch(normalize_code(token)):
            found.append(token)
        before = tokens[i - 1].strip(_PUNCTUATION) if i else ""
        if before.isalpha() and len(before) <= 5 and normalize_code(token).isdigit():
            found.append(f"{before} {token}")
    return found


def normalize_remote_id(remote_id: str | None) -> str:
    """The ATS's own id, exact apart from surrounding whitespace."""
    return (remote_id or "").strip()


def codes_in_title(title: str) -> list[str]:
    """Reference codes written inside a title, as written (each contains a digit)."""
    codes = (match.group("code").rstrip(".-/") for match in _CODE_IN_TITLE.finditer(clean(title)))
    return [code for code in codes if _DIGIT.search(code)]


def strip_codes(title: str) -> str:
    """The title without its reference codes (and their labels)."""
    return _CODE_IN_TITLE.sub(lambda m: " " if _DIGIT.search(m.group("code")) else m.group(0), title)


def normalize_url(url: str | None) -> str:
    """A posting URL without what does not change the page: scheme, host case, `www.`, default ports,
    trailing slash, fragment and tracking parameters. Parameters that select the job (`?id=`, `?prj=`) stay."""
    text = (url or "").strip()
    if not text:
        return text
    plain = _PLAIN_URL.fullmatch(text)
    if plain and not _tracking(plain["key"] or ""):
        query = f"?{plain['key']}={plain['value']}" if plain["key"] else ""
        return f"https://{plain['host']}{(plain['path'] or '').rstrip('/')}{query}"
    try:
        parts = urlsplit(text if "//" in text else "//" + text)
        port = parts.port
    except ValueError:  # urllib cannot read it (a port that is not a number, an unclosed "["): keep it as written
        return text.casefold()
    host = (parts.hostname or "").removeprefix("www.")
    if port and port not in _DEFAULT_PORTS:
        host = f"{host}:{port}"
    query = sorted(
        (key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(key)
    )
    return urlunsplit(("https", host, parts.path.rstrip("/"), urlencode(query), ""))


# _PLAIN_URL's commonest shape, without a query, a URL a line: what needs only its trailing slashes cut
_PLAIN_LINE = re.compile(r"^https://(?!www\.)[a-z0-9.\-]+(?:/[^?#\s]*)?$", re.ASCII | re.MULTILINE)


def normalize_urls(urls: Iterable[str | None]) -> list[str]:
    """`normalize_url` of each: the URLs joined a line each, so that the commonest shape (plain, without a query:
    only its trailing slashes go) is found by one pass of a regex; only the others are normalized one by one."""
    texts = list(map(str.strip, [url or "" for url in urls]))
    joined = "\n".join(texts)
    if not texts or joined.count("\n") != len(texts) - 1:  # none, or a URL with a line break inside
        return list(map(normalize_url, texts))
    others = _PLAIN_LINE.sub("", joined).split("\n")  # a plain URL's line is left empty, as an empty one is
    normalized = list(map(str.rstrip, texts, repeat("/")))
    for i in compress(range(len(texts)), others):
        normalized[i] = normalize_url(texts[i])
    return normalized


def _tracking(key: str) -> bool:
    return key.lower().startswith("utm_") or key.lower() in _TRACKING

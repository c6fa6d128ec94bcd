"""Job titles reduced to the words that say which job it is.

Real titles carry much that does not: gender markers in a dozen spellings, feminine and pair forms
("Sachbearbeiter/in", "Erzieherin/Erzieher"), invisible characters, work-time and start words, the city and a
reference number. Two postings of the same job differ in exactly these, so they are removed before scoring.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import cast

from rapidfuzz import process
from rapidfuzz.distance import OSA

from jobmatch.matcher.identifiers import strip_codes
from jobmatch.matcher.places import City, CityNames, region_at
from jobmatch.matcher.text import STOPWORDS, clean, fold, words

_GENDER = r"(?:alle?\s+g[a-z]{5,11}|mensch|genderneutral|divers[e]?|div|gn|mwd|[mwfdxhiag])"  # (a/g): all genders
_GENDER_MARKERS = (
    # (m/w/d) (w/m/d) (m/f/d) (gn) (all genders) (m|w|d) (f/m/x) (d/w/m) (m/w/x) (m/w/div) (m/w/div.) [m/w/d]
    re.compile(rf"[(\[]\s*{_GENDER}(?:\s*[/|,.*\\-]\s*{_GENDER})*\s*[/|.]?\s*[)\]]"),
    # m/w/d without brackets
    re.compile(r"(?<![\w/])[mwfd]\s*[/|]\s*[mwfdx](?:\s*[/|]\s*[mwfdx])?(?![\w/])"),
)
# Feminine and inclusive endings: Sachbearbeiter/in, /-in, /-innen, *in, :in, _in, (in), Kaufmännische/r.
_FEMININE_ENDINGS = (
    re.compile(r"(?<=[a-z])\s*(?:[*:_]|/-?)\s?in(?:nen)?\b"),
    re.compile(r"(?<=[a-z])\(in(?:nen)?\)"),
    re.compile(r"(?<=[a-z])/(?:r|e|n|er)\b"),
    re.compile(r"(?<=mann)\s*/\s*-?\s*frau\b|(?<=frau)\s*/\s*-?\s*mann\b"),
)
_MARKUP = re.compile(r"[(\[/|*:_]")  # one of these is in every gender marker and feminine ending
_DIGIT = re.compile(r"\d")
_BINNEN_I = re.compile(r"(?<=[a-zäöüß])In(?:nen)?\b")  # MitarbeiterIn, LehrerInnen (needs the capital I)
_FEMININE_WORD = re.compile(r"^(.{3,}(?:er|ent|ant|eur|or))in(?:nen)?$")  # Referentin -> referent

# Abbreviations boards and back offices write ("MA Finanzbuchhaltung", "Kfm. Kraft", "SB Steuerverwaltung")
_ABBREVIATIONS = {"sr": "senior", "snr": "senior", "jr": "junior", "jnr": "junior", "ma": "mitarbeiter",
                  "mitarb": "mitarbeiter", "kfm": "kaufmaennische", "kaufm": "kaufmaennische", "kffr": "kauffrau",
                  "techn": "technische", "ing": "ingenieur", "verw": "verwaltung", "sb": "sachbearbeiter",
                  "stellv": "stellvertretende", "ltg": "leitung", "mgr": "manager", "paed": "paedagogische",
                  "ass": "assistenz"}
# An employer written into the title: "Firma GmbH sucht Koch", "Firma GmbH: Koch", "Koch bei Firma GmbH"
_HIRING = re.compile(r"^.*?\bsucht\b(?![-+])(?=.*[^\W\d_])", re.DOTALL)  # not "Sucht- und Drogenberater"
# ... and nothing after it but urgency: the employer alone, the job cut off by a board ("Hotel sucht dringend").
# The verb is written small, the noun capitalized ("Sozialarbeiter Sucht", addiction work); followed by urgency
# it is the verb in any case ("PRAXIS SUCHT DRINGEND")
_URGENCY = r"(?i:\s+(?:dringend|jetzt|ab\s+sofort))"
_HIRER_ALONE = re.compile(rf"(?:\bsucht|(?i:\bsucht)(?={_URGENCY})){_URGENCY}*[\s.!:]*$")
# Where a board or an employer joins the parts of a title, and what joins them: "Firma: Koch", "Koch | Firma",
# "Koch - Firma", "Koch bei Firma" ("bei" in any case: pool readings split titles as written; "(m|w|d)" and
# ":in" stay whole)
TITLE_PARTS = re.compile(r"\s*(:\s|\s\|\s|\s[-\u2013\u2014]\s|\b(?i:bei)\b)\s*")
_EMPLOYER_AFTER = re.compile(r"\sbei\s")
_LEGAL_FORMS = frozenset("gmbh ggmbh mbh ag kg kgaa ohg gbr ev se ug co ltd inc aoer kdoer partg eg".split())
_WORK_TIME_WORDS = frozenset(
    "vollzeit voll+ vz teilzeit tz minijob minijobber minijobbasis fulltime parttime sofort gesucht".split()
)  # "voll+": "Voll- oder Teilzeit" (PART_MARK below)
_WORK_TIME_PHRASES = frozenset(
    {("full", "time"), ("part", "time"), ("mini", "job"), ("voll", "teilzeit"), ("naechstmoeglichen", "zeitpunkt")}
)
# Work-time words name no job, but two jobs that differ only in them ("Verkäufer Vollzeit" / "Verkäufer Teilzeit")
# are told apart by them: they are kept beside the title, as kinds.
_WORK_TIME_KINDS = {"vollzeit": "vollzeit", "voll+": "vollzeit", "vz": "vollzeit", "tz": "teilzeit", "fulltime": "vollzeit", "teilzeit": "teilzeit", "parttime": "teilzeit",
                    "minijob": "minijob", "minijobber": "minijob", "minijobbasis": "minijob"}
_WORK_TIME_WRITTEN = tuple(word for word in _WORK_TIME_KINDS if len(word) >= 5)  # recognised with a typo
_WORK_TIME_PHRASE_KINDS = {("full", "time"): "vollzeit", ("part", "time"): "teilzeit", ("mini", "job"): "minijob"}
_ELLIPSIS = re.compile(r"\s*\.{2,}\s*$")  # NFKC writes "…" as "..."
# an ellipsis ending the job's title before a part a board appended ("Steuerberater (m/w/d) in Volkach (S... |
# Volkach, Bayern"): the title is cut there when that part names places alone
_ELLIPSIS_BEFORE_PART = re.compile(r"\s*\.{2,}(?=\s*(?::|\||[-\u2013\u2014])\s)")
# A word ending in a hyphen before "und"/"oder"/a comma is the first part of a compound whose end follows
# ("Stein- und Fliesenleger"): it keeps a mark, so that it is never taken for a city of the same name.
_COMPOUND_PART = re.compile(r"(?<=[^\W\d_])-(?=\s*(?:,|/|&|\+|\b(?:und|oder|u|bzw)\b))")
PART_MARK = "+"  # words() keeps "+" (C++), so the mark survives; no city ends in one
_LOCATION_LEADS = frozenset("standort standorten raum grossraum region einsatzort nahe".split())
_LEFTOVER_LETTERS = frozenset("mwdfx")
_CODE_LABELS = frozenset("ref refnr referenznr referenznummer kennziffer jobid stellenid".split())  # code cut off
_MEANINGLESS = STOPWORDS | _LEFTOVER_LETTERS | _CODE_LABELS
_DROPPED = _MEANINGLESS | _WORK_TIME_WORDS
# Long noise words are also recognised with a typo ("Tielzeit", "Kenzniffer"), as a reader recognises them.
_NOISE_WITH_TYPOS = tuple(word for word in _WORK_TIME_WORDS | _CODE_LABELS | {"referenznummer", "genders"}
                          if len(word) >= 6)
_REFERENCE_NUMBER = re.compile(r"\d{5,}")  # a number this long is a reference, not part of a job's name


def _typos(word: str) -> int:
    """Edits (a swap of neighbouring letters counts as one) after which a word is still recognisably the same."""
    return 1 if len(word) < 8 else 2


@dataclass(frozen=True, slots=True)
class Title:
    text: str  # the words joined by spaces: what the scorers compare
    words: tuple[str, ...]
    cities: frozenset[City]  # city names that were removed from the title
    work_time: frozenset[str] = frozenset()  # "vollzeit", "teilzeit", "minijob": dropped, but they tell twins apart
    cut: bool = False  # cut short by a board ("Instandhaltu...", "Instandhaltu"): its last word may be a word's start


def normalize_title(title: str | None, cities: CityNames, also: City = ()) -> Title:
    """The words of `title` that name the job; `cities` are removed wherever they stand, and so is `also`
    (the posting's own city, which the pool may not know). One pass reaches the fixed point: normalizing the text
    again changes nothing (a property test checks it), so no title is normalized twice."""
    text = clean(title or "")
    cut, appended = False, frozenset[City]()
    if ".." in text:  # the searches try every position: 4 us a title
        if _ELLIPSIS.search(text):
            text, cut = _ELLIPSIS.sub("", text), True
        elif (end := _ELLIPSIS_BEFORE_PART.search(text)) and \
                not (rest := normalize_title(text[end.end() :], cities, also)).words:
            text, cut, appended = text[: end.start()], True, rest.cities  # a place the board appended
    if ("sucht" in text or "SUCHT" in text) and not text.islower() and _HIRER_ALONE.search(text):
        text = ""  # (all small, as normalized text is, "sucht" may be the noun: left as it is)
    if "In" in text:
        text = _BINNEN_I.sub("", text)
    text = fold(text)
    if _DIGIT.search(text):  # every code has a digit
        text = strip_codes(text)
    text = _without_employer(text, cities, also)
    if _MARKUP.search(text):  # the regexes are skipped for titles (and normalized text) they cannot change
        for pattern in _GENDER_MARKERS + _FEMININE_ENDINGS:
            text = pattern.sub(" ", text)
    if "-" in text:
        text = _COMPOUND_PART.sub(PART_MARK, text)
    raw = [_ABBREVIATIONS.get(word, word) for word in words(text)]
    kept, found = _naming_words([word for word in raw if not _is_noise(word)], raw, cities, also)
    if not kept:  # a title of work-time words alone ("Minijob", "Teilzeit oder Minijob") is named by them
        meaningful = [word for word in raw if word not in _MEANINGLESS and not _REFERENCE_NUMBER.fullmatch(word)]
        kept, found = _naming_words(meaningful, raw, cities, also)
    return Title(" ".join(kept), tuple(kept), found | appended, _work_time(raw), cut)


# Raise when normalize_title's output changes: stored title forms of another version are not read.
# (tests/matcher/test_title_forms.py holds a digest of the output on real titles, and fails when it changes.)
FORM_VERSION = 3


class TitleForms:
    """Titles normalized without any pool's cities, as forms a store keeps (jobmatch.api.title_forms), for a pool's
    build to read instead of normalizing each title again: those `stored`, and those `made` since.

    A title's form also holds every word normalizing it asked a city of: with a pool's cities it reads the same
    unless one of those words starts a city of the pool (every reading of cities in normalize_title goes through
    `CityNames.starting_with`), and only then is it normalized again."""

    def __init__(self, stored: Mapping[str, str] | None = None) -> None:
        self.stored = dict(stored or {})
        self.made: dict[str, str] = {}

    def title(self, name: str, cities: CityNames) -> Title:
        if not name:  # a job without a title: nothing to keep
            return normalize_title(name, cities)
        form = self.stored.get(name)
        if form is None:
            form = self.made[name] = title_form(name)
        return from_form(form, cities) or normalize_title(name, cities)


class _Asking:
    """No city names, and every word asked of them. Not CityNames: normalizing that read cities in another way
    would fail here (and so in the forms' tests) rather than make forms that read otherwise in a pool."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def starting_with(self, word: str) -> set[City]:
        self.asked.add(word)
        return set()


def title_form(name: str) -> str:
    """The title normalized without any pool's cities, with the words it asked of them, as JSON text."""
    cities = _Asking()
    title = normalize_title(name, cast(CityNames, cities))
    return json.dumps([title.text, sorted(title.work_time), title.cut, sorted(cities.asked.difference(title.words))],
                      ensure_ascii=False, separators=(",", ":"))


def from_form(form: str, cities: CityNames) -> Title | None:
    """The title as normalize_title reads it with `cities`, from its form; None when one of them may change it,
    or the form cannot be read."""
    try:
        text, work_time, cut, asked = json.loads(form)
        words = tuple(text.split())
        if cities.start_none(words) and cities.start_none(asked):
            return Title(text, words, frozenset(), frozenset(work_time), bool(cut))
    except (ValueError, TypeError, AttributeError):
        pass
    return None


def _names_a_place(head: list[str], cities: CityNames, also: City) -> bool:
    return any((also and _same_words(head[i : i + len(also)], also))
               or any(tuple(head[i : i + len(city)]) == city for city in cities.starting_with(word))
               for i, word in enumerate(head))


def _without_employer(text: str, cities: CityNames, also: City) -> str:
    """The title without the employer written into it: before "sucht" ("Firma sucht Koch"), after the gender
    marker that ends the job's name ("Koch (m/w/d) in Bamberg bei Firma") or between "bei" and the marker ("Koch
    bei Firma (m/w/d)", `_employer_before`), before a colon when the marker is after
    it and what stands before names a place ("Hotel Nürnberg: Koch (m/w/d)", not "Sachbearbeiter Schwerpunkt:
    Assistenz (m/w/d)"), and any part naming a company by its legal form ("Koch | Firma GmbH")."""
    if "sucht" in text:
        text = _HIRING.sub(" ", text)
    if "(" in text or "[" in text or "/" in text or "|" in text:
        marker = _GENDER_MARKERS[0].search(text) or _GENDER_MARKERS[1].search(text)  # "Florist/in m/w/d bei ..."
        employer = _EMPLOYER_AFTER.search(text, marker.end()) if marker else None
        while employer and _in_place_name(text, employer, cities, also):  # "(m/w/d) in Altdorf bei Nürnberg"
            employer = _EMPLOYER_AFTER.search(text, employer.end() - 1)
        if employer:
            text = text[: employer.start()]
        elif marker and (before := _employer_before(text, marker.start(), cities, also)):
            text = text[: before.start()] + " " + text[marker.start() :]
        head, colon, rest = text.partition(": ")
        if colon and _GENDER_MARKERS[0].search(rest) and not _GENDER_MARKERS[0].search(head) \
                and _names_a_place(words(head), cities, also):
            text = rest
    segments = TITLE_PARTS.split(text)[::2]
    if len(segments) == 1:
        return text
    kept = [segment for segment in segments if _LEGAL_FORMS.isdisjoint(words(segment.replace(".", "")))]
    return " ".join(kept) if len(kept) < len(segments) and any(map(words, kept)) else text


def _employer_before(text: str, marker: int, cities: CityNames, also: City) -> re.Match[str] | None:
    """The "bei" before the gender marker that only an employer's name follows ("Koch bei Firma Huber (m/w/d)"):
    not one of a place's name ("Altdorf bei Nürnberg"), nor one a part of the title follows ("Sachsen bei Ansbach
    - Fuhrparkleiter (m/w/d)")."""
    at = _EMPLOYER_AFTER.search(text, 0, marker)
    if at is None or TITLE_PARTS.search(text, at.end(), marker) or not words(text[: at.start()]) \
            or not words(text[at.end() : marker]):
        return None
    return None if _in_place_name(text, at, cities, also) else at


def _in_place_name(text: str, at: re.Match[str], cities: CityNames, also: City) -> bool:
    """Whether this "bei" is one of a place's name: the words either side of it start the posting's own city or a
    city of the pool ("Altdorf bei Nürnberg", whose name is kept without the "bei")."""
    head, tail = words(text[: at.start()]), words(text[at.end() :])
    if not head or not tail:
        return False
    pair = (head[-1], tail[0])
    return also[:2] == pair or any(city[:2] == pair for city in cities.starting_with(head[-1]))


def only_work_time(title: Title) -> bool:
    """Whether a title names nothing but work time ("Teilzeit", "Voll- oder Teilzeit"), as normalization names
    a title of work-time words alone."""
    return bool(title.words) and all(map(_work_time_kind, title.words))


def _work_time(raw: list[str]) -> frozenset[str]:
    kinds = {kind for word in raw if (kind := _work_time_kind(word))}
    kinds.update(_WORK_TIME_PHRASE_KINDS[pair] for pair in zip(raw, raw[1:]) if pair in _WORK_TIME_PHRASE_KINDS)
    return frozenset(kinds)


@cache
def _work_time_kind(word: str) -> str | None:
    """The kind of work time a word names, also with a typo ("Tielzeit")."""
    if word in _WORK_TIME_KINDS:
        return _WORK_TIME_KINDS[word]
    if len(word) >= 6:
        near = _first_near(word, _WORK_TIME_WRITTEN)
        return _WORK_TIME_KINDS[near] if near else None
    return None


def _naming_words(
    candidates: list[str], raw: list[str], cities: CityNames, also: City
) -> tuple[list[str], frozenset[City]]:
    kept, found = [_masculine(word, raw) for word in candidates], frozenset[City]()
    while True:  # a removal can make a new neighbour: "Großraum um" loses "um" (it repeats the end of "raum")
        before = len(kept)
        kept, removed = _drop_cities(_drop_work_time_phrases(kept), cities, also)
        kept, found = _drop_trailing_places(_drop_repeats(kept)), found | removed
        if len(kept) == before:  # nothing removed: another round would change nothing
            return kept, found


@cache  # a pool has far fewer distinct words than titles
def _is_noise(word: str) -> bool:
    if word in _DROPPED or _REFERENCE_NUMBER.fullmatch(word):
        return True
    return len(word) >= 6 and _first_near(word, _NOISE_WITH_TYPOS) is not None


def _first_near(written: str, options: tuple[str, ...]) -> str | None:
    """The first of `options` (words of five letters or more) that `written` is with a typo or two (`_near`): one
    C call scores them all."""
    found = process.extract(written, options, scorer=OSA.distance, score_cutoff=2, limit=None)
    near = [i for option, distance, i in found if distance <= _typos(option)]
    return options[min(near)] if near else None


@lru_cache(maxsize=1 << 16)  # the same pairs of words meet in many titles
def _near(written: str, word: str) -> bool:
    """`written` is `word` with a typo or two (words of five letters or more only)."""
    typos = _typos(word)
    return (len(word) >= 5 and abs(len(written) - len(word)) <= typos
            and OSA.distance(written, word, score_cutoff=typos) <= typos)


def _same_words(written: list[str], city: City) -> bool:
    """The words of `city` as written, allowing one typo in each word of five letters or more."""
    return len(written) == len(city) and all(
        w == c or _near(w, c) for w, c in zip(written, city)
    )


def _masculine(word: str, others: list[str]) -> str:
    """One form for both genders: "referentin" -> "referent"; "erzieherin" when "erzieher" is also there."""
    feminine = _FEMININE_WORD.match(word)
    if feminine:
        return feminine.group(1)
    if word.endswith("frau"):
        return word[:-4] + "mann"
    if word.endswith("in") and (word[:-2] in others or word[:-2] + "e" in others):
        return word[:-2] if word[:-2] in others else word[:-2] + "e"
    return word


def _drop_work_time_phrases(title_words: list[str]) -> list[str]:
    kept, i = [], 0
    while i < len(title_words):
        if tuple(title_words[i : i + 2]) in _WORK_TIME_PHRASES:
            i += 2
        else:
            kept.append(title_words[i])
            i += 1
    return kept


def _drop_repeats(title_words: list[str]) -> list[str]:
    """Each word once, even misspelt the second time ("Kinderpfleger * Kinderpfelgerin"); also a word that only
    repeats the end of the one before ("...pfleger/-pfleger")."""
    kept: list[str] = []
    for word in title_words:
        if word in kept or (len(word) >= 5 and any(_near(word, other) for other in kept)):
            continue
        if not (kept and len(kept[-1]) > len(word) and kept[-1].endswith(word)):
            kept.append(word)
    return kept


def _drop_cities(title_words: list[str], cities: CityNames, also: City) -> tuple[list[str], frozenset[City]]:
    kept: list[str] = []
    found: set[City] = set()
    i = 0
    while i < len(title_words):
        if also and _same_words(title_words[i : i + len(also)], also):  # the posting's own city, even misspelt
            city: City | None = also
        else:
            options = cities.starting_with(title_words[i])
            matching = [c for c in options if tuple(title_words[i : i + len(c)]) == c] if options else None
            city = max(matching, key=len) if matching else None
        if city is None:
            kept.append(title_words[i])
            i += 1
            continue
        found.add(city)
        while kept and kept[-1] in _LOCATION_LEADS:
            kept.pop()
        i += len(city)
        while i < len(title_words) and (region := region_at(title_words, i)):  # "Forchheim, Oberfranken"
            i += region
    return kept, frozenset(found)


def _drop_trailing_places(title_words: list[str]) -> list[str]:
    """A place word or region at the end ("Schreiner Standort", "Parkettleger Oberfranken"), whose city was
    cut off or never written; a title is never left empty by it."""
    while len(title_words) > 1:
        if title_words[-1] in _LOCATION_LEADS:
            title_words = title_words[:-1]
            continue
        start = next((i for i in range(max(1, len(title_words) - 3), len(title_words))
                      if region_at(title_words, i) == len(title_words) - i), None)
        if start is None:
            return title_words
        title_words = title_words[:start]
    return title_words


def says_no_more_than(title: Title, other: Title) -> bool:
    """Every word of `title` is one of `other`'s, with a typo at most, or the start of one where `title` was
    cut: a title that says less than a job's contradicts it in nothing."""
    return all(word in other.words or any(_near(word, theirs) or (title.cut and theirs.startswith(word))
                                          for theirs in other.words)
               for word in title.words)

"""How a posting's title is read against its pool, beyond what normalization can know without one."""

from collections.abc import Callable
from dataclasses import replace

from jobmatch.matcher.places import City, CityNames
from jobmatch.matcher.titles import TITLE_PARTS, Title, normalize_title, only_work_time


def without_misspelt_cities(title: Title, cities: CityNames, known: Callable[[str], bool]) -> Title:
    """The title without the pool's cities written with a typo ("Bürokraft in Glashtüten" for Glashütten): a
    word that no title of the pool has (`known`) and that is a city of the pool misspelt (`CityNames.misspelt`)
    names the place, not the job, as the pool's cities written right do; they are among the title's `cities`.
    The first word is the job's name, whatever it resembles."""
    kept, found = list(title.words[:1]), set[City]()
    for word in title.words[1:]:
        city = None if known(word) else cities.misspelt(word)
        if city:
            found.add(city)
        else:
            kept.append(word)
    if not found:
        return title
    return replace(title, text=" ".join(kept), words=tuple(kept), cities=title.cities | found)


MOST_PARTS = 4  # a title of more parts is read whole: every choice of its parts is a reading re-matching keeps
_FOREIGN_SHARE = 0.5  # a part of which fewer of the words than this are known to the pool's titles is foreign


def title_parts(text: str) -> tuple[list[str], list[str]]:
    """The parts of a title and what joins them (none for a title of one part or of more than MOST_PARTS)."""
    pieces = TITLE_PARTS.split(text)
    if len(pieces) == 1 or len(pieces) > 2 * MOST_PARTS - 1:
        return [text], []
    return pieces[::2], pieces[1::2]


def part_words(part: str, cities: CityNames, also: City = ()) -> tuple[str, ...]:
    """The words of a part of a title that name a job (a part naming work time alone names none)."""
    read = normalize_title(part, cities, also=also)
    return () if only_work_time(read) else read.words


def without_foreign_parts(text: str, read: Callable[[str], tuple[str, ...]], known: Callable[[str], bool]) -> str:
    """The title without the parts that name nothing the pool's titles name: the employer a board writes before
    a colon or after "bei" ("GOLDMANN Personaldienste: Industrielackierer (m/w/d)", "Bestattungsberater/in bei
    Stadt Nürnberg Personalamt"), which normalization cannot tell from a job's words without a pool. A part is
    foreign when fewer than half of its words (`read`: as the pool reads them, `part_words`) are `known`; what
    stands before a first colon also when the pool knows less of it than of a part after it ("Hotel Frankenwald
    Heiner Bär: Hausmeister", as boards write the employer; not "Sachbearbeiter Schwerpunkt: Assistenz"). Parts
    are dropped only when a part with a known word remains. A pool whose titles name the employer keeps it. The
    parts kept stay joined as written, so that normalizing still tells them apart ("Firma GmbH - Abteilung: Koch")."""
    parts, joins = title_parts(text)
    if not joins:
        return text
    shares = [sum(map(known, words)) / len(words) if (words := read(part)) else None for part in parts]
    foreign = [share is not None and share < _FOREIGN_SHARE for share in shares]
    later = [share for share in shares[1:] if share is not None]
    if joins[0].strip() == ":" and shares[0] is not None and later and shares[0] < max(later):
        foreign[0] = True
    if not any(foreign) or not any(share for share, dropped in zip(shares, foreign) if share and not dropped):
        return text
    kept = [i for i, dropped in enumerate(foreign) if not dropped]
    return parts[kept[0]] + "".join(f" {joins[i - 1].strip()} {parts[i]}" for i in kept[1:])  # the join before each

"""How a posting's title is read against its pool, beyond what normalization can know without one."""

from collections.abc import Callable
from dataclasses import replace

from jobmatch.matcher.places import City, CityNames
from jobmatch.matcher.titles import Title


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

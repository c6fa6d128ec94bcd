"""How evidence becomes a score, and the thresholds that turn scores into decisions.

Every number here was chosen by measurement on the labelled set (benchmarks/match_quality.py); docs/matching.md
records the measurements and the reasons.
"""

from sys import intern
from typing import NamedTuple

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from jobmatch.matcher.places import Place

TitleViews = tuple[str, str]  # the words sorted, the words joined without spaces
CUT = 1.0  # a cut title scores this much less against the start of a longer title than against an equal one

# Normalized titles are compared as a reader compares them: word order does not matter (sorted words, Indel
# ratio as fuzz.token_sort_ratio), a swap of neighbouring letters is one slip, not two ("Bäkcer": OSA), and a
# compound may be written apart ("Vollzeitkraft Tankstelle" / "Vollzeitkrafttankstelle": the words joined).
# The similarity is the best of these views, 0-100. Between two one-word titles only OSA counts: a one-word title
# is a compound, and letters more or fewer inside it make another word ("Teilezurichter" / "Teilerichter"), which
# OSA charges per letter of the longer word while Indel charges half that; a swap costs the same in both.
# (view index, scorer, factor to 0-100, counts between one-word titles)
_VIEWS = ((0, fuzz.ratio, 1.0, False), (0, OSA.normalized_similarity, 100.0, True), (1, fuzz.ratio, 1.0, False))


def title_views(text: str) -> TitleViews:
    return " ".join(sorted(text.split())), text.replace(" ", "")


def _one_word(views: TitleViews) -> bool:
    return len(views[0]) == len(views[1])  # nothing was joined


def title_similarity(a: str, b: str, cut: bool = False) -> float:
    """How alike two normalized titles are, 0-100; a title `a` that was `cut` short is also compared with the
    start of `b` that it can have been cut from, and so is one of two words or more with a start of `b` that
    ends at a word (`cut_after_word`)."""
    views_a, views_b = title_views(a), title_views(b)
    one_word = _one_word(views_a) and _one_word(views_b)
    whole = max(scorer(views_a[view], views_b[view]) * factor
                for view, scorer, factor, between_words in _VIEWS if between_words or not one_word)
    if len(b) > len(a) and (cut or cut_after_word(a, b)):
        return max(whole, title_similarity(a, b[: len(a)]) - CUT)
    return whole


def cut_after_word(a: str, b: str) -> bool:
    """Whether `a`, of two words or more, may be `b` with its last words left off ("Kundenberater Schwerpunkt"
    for "Kundenberater Schwerpunkt On-/Offline-Marketing"): `b` goes on with a word where `a` ends. Boards and
    back offices shorten a long title so; a title of one word is a word typed, and longer titles starting with
    it are other jobs ("Koch" is not "Koch Schwerpunkt Patisserie" more than it is any other cook)."""
    return len(b) > len(a) and b[len(a)] == " " and " " in a


def similar_titles(text: str, candidates: list[TitleViews], cutoff: float) -> list[tuple[int, float]]:
    """(index into `candidates`, similarity) for those scoring at least `cutoff` against `text`, best first:
    `title_similarity` for many titles at once, each view scored by rapidfuzz's C loop."""
    query = title_views(text)
    one_word = _one_word(query)
    best: dict[int, float] = {}
    for view, scorer, factor, between_words in _VIEWS:
        choices = [views[view] for views in candidates]
        for _, score, i in process.extract(query[view], choices, scorer=scorer, limit=None,
                                           score_cutoff=cutoff / factor):
            if between_words or not (one_word and _one_word(candidates[i])):
                best[i] = max(best.get(i, 0.0), score * factor)
    return sorted(best.items(), key=lambda found: (-found[1], found[0]))

REVIEW_FLOOR = 80.0  # below this nothing is plausible: no_match
TITLE_CONSISTENT = 60.0  # an identifier's job whose title scores below this is held for review
# ... and so is one when another job's title is this much more similar and the posting's title names more than
# the identifier's job ("Verkäufer Metzgerei" with the code of "Verkäufer", while "Verkäufer Metzgerei" exists)
CLEARLY_BETTER = 15.0  # chosen on the tuning part (docs/matching.md)
SEARCH_CUTOFF = REVIEW_FLOOR - 10.0  # titles this far below the floor can still be lifted by place evidence

# Below the wording floors, weak suggestions: shown beside a no_match decision (a reviewer may know the job by
# them), never what makes a posting needs_review (chosen on the tuning parts, docs/matching.md)
WEAK_WORDING = 0.4
WEAK_ALIKE = 0.2

# A title worded otherwise (wording.py) of strength 0-1 scores in this band: below the titles alike of most
# confidence, above nothing; it is never what links a posting.
WORDING_FLOOR = 0.7  # weaker wording is no candidate (chosen on the tuning part, docs/matching.md)
# Titles whose letters are alike inside the words (ngrams.py) are looked for only when no title is this similar
# by the title search, and are candidates at this cosine or more (chosen on the tuning parts, docs/matching.md).
STRONG_TITLE = 90.0
ALIKE_FLOOR = 0.7
_WORDING_LOWEST, _WORDING_HIGHEST = 60.0, 85.0


def wording_score(strength: float) -> float:
    return _WORDING_LOWEST + (_WORDING_HIGHEST - _WORDING_LOWEST) * strength


SAME_PLACE = 4.0
OTHER_PLACE = -8.0
SAME_DEPARTMENT = 2.0
SAME_EMPLOYMENT_TYPE = 2.0
INACTIVE = -6.0  # an open job ranks above a closed, archived or deleted one of the same title and place


class Side(NamedTuple):
    """What the secondary evidence compares, for a posting or a job. A tuple: a build makes 50,000 of them, five
    times faster than a frozen dataclass."""

    place: Place
    place_label: str
    department: str
    employment_type: str


def side(place: Place, label: str | None, department: str | None, employment_type: str | None) -> Side:
    return Side(place, place_label(label), department_key(department), employment_type_key(employment_type))


# The fields of a side as they are compared. Interned: a pool's sides share a few labels, departments and types.
def place_label(label: str | None) -> str:
    return intern((label or "").strip())


def department_key(department: str | None) -> str:
    return intern((department or "").strip().casefold())


def employment_type_key(employment_type: str | None) -> str:
    return intern((employment_type or "").strip().upper())


def most_evidence(posting: Side) -> float:
    """The most `evidence` can lift a job's score for this posting: only what the posting says can agree (a
    posting of a title alone lifts no job, so the first titles found can settle the ranking)."""
    return ((SAME_PLACE if posting.place else 0.0) + (SAME_DEPARTMENT if posting.department else 0.0)
            + (SAME_EMPLOYMENT_TYPE if posting.employment_type else 0.0))


def evidence(posting: Side, job: Side) -> tuple[float, list[str]]:
    """Score adjustment and reasons from place, department and employment type."""
    delta, reasons = 0.0, []
    same_place = posting.place.same_as(job.place)
    if same_place:
        delta += SAME_PLACE
        reasons.append(f"same place: {job.place_label or job.place.zip_code}")
    elif same_place is False:
        delta += OTHER_PLACE
        reasons.append(f"other place: {job.place_label or job.place.zip_code} (posting: {posting.place_label})")
    if posting.department and posting.department == job.department:
        delta += SAME_DEPARTMENT
        reasons.append("same department")
    if posting.employment_type and posting.employment_type == job.employment_type:
        delta += SAME_EMPLOYMENT_TYPE
        reasons.append(f"same employment type: {job.employment_type}")
    return delta, reasons


def lift(posting: Side, job: Side) -> float:
    """`evidence`'s score adjustment alone, without its reasons: what ranking reads of every job found."""
    same_place = posting.place.same_as(job.place)
    return ((SAME_PLACE if same_place else OTHER_PLACE if same_place is False else 0.0)
            + (SAME_DEPARTMENT if posting.department and posting.department == job.department else 0.0)
            + (SAME_EMPLOYMENT_TYPE if posting.employment_type and posting.employment_type == job.employment_type
               else 0.0))


def display(score: float) -> float:
    """A score as shown: clipped to 0-100, one decimal."""
    return round(min(100.0, max(0.0, score)), 1)

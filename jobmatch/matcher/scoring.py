"""How evidence becomes a score, and the thresholds that turn scores into decisions.

Every number here was chosen by measurement on the labelled set (benchmarks/match_quality.py); docs/matching.md
records the measurements and the reasons.
"""

from dataclasses import dataclass
from functools import cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from jobmatch.matcher.places import Place


def title_similarity(a: str, b: str, **_: object) -> float:
    """Normalized titles compared as a reader compares them: word order does not matter (token_sort_ratio), a
    swap of neighbouring letters is one slip, not two ("Bäkcer"), and a compound may be written apart
    ("Vollzeitkraft Tankstelle" / "Vollzeitkrafttankstelle"). Signature as rapidfuzz scorers, for `process`."""
    sorted_a, sorted_b = " ".join(sorted(a.split())), " ".join(sorted(b.split()))
    return max(fuzz.ratio(sorted_a, sorted_b), OSA.normalized_similarity(sorted_a, sorted_b) * 100.0,
               fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")))


TITLE_SCORER = title_similarity
REVIEW_FLOOR = 80.0  # below this nothing is plausible: no_match
TITLE_CONSISTENT = 60.0  # an identifier's job whose title scores below this is held for review
SEARCH_CUTOFF = REVIEW_FLOOR - 10.0  # titles this far below the floor can still be lifted by place evidence

SAME_PLACE = 4.0
OTHER_PLACE = -8.0
SAME_DEPARTMENT = 2.0
SAME_EMPLOYMENT_TYPE = 2.0
INACTIVE = -6.0  # an open job ranks above a closed, archived or deleted one of the same title and place


@dataclass(frozen=True, slots=True)
class Side:
    """What the secondary evidence compares, for a posting or a job."""

    place: Place
    place_label: str
    department: str
    employment_type: str


@cache  # shared by the many jobs of one place, department and employment type
def side(place: Place, place_label: str | None, department: str | None, employment_type: str | None) -> Side:
    return Side(place, (place_label or "").strip(), (department or "").strip().casefold(),
                (employment_type or "").strip().upper())


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


def display(score: float) -> float:
    """A score as shown: clipped to 0-100, one decimal."""
    return round(min(100.0, max(0.0, score)), 1)

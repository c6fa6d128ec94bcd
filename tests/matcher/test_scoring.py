import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobmatch.matcher.places import Place
from jobmatch.matcher.scoring import (
    CUT,
    cut_after_word,
    evidence,
    lift,
    most_evidence,
    side,
    similar_titles,
    title_similarity,
    title_views,
)


@pytest.mark.parametrize(("a", "b", "low", "high"), [
    ("lagermitarbeiter", "lagermitarbeiter", 100, 100),
    ("mitarbeiter vormontage", "vormontage mitarbeiter", 100, 100),  # word order does not matter
    ("vollzeitkraft tankstelle", "vollzeitkrafttankstelle", 100, 100),  # a compound written apart
    ("baekcer", "baecker", 85, 86),  # a swap of neighbouring letters is one slip
    ("trokcenbauer", "trockenbauer", 91, 92),
    ("rezeptionsmitarbeiter", "produktionsmitarbeiter", 0, 80),  # a shared generic part is not enough
    ("koch", "elektriker", 0, 30),
    # between one-word titles, letters more or fewer inside the compound make another word
    ("teilezurichter", "teilerichter", 85, 86),  # Indel would say 92
    ("teilezurichter", "teile richter", 92, 93),  # not one word each: every view counts
    ("kundenbetreuer", "kundenbetreuerin", 87, 88),
])
def test_title_similarity(a: str, b: str, low: float, high: float) -> None:
    assert low <= title_similarity(a, b) <= high
    assert title_similarity(a, b) == title_similarity(b, a)


WORDS = st.lists(st.sampled_from(["lager", "mitarbeiter", "lagermitarbeiter", "koch", "kcoh", "helfer", "pflege",
                                 "teilerichter", "teilezurichter"]),
                 min_size=1, max_size=3).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(WORDS, st.lists(WORDS, min_size=1, max_size=8, unique=True), st.sampled_from([0.0, 50.0, 80.0]))
def test_many_titles_at_once_score_as_one_by_one(query: str, titles: list[str], cutoff: float) -> None:
    """(The start of a longer title that a title may have been cut from is the search's to compare.)"""
    titles = [t for t in titles if not cut_after_word(query, t)]
    found = dict(similar_titles(query, [title_views(t) for t in titles], cutoff))
    expected = {i: title_similarity(query, t) for i, t in enumerate(titles) if title_similarity(query, t) >= cutoff}
    assert found.keys() == expected.keys()
    assert all(found[i] == pytest.approx(expected[i]) for i in found)


@pytest.mark.parametrize(("a", "b", "cut"), [
    ("kundenberater schwerpunkt", "kundenberater schwerpunkt on+ offline marketing", True),  # last words left off
    ("verkaeufer metzgerei", "verkaeufer metzgerei filialleitung", True),
    ("koch", "koch schwerpunkt patisserie", False),  # one word: a word typed, not a title cut
    ("verkaeufer metz", "verkaeufer metzgerei", False),  # cut inside a word: the ellipsis or the pool says so
    ("kundenberater schwerpunkt", "kundenberater schwerpunkt", False),  # nothing left off
    ("lager helfer", "lagerhelfer gabelstapler", False),
])
def test_a_title_may_be_a_longer_one_with_its_last_words_left_off(a: str, b: str, cut: bool) -> None:
    assert cut_after_word(a, b) is cut
    if cut:  # scored as the start it can have been cut from, one point below an equal title
        assert title_similarity(a, b) == 100 - CUT


@pytest.mark.parametrize(("a", "b", "same"), [
    (Place(("bamberg",), "96047"), Place(("bamberg",), "96049"), True),  # one city, several zip codes
    (Place(("kammerstein",), "91126"), Place(("schwabach",), "91126"), None),  # small towns share a zip code
    (Place((), "91126"), Place(("schwabach",), "91126"), True),
    (Place(("bamberg",), ""), Place(("erlangen",), ""), False),
    (Place((), "96047"), Place((), "91052"), False),
    (Place(("bamberg",), ""), Place((), "96047"), None),
])
def test_places_compare_by_city_before_zip_code(a: Place, b: Place, same: bool | None) -> None:
    assert a.same_as(b) is same and b.same_as(a) is same


PLACES = [Place((), ""), Place(("bamberg",), "96047"), Place(("erlangen",), ""), Place((), "91052")]
SIDES = st.builds(side, st.sampled_from(PLACES), st.just("x"), st.sampled_from([None, "", "lager", "kueche"]),
                  st.sampled_from([None, "FULL_TIME", "PART_TIME"]))


@given(SIDES, SIDES)
def test_no_job_is_lifted_by_more_evidence_than_the_posting_can_give(posting, job):
    assert evidence(posting, job)[0] <= most_evidence(posting)


@given(SIDES)
def test_a_job_saying_what_the_posting_says_is_lifted_by_all_it_can_give(posting):
    assert evidence(posting, posting)[0] == most_evidence(posting)


@given(SIDES, SIDES)
def test_the_lift_alone_is_that_of_the_evidence(posting, job):
    assert lift(posting, job) == evidence(posting, job)[0]

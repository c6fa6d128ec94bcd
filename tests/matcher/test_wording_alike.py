import pytest

from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.matcher import JobIndex, Posting
from jobmatch.matcher import index as index_module


def job(id_, name):
    return kombo_job(id_, f"r-{id_}", name, city="Bamberg", zip_code="96047")


# The agency's names of occupations, as a customer's ATS may hold them
POOL = [job("reinigung", "Helfer/in - Reinigung"), job("kraftfahrer", "Berufskraftfahrer/in"),
        job("lagerist", "Fachlagerist/in"), job("logistik", "Fachkraft - Lagerlogistik"), job("koch", "Koch/Köchin")]


@pytest.fixture(scope="module")
def index():
    return JobIndex(POOL)


def test_a_title_alike_inside_its_words_is_suggested_with_the_words_alike(index):
    result = index.match(Posting("Lagerlogistiker"))
    assert result.decision == "needs_review"
    assert (result.best.job_id, result.best.method, result.best.reasons[0]) == (
        "logistik", "wording", "letters alike: lagerlogistiker ~ lagerlogistik")


# Alike, but less than the floor chosen to keep postings whose job is not in the pool a no_match
# (docs/matching.md): suggested only under a lower floor.
@pytest.mark.parametrize(("title", "expected", "reason"), [
    ("Reinigungskraft (m/w/d)", "reinigung", "letters alike: reinigungskraft ~ reinigung"),
    # the posting's occupation brings its German names: a "Lagerist" is a "Lagerarbeiter", also "Fachlagerist"
    ("Lagerist (m/w/d)", "lagerist", "letters alike: fachlagerist ~ fachlagerist (ESCO: Lagerarbeiter)"),
])
def test_titles_less_alike_than_the_floor_are_weak_suggestions_of_a_no_match(index, title, expected, reason,
                                                                             monkeypatch):
    result = index.match(Posting(title))
    assert result.decision == "no_match"
    assert (result.best.job_id, result.best.weak) == (expected, True)  # letters alike, or what employers' titles say
    assert all(c.weak for c in result.candidates)
    monkeypatch.setattr(index_module, "ALIKE_FLOOR", 0.5)
    result = index.match(Posting(title))
    assert result.decision == "needs_review"
    assert (result.best.job_id, result.best.method, result.best.reasons[0], result.best.weak) == (
        expected, "wording", reason, False)


def test_weak_suggestions_rank_after_every_plausible_candidate(index):
    result = index.match(Posting("Fachlagerlogistiker"), limit=10)
    weak = [c.weak for c in result.candidates]
    assert result.decision == "needs_review" and not weak[0]
    assert True in weak and weak == sorted(weak)  # plausible first, then the weak ones
    assert all(c.score < result.best.score for c in result.candidates if c.weak)


def test_a_title_sharing_no_pieces_gets_no_suggestion(index):
    result = index.match(Posting("Zahnarzt"))
    assert (result.decision, result.candidates) == ("no_match", [])


def test_letters_alike_are_not_looked_for_when_the_title_search_found_a_strong_title():
    pool = [*POOL, job("kraft", "Reinigungskraft")]
    result = JobIndex(pool).match(Posting("Reinigungskraft (m/w/d)"))
    assert result.best.job_id == "kraft" and result.best.method == "title"
    assert all(not reason.startswith("letters alike") for c in result.candidates for reason in c.reasons)


# Titles ESCO names wholly, as another occupation than the posting's: no candidate by parts or letters, though
# they share them (each was a candidate before: by the posting's occupation's other names, by parts, by letters).
@pytest.mark.parametrize(("title", "pool_title"), [
    ("Grossist", "Großhändler für Getränke/Großhändlerin für Getränke"),  # a Großhändler, of no particular goods
    ("buffer", "Polier Metallarbeiten/Polierin Metallarbeiten"),
    ("IT-Systemprüfer", "IT-Prüfer/IT-Prüferin"),
    ("Weber", "Textilgestalter im Handwerk - Stricken/Textilgestalterin im Handwerk - Stricken"),
])
def test_a_title_esco_tells_apart_from_the_postings_is_no_candidate(title, pool_title):
    result = JobIndex([job("other", pool_title)]).match(Posting(title))
    assert (result.decision, result.candidates) == ("no_match", [])  # not even a weak suggestion


def test_a_title_esco_names_as_the_postings_occupation_is_still_found():
    result = JobIndex([job("stapler", "Gabelstaplerfahrer (m/w/d)")]).match(Posting("Staplerfahrer"))
    assert result.best.job_id == "stapler"


def test_letters_alike_are_not_looked_for_when_an_identifier_pinned_a_job():
    pool = [*POOL, kombo_job("praxis", "r-praxis", "Medizinische Fachangestellte (m/w/d)", job_code="MFA-1")]
    # the code's job comes first though the cut title shares no word with it and letters with another
    result = JobIndex(pool).match(Posting("Landarztpraxis sucht Reinigungskraft", job_code="MFA-1"))
    assert result.best.job_id == "praxis"
    assert all(not reason.startswith("letters alike") for c in result.candidates for reason in c.reasons)

import pytest

from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.fixtures.labelled import labelled_set
from jobmatch.matcher import JobIndex, Posting
from jobmatch.matcher.keys import (
    concerned_titles,
    job_keys,
    pool_cities,
    posting_keys,
    readings_of,
    stored_words,
    title_readings,
)
from jobmatch.matcher.places import CityNames


def posting(title: str, city: str | None = None, **identifiers: str) -> dict:
    return {"title": title, "location": {"city": city} if city else None, **identifiers}


def shares(job: dict, fields: dict) -> bool:
    keys = job_keys(job)
    return not (keys.identifiers | keys.titles).isdisjoint(posting_keys(fields)[1])


@pytest.mark.parametrize(("job_title", "posting_title"), [
    ("Koch (m/w/d)", "Koch"),
    ("Koch", "Kohc"),  # a swap in a short word
    ("Bäcker (m/w/d)", "Bäkcer"),  # a swap where the first and last five letters overlap
    ("Bäcker", "Bäcer"),
    ("Lagermitarbeiter", "Lager Mitarbeiter"),  # a compound written apart
    ("Produktionsmitarbeiter", "Produktionsmitarbieter"),
    ("Erzieherin (m/w/d) Vollzeit", "Erzieher"),
])
def test_a_job_shares_a_key_with_a_posting_whose_title_may_be_it(job_title, posting_title) -> None:
    assert shares(kombo_job("j", "1", job_title), posting(posting_title))


@pytest.mark.parametrize(("job_title", "posting_title"), [
    ("Gabelstaplerfahrer", "Staplerfahrer"),  # compound parts (wording)
    ("Fachkraft - Lagerlogistik", "Lagerlogistiker"),  # letters alike (wording)
    ("Industriemechaniker Instandhaltung", "Industriemechaniker Instandh"),  # cut by a board
    ("Berufskraftfahrer Lebensmitteltransport", "Berufskraftfahrer für das Gebiet ..."),  # cut with an ellipsis
    ("Lagermitarbeiter", "Lagremitarbeietr"),  # two swaps in a long word
    # read without the employer, which no title of the pool names (a reading of some of the title's parts)
    ("Werkstatthelfer in KFZ Betrieb Reifenwechsel - Pflegearbeit - u.s.w.  auch Teilzeit möglich",
     "Klarmann-Lembach Baumaschinen und Industriemaschinen Inh. Willibald Klarmann: WERKSTATTHELFER IN KFZ BETRIEB "
     "REIFENWECHSEL - PFLEGEARBEIT - U.S.W."),
])
def test_a_job_the_matcher_finds_for_a_title_worded_otherwise_or_cut_concerns_it(job_title, posting_title) -> None:
    job = kombo_job("j", "1", job_title)
    assert "j" in {c.job_id for c in JobIndex([job, kombo_job("k", "2", "Koch")]).match(Posting(posting_title)).candidates}
    keys, (words, stored) = job_keys(job), posting_keys(posting(posting_title))
    assert not keys.titles.isdisjoint(stored)
    assert set(concerned_titles(keys.words, keys.city, [(words, stored & keys.titles)], CityNames())) == {0}


def test_titles_of_one_occupation_share_a_key_without_a_letter_alike() -> None:
    keys, (_, stored) = job_keys(kombo_job("j", "1", "Lagerarbeiter (m/w/d)")), posting_keys(posting("Kommissionierer"))
    assert any(key.startswith("occ:") for key in keys.titles & stored)


@pytest.mark.parametrize(("job_title", "posting_title"), [
    ("Koch (m/w/d)", "Berufskraftfahrer CE"),
    ("Elektroniker", "Steuerfachangestellter"),
])
def test_unrelated_titles_share_no_key(job_title, posting_title) -> None:
    assert not shares(kombo_job("j", "1", job_title), posting(posting_title))


def test_identifiers_are_keyed_as_the_matcher_compares_them() -> None:
    job = kombo_job("j", "4711", "Lagerist", job_code="REQ-01007", post_url="https://jobs.acme.de/stellen/1")
    assert shares(job, posting("Fahrer", job_code=" req\u201301007 "))
    assert shares(job, posting("Fahrer - Ref: REQ-01007"))
    assert shares(job, posting("Fahrer", remote_id=" 4711 "))
    assert shares(job, posting("Fahrer", post_url="http://www.jobs.acme.de/stellen/1/?utm_source=x"))
    assert not shares(job, posting("Fahrer", job_code="REQ-01008"))


def test_a_posting_keys_its_candidates_and_not_its_own_city_nor_noise() -> None:
    words, keys = posting_keys(posting("Koch (m/w/d) in Vollzeit Berlin", "Berlin"), ["job-1"])
    assert words == (("koch",),)
    assert "job:job-1" in keys and "berlin" not in keys
    assert posting_keys(posting("Koch Berlin"))[0] == (("koch", "berlin"),)  # another city stays: pools differ


def test_a_job_keys_its_city_and_its_title_without_it() -> None:
    keys = job_keys(kombo_job("j", "1", "Koch Sonneberg", city="Sonneberg"))
    assert keys.words == ("koch",)
    assert "sonneberg" in keys.titles
    hidden = job_keys(kombo_job("j", "1", "Koch", job_code="K-1"), in_pool=False)
    assert (hidden.candidate, hidden.identifiers, hidden.titles) == ("job:j", frozenset(), frozenset())


def test_concerned_titles_are_the_similar_ones_those_naming_the_city_and_those_alike_without_cities() -> None:
    cities = CityNames()
    for city in (("hollfeld",), ("bamberg",)):
        cities.add(city)
    titles = [("koch",), ("kohc",), ("koch", "sonneberg"), ("koch", "hollfeld"), ("beikoch", "kantine"),
              ("mitarbeiter", "kueche")]
    postings = [((words,), ()) for words in titles]
    assert set(concerned_titles(("koch",), ("sonneberg",), postings, cities)) == {0, 1, 2, 3}


def test_every_candidate_the_matcher_finds_shares_a_key_and_is_concerned() -> None:
    """Independent of the keys: the real matcher's candidates on the labelled set (identifier and title cases,
    typos, cities in titles, titles worded otherwise, titles cut by a board). Every pair must be found; weak
    suggestions, which decide nothing, are refreshed whenever their posting is matched again."""
    labelled = labelled_set(seed=5, per_category=40)
    jobs = {job["id"]: job for job in labelled.jobs}
    index = JobIndex(labelled.jobs)
    cities = pool_cities((job["location"]["city"], job["location"]["raw"]) for job in labelled.jobs)
    pairs = missed = 0
    for case in labelled.cases:
        words, keys = posting_keys(case.posting)
        for candidate in index.match(Posting.from_dict(case.posting)).candidates:
            if candidate.weak:
                continue
            pairs += 1
            job = job_keys(jobs[candidate.job_id])
            by_title = not job.titles.isdisjoint(keys) and concerned_titles(job.words, job.city,
                                                                           [(words, keys & job.titles)], cities)
            missed += not (by_title or not job.identifiers.isdisjoint(keys))
    assert pairs > 800
    assert missed == 0


def test_a_title_of_several_parts_is_read_by_each_choice_of_them_and_stored_so() -> None:
    readings, keys = posting_keys(posting("Kaygisuz Personal: Koch (m/w/d) - Teilzeit"))
    assert readings == (("kaygisuz", "personal", "koch"), ("kaygisuz", "personal"), ("koch",))  # work time names none
    assert readings_of(stored_words(readings)) == readings
    assert readings_of("koch kueche") == (("koch", "kueche"),)  # words stored before readings were
    assert title_readings("Koch (m/w/d) in Vollzeit") == []
    assert len(title_readings(" - ".join(["Koch", "Lager", "Fahrer", "Maler", "Bäcker"]))) == 0  # read whole
    assert len(title_readings(" - ".join(["Koch", "Lager", "Fahrer", "Maler"]))) == 14

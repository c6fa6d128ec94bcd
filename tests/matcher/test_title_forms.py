"""Title forms: a title normalized without any pool's cities, which a pool's build reads instead of normalizing
the title again, reads as normalizing it with the pool's cities would."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobmatch.fixtures.adverts import load_adverts
from jobmatch.fixtures.kombo_jobs import generate_jobs
from jobmatch.matcher import JobIndex
from jobmatch.matcher.jobs import JOB_FIELDS
from jobmatch.matcher.places import CityNames, Place
from jobmatch.matcher.titles import FORM_VERSION, TitleForms, from_form, normalize_title, title_form
from tests.matcher.test_titles import cities

ADVERTS = load_adverts()


@pytest.mark.parametrize(("title", "pool", "read"), [
    ("Koch (m/w/d)", ["Bamberg"], True),
    ("Koch (m/w/d) in Bamberg", ["Bamberg"], False),  # the pool's city leaves the title
    ("Koch (m/w/d) in Bamberg", ["Erlangen"], True),  # another pool's city stays in it
    ("Hotel Nürnberg: Koch (m/w/d)", ["Nürnberg, Mittelfranken"], False),  # a place before the colon: the hotel's
    ("Lagerist Neustadt an der Aisch", ["Neustadt an der Aisch"], False),  # a city of several words
    ("Lagerist Neustadt an der Aisch", ["Neustadt bei Coburg"], False),  # its first word starts a city: read again
    ("Stein- und Fliesenleger (m/w/d)", ["Stein"], True),  # the compound's part is no city
    ("Verkäufer (m/w/d) Teilzeit", ["Fürth"], True),  # its work time
    ("Industriemechaniker (m/w/d) Instandhaltu...", ["Fürth"], True),  # cut short
    ("Parkettleger (m|w|d) - Forchheim, Oberfranken", ["Forchheim"], False),
    ("Pflegefachkraft Schwerin", ["Schwerin"], True),  # read as a feminine word ("schwer") with its cities too
])
def test_a_title_is_read_from_its_form_unless_a_word_it_asked_of_cities_starts_one_of_the_pool(
    title: str, pool: list[str], read: bool
) -> None:
    known = cities(*pool)
    assert (from_form(title_form(title), known) is not None) is read
    forms = TitleForms()
    assert forms.title(title, known) == normalize_title(title, known)
    assert title in forms.made


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(ADVERTS), st.lists(st.sampled_from(ADVERTS), max_size=30))
def test_a_title_read_through_its_form_is_the_title_normalized_with_the_pools_cities(advert, others) -> None:
    known = CityNames()
    for place in [advert, *others]:  # the advert's own city among them, as in its employer's pool
        known.add(Place.of(place.city, place.zip_code).city)
    stored = TitleForms({advert.title: title_form(advert.title)})
    assert stored.title(advert.title, known) == normalize_title(advert.title, known)
    assert not stored.made


@pytest.mark.parametrize("form", ["", "not json", "[]", '["koch"]', "[1, [], false, []]", '["koch", 3, false, []]',
                                  '{"text": "koch"}'])
def test_a_form_that_cannot_be_read_is_normalized_again(form: str) -> None:
    assert from_form(form, CityNames()) is None
    assert TitleForms({"Koch (m/w/d)": form}).title("Koch (m/w/d)", CityNames()) == normalize_title(
        "Koch (m/w/d)", CityNames())


def test_a_job_without_a_title_has_no_form_to_keep() -> None:
    forms = TitleForms()
    assert forms.title("", CityNames()) == normalize_title("", CityNames())
    assert not forms.made


# The digest of the forms of real adverts' titles and generated ones. When normalize_title's output changes, so do
# the forms stored at FORM_VERSION: raise FORM_VERSION (titles.py), so that no build reads them, and write here the
# digest of the new version.
FORMS_DIGEST = {1: "f75c6b3f4597ea", 2: "bad0044037a917", 3: "0f5ed4b1a12ec6"}


def test_the_forms_of_this_version_are_those_stored_at_it() -> None:
    titles = sorted({advert.title for advert in ADVERTS} | {job["name"] for job in generate_jobs(2_000, seed=1)})
    digest = hashlib.sha256("\n".join(map(title_form, titles)).encode()).hexdigest()[:14]
    assert FORMS_DIGEST.get(FORM_VERSION) == digest, (
        f"normalize_title's forms changed: raise FORM_VERSION and record {digest!r} for it")


def _rows(jobs: list[dict]) -> list[tuple]:
    def field(job: dict, name: str):
        if name in ("city", "zip_code", "raw"):
            return (job.get("location") or {}).get(name)
        return {"gone": None, "job_postings": None}.get(name, job.get(name))
    return [tuple(field(job, name) for name in JOB_FIELDS) for job in jobs]


def test_an_index_built_from_forms_holds_the_titles_of_one_built_without() -> None:
    jobs = generate_jobs(3_000, seed=5)
    jobs += [job | {"id": f"{job['id']}-a", "name": f"{job['name']} {(job.get('location') or {}).get('city')}"}
             for job in jobs[:500]]  # titles that name their city, read again
    rows = _rows(jobs)
    made = TitleForms()
    first = JobIndex.of_rows(rows, forms=made)
    assert len(made.made) == len({job["name"] for job in jobs if job["name"]})
    stored = TitleForms(made.made)
    again = JobIndex.of_rows(rows, forms=stored)
    plain = JobIndex.of_rows(rows)
    assert first._titles == again._titles == plain._titles
    assert not stored.made

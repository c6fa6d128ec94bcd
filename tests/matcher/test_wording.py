import subprocess
import sys
from pathlib import Path

import pytest

from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.matcher import Alias, JobIndex, Location, Posting, title_key
from jobmatch.matcher.occupations import TABLE, label_weights, occupations, same_occupation
from jobmatch.matcher.scoring import WORDING_FLOOR
from jobmatch.matcher.wording import split_compound

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("word", "parts"), [
    ("gabelstaplerfahrer", ("gabelstapler", "fahrer")), ("staplerfahrer", ("stapler", "fahrer")),
    ("lagermitarbeiter", ("lager", "mitarbeiter")), ("produktionsmitarbeiter", ("produktions", "mitarbeiter")),
    ("einzelhandelskaufmann", ("einzelhandels", "kaufmann")),
    # what is no compound stays whole
    ("kommissionierer", ("kommissionierer",)), ("verkaeufer", ("verkaeufer",)), ("koch", ("koch",)),
])
def test_compounds_are_split_into_known_words(word, parts):
    assert split_compound(word) == parts


@pytest.mark.parametrize(("label", "name"), [
    ("kommissionierer", "Warenkommissionierer"), ("warehouse worker", "Lagerarbeiter"),
    ("software developer", "Softwareentwickler"), ("cook", "Koch"),
])
def test_the_occupation_table_knows_other_names_and_english(label, name):
    table = occupations()
    assert name in {table.names[number] for number, _ in table.weights[label]}


@pytest.mark.parametrize(("carriers", "preferred", "weights"), [
    ((1,), (), {1: 1.0}), ((1, 2), (), {1: 0.5, 2: 0.5}), ((1, 2), (1, 2), {1: 0.5, 2: 0.5}),
    ((1, 2), (1,), {1: 0.6, 2: 0.4}),  # the preferred name of 1, another name of 2
    ((1, 2, 3), (2,), {1: 2 / 7, 2: 3 / 7, 3: 2 / 7}),
])
def test_a_label_weighs_most_for_the_occupation_whose_preferred_name_it_is(carriers, preferred, weights):
    assert dict(label_weights(carriers, preferred)) == pytest.approx(weights)


@pytest.mark.parametrize(("posting", "job", "low", "high"), [
    # "Perückenmacher" is the Perückenmacher's name and another name of the Friseur and the Haarstylist
    ("friseuse", "perueckenmacher", 0.4, WORDING_FLOOR),  # a weak suggestion at most
    ("fachlagerist", "lagerarbeiter", WORDING_FLOOR, 0.8),  # another name of the Lagerarbeiter, against its own
    ("lagerarbeiter", "lagerarbeiter", 1.0, 1.0),
])
def test_how_surely_two_titles_name_one_occupation(posting, job, low, high):
    table = occupations()
    strength = same_occupation(table.of(tuple(posting.split())), table.of(tuple(job.split())))
    assert low <= strength <= high


def job(id_, name, city="Bamberg"):
    return kombo_job(id_, f"r-{id_}", name, city=city, zip_code="96047", job_code=f"C-{id_}")


POOL = [job("lager", "Lagermitarbeiter (m/w/d)"), job("stapler", "Gabelstaplerfahrer (m/w/d)"),
        job("kfm", "Kaufmännische Angestellte (m/w/d)"), job("dev", "Softwareentwickler (m/w/d)"),
        job("koch", "Koch (m/w/d)"), job("pfleger", "Pflegefachkraft (m/w/d)"),
        job("lager-hof", "Lagermitarbeiter (m/w/d)", city="Hof")]


@pytest.fixture(scope="module")
def index():
    return JobIndex(POOL)


@pytest.mark.parametrize(("title", "expected", "reason"), [
    ("Staplerfahrer", "stapler", "same occupation: Gabelstaplerfahrer (ESCO)"),
    ("Fahrer Gabelstapler", "stapler", "compound: gabelstapler + fahrer"),
    ("Kommissionierer", "lager", "same occupation: Warenkommissionierer (ESCO)"),
    ("Mitarbeiter im Lager", "lager", None),  # found by letters too: the words sorted are alike
    ("Kaufmännischer Angestellter", "kfm", None),  # inflected otherwise: found by letters or by parts
    ("Software Developer (m/f/d)", "dev", "same occupation: Softwareentwickler (ESCO)"),
    ("Cook", "koch", "same occupation: Koch (ESCO)"),
])
def test_a_title_worded_otherwise_finds_its_job_and_says_why(index, title, expected, reason):
    result = index.match(Posting(title, location=Location(city="Bamberg")))
    assert result.decision == "needs_review" and result.best.job_id == expected
    if reason:
        assert result.best.method == "wording" and result.best.reasons[0] == reason
        assert "same place: Bamberg" in result.best.reasons  # places still decide between jobs of one title


def test_a_differently_worded_title_never_links_even_with_its_code_elsewhere(index):
    result = index.match(Posting("Staplerfahrer", job_code="C-koch"))
    assert result.decision == "needs_review"  # the code's job is another occupation than the title's


@pytest.mark.parametrize("title", ["Zahnarzt", "Steuerberater", "Dachdecker", "Küchenleiter"])
def test_an_unrelated_title_finds_nothing(index, title):
    assert index.match(Posting(title)).decision == "no_match"


def test_a_reviewers_link_puts_the_job_first_for_later_postings_of_that_title(index):
    posting = Posting("Kommissionierer Nachtschicht")
    assert "lager-hof" not in {c.job_id for c in index.match(posting).candidates[:1]}
    result = index.match(posting, aliases=[Alias("lager-hof", 17, linked=True)])
    assert result.decision == "needs_review"
    assert (result.best.job_id, result.best.method) == ("lager-hof", "alias")
    assert result.best.reasons[0] == "linked by a reviewer for posting #17"


def test_a_reviewers_link_does_not_put_a_job_of_another_place_first(index):
    posting = Posting("Lagermitarbeiter", location=Location(city="Bamberg"))
    result = index.match(posting, aliases=[Alias("lager-hof", 17, linked=True)])
    assert [c.job_id for c in result.candidates[:2]] == ["lager", "lager-hof"]
    assert "linked by a reviewer for posting #17" in result.candidates[1].reasons


def test_a_reviewers_rejection_puts_the_job_last(index):
    posting = Posting("Lagermitarbeiter", location=Location(city="Bamberg"))
    assert index.match(posting).best.job_id == "lager"
    result = index.match(posting, aliases=[Alias("lager", 4, linked=False)])
    assert result.best.job_id == "lager-hof"
    assert result.candidates[-1].job_id == "lager"
    assert "rejected by a reviewer for posting #4" in result.candidates[-1].reasons


def test_a_rejection_holds_an_identifier_that_would_link(index):
    posting = Posting("Lagermitarbeiter", job_code="C-lager")
    assert index.match(posting).decision == "auto_linked"
    result = index.match(posting, aliases=[Alias("lager", 4, linked=False)])
    assert result.decision == "needs_review"


def test_aliases_of_jobs_not_in_the_pool_or_excluded_are_ignored(index):
    posting = Posting("Lagermitarbeiter", location=Location(city="Bamberg"))
    result = index.match(posting, exclude={"lager-hof"}, aliases=[Alias("gone", 1, True), Alias("lager-hof", 2, True)])
    assert result.best.job_id == "lager" and "lager-hof" not in {c.job_id for c in result.candidates}


@pytest.mark.parametrize(("a", "b", "same"), [
    (Posting("Kommissionierer (m/w/d)"), Posting("Kommissionierer/in Vollzeit"), True),
    (Posting("Kommissionierer in Bamberg", location=Location(city="Bamberg")), Posting("Kommissionierer"), True),
    (Posting("Kommissionierer"), Posting("Lagerhelfer"), False),
])
def test_the_title_key_is_the_normalized_title_without_the_postings_city(a, b, same):
    assert (title_key(a) == title_key(b)) == same


def test_the_shipped_occupation_table_is_what_the_script_builds(tmp_path, esco_data):
    out = tmp_path / "occupations.json.gz"
    subprocess.run([sys.executable, str(ROOT / "scripts/build_occupations.py"), "--source", str(esco_data),
                    "--out", str(out)], check=True,
                   capture_output=True)
    assert out.read_bytes() == TABLE.read_bytes()

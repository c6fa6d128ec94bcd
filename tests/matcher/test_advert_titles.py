"""What employers' titles say of the occupations they were filed under (advert_titles.py): weak suggestions for
titles that share neither letters nor an ESCO label with the job's."""

import subprocess
import sys
from pathlib import Path

import pytest

from jobmatch.fixtures.adverts import load_adverts
from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.matcher import JobIndex, Posting
from jobmatch.matcher import advert_titles
from jobmatch.matcher.advert_titles import TABLE, PoolTitles, alike, as_surely, build_table, from_bytes, table_bytes
from jobmatch.matcher.places import CityNames
from jobmatch.matcher.titles import normalize_title
from jobmatch.matcher.wording import ADVERTS_FLOOR, WordingSearch, parts

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["Helfer/in - Metallbearbeitung", "Lager- und Transportarbeiter/in", "Berufskraftfahrer/in",
         "Kaufmann/-frau - Büromanagement", "Steuerfachangestellte/r", "Koch/Köchin", "Verkäufer/in"]


@pytest.fixture(scope="module")
def index():
    return JobIndex([kombo_job(f"job-{n}", f"job-{n}", name) for n, name in enumerate(NAMES)])


@pytest.mark.parametrize(("title", "expected"), [
    ("LKW-Fahrer CE (m/w/d)", "Berufskraftfahrer/in"),
    ("Bürokraft", "Kaufmann/-frau - Büromanagement"),
    ("Steuerfachgehilfe", "Steuerfachangestellte/r"),
    ("Produktionshelfer (m/w/d)", "Helfer/in - Metallbearbeitung"),
    ("Lagermitarbeiter Versand", "Lager- und Transportarbeiter/in"),
])
def test_a_title_employers_file_under_an_occupation_suggests_its_job_weakly(index, title, expected):
    result = index.match(Posting(title))
    assert result.decision == "no_match"  # a suggestion for a reviewer, never a match by itself
    best = result.candidates[0]
    assert NAMES[int(best.job_id.split("-")[1])] == expected and best.weak
    assert best.reasons[0] == f"employers' titles: {expected} (Bundesagentur adverts)"


def test_a_plausible_offer_of_a_title_is_not_made_weak_by_a_stronger_weak_one():
    search = WordingSearch()
    search.add("berufskraftfahrer", ("berufskraftfahrer",))
    words = ("berufskraftfahrer", "ce")
    advertised = search._alike_search().advertised(" ".join(words), words, parts(words)[1])
    alike = search.similar(" ".join(words), words, (0.4, 0.7), 10, (0.2, 0.7))
    assert advertised[0][1] > alike[0][1]  # employers' titles say it more strongly, but only as a weak suggestion
    assert alike[0][0] == "berufskraftfahrer" and not alike[0][3] and alike[0][2].startswith("letters alike")


def test_what_a_title_says_follows_the_adverts_filed_under_each_occupation():
    table = build_table([("Fahrer", "Kraftfahrer/in"), ("Fahrer", "Kraftfahrer/in"), ("Fahrer", "Kurier/in"),
                         ("Kurierfahrer", "Kurier/in")], lambda title: {title.casefold()}, str.casefold)
    assert table["names"] == ["Kraftfahrer/in", "Kurier/in"]
    assert table["features"]["fahrer"] == [[0, 0.6667], [1, 0.3333]]  # the names count once each
    titles = from_bytes(table_bytes(table))
    assert titles.said("kurier/in", set()) == {1: 1.0}  # a name says its occupation alone
    said = titles.said("fahrer", {"fahrer"})
    assert said[0] > said[1] and abs(sum(w * w for w in said.values()) - 1) < 1e-9
    assert titles.said("koch", {"koch"}) == {}
    spread = as_surely(said, 0.1)
    assert 0.1 <= alike(said, spread) < alike(said, said) == pytest.approx(1.0)  # a guess counts less than a name
    assert as_surely(said, 0.9) == {}  # a guess never as strong as the floor is not kept


def test_the_shipped_advert_table_is_what_the_script_builds(tmp_path):
    out = tmp_path / "advert_titles.json.gz"
    subprocess.run([sys.executable, str(ROOT / "scripts/build_advert_titles.py"), "--out", str(out)], check=True,
                   capture_output=True)
    assert out.read_bytes() == TABLE.read_bytes()


def test_a_stronger_weak_suggestion_never_pushes_a_plausible_title_out():
    search = WordingSearch()
    for text in ("erzieher", "erzieher unseren kinderhort"):
        search.add(text, tuple(text.split()))
    words = ("evang", "luth", "kindergarten", "erzieher", "unseren", "kinderhort")
    both = search.similar(" ".join(words), words, (0.4, 0.7), 5, (0.2, 0.7))
    assert [(found, weak) for found, _, _, weak in both] == [("erzieher unseren kinderhort", False), ("erzieher", True)]
    assert both[1][1] > both[0][1]  # the weak one is stronger, and still comes after
    assert search.similar(" ".join(words), words, (0.4, 0.7), 1, (0.2, 0.7))[0][0] == "erzieher unseren kinderhort"


def test_a_pool_title_esco_names_wholly_says_the_agency_names_of_its_occupation(monkeypatch):
    """"Lagerarbeiter" is no agency name, but ESCO's occupations of that label carry "Fachkraft - Lagerlogistik",
    "Fachlagerist/in" and "Kommissionierer/in"; guessed from its word alone it would reach no posting."""
    words = ("fachlagerist", "versand")

    def advertised() -> list:
        search = WordingSearch()
        search.add("lagerarbeiter", ("lagerarbeiter",))
        return search._alike_search().advertised(" ".join(words), words, parts(words)[1])

    assert [found for found, _, _ in advertised()] == ["lagerarbeiter"]
    monkeypatch.setattr(advert_titles, "named_by_esco", lambda *args: {})
    assert advertised() == []


def test_a_pool_finds_every_title_alike_at_the_floor_though_each_is_under_its_strongest_occupations_only():
    table = advert_titles.advert_titles()
    said = {}
    for advert in load_adverts()[:1200]:
        title = normalize_title(advert.title, CityNames())
        said[title.text] = table.said(title.text, advert_titles.features(title.words, parts(title.words)[1]))
    texts = sorted(said)
    pool = PoolTitles(ADVERTS_FLOOR)
    for text in texts[::2]:
        pool.add(text, as_surely(said[text], ADVERTS_FLOOR))
    assert sum(map(len, pool._titles.values())) < sum(len(as_surely(said[text], ADVERTS_FLOOR)) for text in texts[::2]) / 3
    for text in texts[1::2]:
        posting = said[text]
        every = {title: alike(posting, theirs) for title in texts[::2]
                 if (theirs := as_surely(said[title], ADVERTS_FLOOR)) and alike(posting, theirs) >= ADVERTS_FLOOR}
        assert {title: strength for title, (strength, _) in pool.alike(posting).items()} == every
    for text in texts[::2]:
        pool.discard(text)
    assert not pool._titles and not pool._said


@pytest.mark.parametrize(("said", "numbers"), [
    ({1: 1.0}, [1]), ({1: 0.9, 2: 0.3, 3: 0.29}, [1, 2]),  # 0.29 alone is below the floor
    ({1: 0.9, 2: 0.3, 3: 0.3}, [1, 2, 3]),  # 0.3 alone may reach it
    ({1: 0.95, 2: 0.2, 3: 0.2}, [1]), ({2: 0.6, 1: 0.6, 3: 0.5}, [1, 2, 3]), ({}, []),
])
def test_a_title_is_found_under_its_strongest_occupations_until_those_left_cannot_reach_the_floor(said, numbers):
    assert advert_titles.indexed(said, 0.3) == numbers

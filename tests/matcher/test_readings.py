import pytest

from jobmatch.fixtures.kombo_jobs import kombo_job
from jobmatch.matcher import JobIndex, Posting
from jobmatch.matcher.index import PART_READING
from jobmatch.matcher.places import CityNames, city_key
from jobmatch.matcher.readings import part_words, without_foreign_parts, without_misspelt_cities
from jobmatch.matcher.titles import normalize_title

POOL = [kombo_job(f"j-{n}", f"r-{n}", name, city=city, zip_code="") for n, (name, city) in enumerate([
    ("Bürokraft (m/w/d)", "Glashütten"), ("Bürokraft (m/w/d)", "Bamberg"), ("Koch (m/w/d)", "Erlangen"),
    ("Koch (m/w/d)", "Bamberg"), ("Maler (m/w/d)", "Hof"), ("Maler Bambergerin Stil", "Hof"),
    ("Bürokraft Vertrieb", "Coburg"), ("Verkäufer (m/w/d)", "Vertriebstadt"),
])]


@pytest.fixture(scope="module")
def index():
    return JobIndex(POOL)


@pytest.mark.parametrize(("title", "expected"), [
    # a word the pool's titles do not know that is a pool city misspelt names the place, and serves as it
    ("Bürokraft in Vollzeit in Glashtüten (w/m/d)", "j-0"),  # a swap of neighbouring letters
    ("Koch Erlnagen", "j-2"), ("Koch in Bambreg", "j-3"),
    ("Koch Erlagnen (m/w/d)", "j-2"),
])
def test_a_pool_city_misspelt_in_the_title_is_the_place(index, title, expected):
    result = index.match(Posting(title))
    assert result.decision == "needs_review" and result.best.job_id == expected
    assert any(reason.startswith("same place") for reason in result.best.reasons)
    assert result.best.reasons[0] == "title 100% similar"


def _cities(*names: str) -> CityNames:
    known = CityNames()
    for name in names:
        known.add(city_key(name))
    return known


@pytest.mark.parametrize(("title", "expected", "found"), [
    ("buerokraft glashtueten", "buerokraft", {("glashuetten",)}),
    ("koch erlnagen", "koch", {("erlangen",)}), ("koch bambreg mitte", "koch mitte", {("bamberg",)}),
    # what stays
    ("maler laufer", "maler laufer", set()),  # a word the pool's titles have is theirs (Laufen is a city)
    ("maler bamberger", "maler bamberger", set()),  # two letters more than a city of seven: another word
    ("glashtueten buerokraft", "glashtueten buerokraft", set()),  # the first word names the job
    ("maler hoff", "maler hoff", set()),  # a city of fewer than five letters is never read misspelt
])
def test_a_word_is_a_misspelt_city_only_where_the_pool_knows_no_such_word(title, expected, found):
    cities = _cities("Glashütten", "Erlangen", "Bamberg", "Laufen", "Hof")
    read = without_misspelt_cities(normalize_title(title, CityNames()), cities, {"laufer", "maler"}.__contains__)
    assert (read.text, set(read.cities)) == (expected, found)


def test_a_copy_of_the_city_names_shares_what_is_found_until_either_changes():
    names = CityNames()
    names.add_all([("glashuetten",), ("bamberg",)])
    assert names.misspelt("glashtueten") == ("glashuetten",)
    other = names.copy()
    assert other._misspelt == names._misspelt  # a re-match's copy does not look the words up again
    assert other.misspelt("bambrg") == ("bamberg",) and names._misspelt["bambrg"] == ("bamberg",)  # nor the next
    other.add(("coburg",))  # a change to the copy is the copy's alone
    assert other.misspelt("cobrug") == ("coburg",) and names.misspelt("cobrug") is None
    assert names.starting_with("coburg") == set()
    assert names._misspelt["cobrug"] is None  # the copy found it in names the pool does not have


BOARD_POOL = [kombo_job(f"b-{n}", f"rb-{n}", name, city="Erlangen", zip_code="") for n, name in enumerate([
    "Industrielackierer (m/w/d)", "Lackierer Industrie (m/w/d)", "Bestattungsberater/in (w/m/d)",
    "Hausmeister (m/w/d) gesucht", "Hotel Rezeption (m/w/d)", "Assistent - Produktionsleitung (m/w/d)",
    "Produktionsleitung (m/w/d)", "Polsterer (m/w/d) Vollzeit", "Sachbearbeiter Schwerpunkt Einkauf (m/w/d)",
    "Assistenz (m/w/d)", "Florist/in (m/w/d) bei Gärtnerei Großkopf", "Florist/in (m/w/d)",
])]


@pytest.fixture(scope="module")
def board_index():
    return JobIndex(BOARD_POOL)


@pytest.mark.parametrize(("title", "expected"), [
    # the employer a board writes before a colon or after "bei", in words no title of the pool has
    ("GOLDMANN Personaldienste Inci Kaygisuz: INDUSTRIELACKIERER (M/W/D)", "b-0"),
    ("BESTATTUNGSBERATER/IN M/W/D bei Kaygisuz Personalamt", "b-2"),
    ("Bestattungsberater/in (m/w/d) | Randstad Holger", "b-2"),
    # before a colon, also when the pool knows less of it than of what follows ("hotel" it knows)
    ("Hotel Frankenwald Heiner Bär: Hausmeister (m/w/d) gesucht", "b-3"),
])
def test_a_part_naming_nothing_the_pool_names_is_the_employer(board_index, title, expected):
    result = board_index.match(Posting(title))
    assert result.decision == "needs_review" and result.best.job_id == expected
    assert result.best.method == "title" and result.best.reasons[0] == "title 100% similar"


@pytest.mark.parametrize(("title", "expected"), [
    ("Asisstnet - Produktionsleitung (m/w/d)", "b-5"),  # a typo leaves a word the pool's (near one of them)
    ("Polsetrer (m/w/d) - Teilzeit", "b-7"),  # a part naming work time alone names no job, nor an employer
    ("Florist/in bei Gärtnerei Großkopf (m|w|d)", "b-10"),  # an employer the pool's titles name stays
])
def test_a_part_the_pool_knows_stays(board_index, title, expected):
    result = board_index.match(Posting(title))
    assert result.decision == "needs_review" and result.best.job_id == expected


KNOWN = {"koch", "sachbearbeiter", "schwerpunkt", "assistenz", "hotel", "lackierer", "teilzeit"}


@pytest.mark.parametrize(("title", "expected"), [
    ("Kaygisuz Holger: Koch (m/w/d)", "Koch (m/w/d)"),
    ("Koch (m/w/d) bei Kaygisuz Holger", "Koch (m/w/d)"),
    ("Koch (m/w/d) BEI Kaygisuz Holger", "Koch (m/w/d)"),
    ("Koch (m/w/d) | Kaygisuz Holger - Teilzeit", "Koch (m/w/d) - Teilzeit"),  # work time stays, as a part of no job
    # the parts kept are joined as they were written, so that normalizing still reads them as parts
    ("Hotel GmbH - Holger Lorenz: Koch (m/w/d)", "Hotel GmbH : Koch (m/w/d)"),  # its legal form then drops it
    ("Koch (m/w/d) - Holger Lorenz bei Kaygisuz Hotel", "Koch (m/w/d) bei Kaygisuz Hotel"),
    ("Hotel Kaygisuz Holger: Koch (m/w/d)", "Koch (m/w/d)"),  # a third known before the colon, all of it after
    # what stays
    ("Sachbearbeiter Schwerpunkt: Assistenz (m/w/d)", "Sachbearbeiter Schwerpunkt: Assistenz (m/w/d)"),
    ("Kaygisuz: Holger (m/w/d)", "Kaygisuz: Holger (m/w/d)"),  # nothing known remains: nothing is dropped
    ("Koch Hotel - Kaygisuz Lackierer", "Koch Hotel - Kaygisuz Lackierer"),  # half known is not foreign
    ("Koch (m/w/d) - Teilzeit", "Koch (m/w/d) - Teilzeit"),
    ("Koch Kaygisuz: Holger Hotel", "Koch Kaygisuz: Holger Hotel"),  # as known before the colon as after it
])
def test_parts_are_foreign_when_the_pool_knows_less_than_half_of_their_words(title, expected):
    assert without_foreign_parts(title, lambda part: part_words(part, CityNames()), KNOWN.__contains__) == expected


PART_POOL = [kombo_job(f"p-{n}", f"rp-{n}", name, city="Haßfurt", zip_code="") for n, name in enumerate([
    "stv. Küchenleitung (m/w/d)",
    # the words of the employer and of the slogan below, each known from a title of its own
    "Pflegefachkraft (m/w/d) im Pflegezentrum Nord", "Betreuer Wohn- und Gemeinschaftsgruppe",
    "Hausmeister Unteres Werk", "Pförtner am Tor 3 (m/w/d)", "Lagerist Herbst Transporte",
    "Speditionsleiter (m/w/d) bei Herbst Transporte – Gestalte die Zukunft der Logistik mit uns!",
    "Koch (m/w/d)", "Koch - Restaurant Adler", "Pflegehelfer (m/w/d)",
])]


@pytest.fixture(scope="module")
def part_index():
    return JobIndex(PART_POOL)


@pytest.mark.parametrize(("title", "expected", "part"), [
    # the pool knows the employer's words from its other titles, so the whole title is read and finds nothing
    ("Wohn- und Pflegezentrum Unteres Tor: stv. Küchenleitung (m/w/d)", "p-0", "stv. Küchenleitung (m/w/d)"),
    # without a gender marker the employer after "bei" is the title's, where the job's title loses it
    ("Speditionsleiter bei Herbst Transporte – Gestalte die Zukunft der Logistik mit uns!", "p-6", "Speditionsleiter"),
])
def test_a_title_whose_whole_finds_nothing_is_read_by_its_parts(part_index, title, expected, part):
    result = part_index.match(Posting(title))
    assert result.decision == "needs_review" and result.best.job_id == expected
    assert result.best.reasons[-1] == f"read as: {part}"
    assert result.best.score == 100 - PART_READING  # below what the whole title would score, as a reviewer sees


@pytest.mark.parametrize("title", ["Koch (m/w/d) - Restaurant Adler", "Pflegehelfer - Wohn- und Pflegezentrum"])
def test_a_title_whose_whole_finds_a_job_is_not_read_by_its_parts(part_index, title):
    result = part_index.match(Posting(title))
    assert result.decision == "needs_review"
    assert not any(reason.startswith("read as") for candidate in result.candidates for reason in candidate.reasons)


def test_a_job_a_part_of_the_title_finds_could_enter_a_match_the_whole_title_found_nothing_for():
    posting = Posting("Wohn- und Pflegezentrum Unteres Tor: stv. Küchenleitung (m/w/d)")
    index = JobIndex(PART_POOL[1:])
    kept = index.match(posting).candidates
    assert all(candidate.weak for candidate in kept)
    index.upsert(PART_POOL[0])
    assert index.match(posting).best.job_id == "p-0"
    assert index.could_enter(posting, ["p-0"], kept)
    index.upsert(kombo_job("e", "re", "Elektriker (m/w/d)", city="Haßfurt"))
    assert "e" not in {candidate.job_id for candidate in index.match(posting).candidates}
    assert not index.could_enter(posting, ["e"], kept)  # no part of the title is it

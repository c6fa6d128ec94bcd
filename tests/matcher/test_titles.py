import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobmatch.fixtures.adverts import load_adverts
from jobmatch.matcher.places import CityNames, city_key
from jobmatch.matcher.titles import normalize_title


def cities(*names: str) -> CityNames:
    known = CityNames()
    for name in names:
        known.add(city_key(name))
    return known


@pytest.mark.parametrize(("title", "expected"), [
    # gender markers, every spelling
    ("Lagerist (m/w/d)", "lagerist"), ("Lagerist (w/m/d)", "lagerist"), ("Engineer (m/f/d)", "engineer"),
    ("Lagerist (gn)", "lagerist"), ("Engineer (all genders)", "engineer"), ("Lagerist (m|w|d)", "lagerist"),
    ("Engineer (f/m/x)", "engineer"), ("Lagerist (d/w/m)", "lagerist"), ("Lagerist (m/w/x)", "lagerist"),
    ("Lagerist [m/w/d]", "lagerist"), ("Lagerist m/w/d", "lagerist"), ("Lagerist (m/w/div.)", "lagerist"), ("Operativer Einkäufer | M/W/D", "operativer einkaeufer"),
    # feminine and inclusive forms
    ("Sachbearbeiter*in", "sachbearbeiter"), ("Sachbearbeiter/in", "sachbearbeiter"),
    ("Mitarbeiter/-innen", "mitarbeiter"), ("Mitarbeiter:in", "mitarbeiter"), ("MitarbeiterInnen", "mitarbeiter"),
    ("Personalreferent: in", "personalreferent"), ("Kaufmännische/r Angestellte/r", "kaufmaennische angestellte"),
    ("Erzieherin/Erzieher", "erzieher"), ("Referentin", "referent"), ("Bürokauffrau/-mann", "buerokaufmann"),
    # invisible characters and case
    ("Produktions\u00admitarbeiter", "produktionsmitarbeiter"), ("LAGER\u200bIST", "lagerist"),
    # seniority
    ("Sr. Developer", "senior developer"), ("Snr Developer", "senior developer"), ("Jr. Consultant", "junior consultant"),
    # work time and start
    ("Koch in Vollzeit", "koch"), ("Koch - Teilzeit", "koch"), ("Reinigungskraft Minijob", "reinigungskraft"),
    ("Fahrer ab sofort", "fahrer"), ("Developer full-time", "developer"), ("Developer (part-time)", "developer"),
    # reference numbers
    ("Elektriker - Referenznr. 250539", "elektriker"), ("Einkäufer Ref: REQ-01007", "einkaeufer"),
    ("Fahrer #1234", "fahrer"), ("Frankens Nr. 1 sucht Logopäden", "logopaeden"), ("Frankens Nr. 1 Logopäde", "frankens nr 1 logopaede"),
    # punctuation
    ("Kfz-Mechatroniker", "kfz mechatroniker"), ("C++ Developer", "c++ developer"),
])
def test_normalization_rules(title: str, expected: str) -> None:
    assert normalize_title(title, cities()).text == expected


@pytest.mark.parametrize(("title", "expected", "removed"), [
    ("Pflegehelfer (m/w/d) in Sonneberg", "pflegehelfer", {("sonneberg",)}),
    ("Servicetechniker am Standort Scheßlitz", "servicetechniker", {("schesslitz",)}),
    ("Lagerist Neustadt an der Aisch", "lagerist", {("neustadt", "aisch")}),
    ("Kalkulator, München oder Nürnberg", "kalkulator", {("muenchen",), ("nuernberg",)}),
])
def test_cities_of_the_pool_are_removed(title: str, expected: str, removed: set) -> None:
    title_ = normalize_title(title, cities("Sonneberg", "Scheßlitz", "Neustadt an der Aisch", "München",
                                           "Nürnberg, Mittelfranken"))
    assert (title_.text, set(title_.cities)) == (expected, removed)


def test_the_postings_own_city_is_removed_even_when_the_pool_does_not_know_it() -> None:
    assert normalize_title("Koch in Bamberg", cities(), also=("bamberg",)).text == "koch"


REAL_TITLES = [advert.title for advert in load_adverts()[:2000]]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from(REAL_TITLES), st.text(max_size=60)))
def test_normalization_is_idempotent(title: str) -> None:
    known = cities("Bamberg", "Neustadt an der Aisch", "Nürnberg")
    once = normalize_title(title, known).text
    assert normalize_title(once, known).text == once


@pytest.mark.parametrize(("title", "expected"), [
    # noise words a reader still recognises with a typo or two
    ("Hausmeister auf Tielzeit", "hausmeister"), ("Friseur in Voll- oder Tiezleit", "friseur"),
    ("CNC-Dreher | Kenzniffer 949639", "cnc dreher"), ("Maschinenführer - Refreenznr. 929726", "maschinenfuehrer"),
    ("Aushilfe (all genedrs)", "aushilfe"), ("Elektroniker gescuht!", "elektroniker"),
    # other spellings of what carries no name
    ("Reinigungskraft Teilzeit (Mensch)", "reinigungskraft"), ("Schreiner - Standort", "schreiner"),
    ("Kinderpfleger * Kinderpfelgerin", "kinderpfleger"),
    # a title of work-time words alone is named by them
    ("Minijob", "minijob"), ("Teilzeit oder Minijob (m/w/d) - Referenznr. 968719", "teilzeit minijob"),
    # letters of every script are words
    ("Професионални шофьори (m/w/d)", "професионални шофьори"),
    # what a noise word is close to but is not stays
    ("Teilezurichter", "teilezurichter"), ("Vollzeitkraft Tankstelle", "vollzeitkraft tankstelle"),
    # a removal that leaves new neighbours is followed to the end in one normalization
    ("Gartencenterleitung (m/w/d) | im Großraum um &", "gartencenterleitung"),  # "um" repeats the end of "raum"
    ("0000:FULL:0000:TIME", "0000"),  # the repeated number gone, "full time" is one phrase
    ("Koch Neustadt full time an der Aisch", "koch"),  # the phrase gone, the city is whole
])
def test_noise_is_recognised_as_a_reader_recognises_it(title: str, expected: str) -> None:
    known = cities("Neustadt an der Aisch")
    assert normalize_title(title, known).text == expected
    assert normalize_title(expected, known).text == expected


@pytest.mark.parametrize(("title", "city", "expected"), [
    ("Einkäufer:in Standort Schweinfrut", "Schweinfurt", "einkaeufer"),
    ("Hausmeister in Hidlburghausen", "Hildburghausen", "hausmeister"),
    ("Elektrohelfer in Nrünberg", "Nürnberg, Mittelfranken", "elektrohelfer"),
    ("Koch in Hof", "Hof, Saale", "koch"),
    ("Koch in Hof", "Bamberg", "koch hof"),  # a short word is not taken for another city
])
def test_the_postings_own_city_is_removed_even_misspelt(title: str, city: str, expected: str) -> None:
    assert normalize_title(title, cities(), also=city_key(city)).text == expected


@pytest.mark.parametrize(("title", "expected", "cut"), [
    ("Industriemechaniker (m/w/d) Instandhaltu...", "industriemechaniker instandhaltu", True),
    ("Industriemechaniker (m/w/d) Instandhaltu…", "industriemechaniker instandhaltu", True),
    ("Kundenberater mit Schwerpunkt ...", "kundenberater schwerpunkt", True),
    ("Industriemechaniker (m/w/d) Instandhaltung", "industriemechaniker instandhaltung", False),
    ("Bauhelfer (m/w/d). Ab sofort.", "bauhelfer", False),  # one full stop is no ellipsis
])
def test_an_ellipsis_marks_a_title_cut_short(title: str, expected: str, cut: bool) -> None:
    normalized = normalize_title(title, cities())
    assert (normalized.text, normalized.cut) == (expected, cut)


@pytest.mark.parametrize(("title", "pool", "expected", "cut"), [
    # a board cut the job's title, then appended its place
    ("Steuerberater (m/w/d) in Volkach (S... | Volkach, Bayern", ["Volkach"], "steuerberater s", True),
    ("Koch... - Bamberg", ["Bamberg"], "koch", True),
    ("Koch … – Forchheim, Oberfranken", ["Forchheim"], "koch", True),
    # what follows names more than places: not cut there
    ("Steuerberater (m/w/d) in Volkach (S... | Teilzeit", ["Volkach"], "steuerberater s", False),
    ("Koch... - Bamberg", [], "koch bamberg", False),  # a town no pool or posting knows is a word
    ("Koch ... - Sous Chef", ["Bamberg"], "koch sous chef", False),
])
def test_an_ellipsis_before_a_part_naming_places_alone_marks_the_title_cut_there(
    title: str, pool: list[str], expected: str, cut: bool
) -> None:
    normalized = normalize_title(title, cities(*pool))
    assert (normalized.text, normalized.cut) == (expected, cut)
    if cut and pool:
        assert city_key(pool[0]) in normalized.cities  # the place the board appended is the posting's place


@pytest.mark.parametrize(("title", "expected"), [
    ("Parkettleger (m|w|d) - Forchheim, Oberfranken", "parkettleger"),
    ("Lagerist Nürnberg, Mittelfranken", "lagerist"),
    ("Koch in Forchheim (Oberfranken) Vollzeit", "koch"),
    ("Vertriebsmitarbeiter Forchheim Baden-Württemberg", "vertriebsmitarbeiter"),
    ("Parkettleger - Oberfranken", "parkettleger"),  # a region at the end, its city never written
    ("Außendienst bundesweit", "aussendienst"),
    ("Oberpfalz", "oberpfalz"),  # a title is never emptied by it
    ("Schwaben Netz Monteur", "schwaben netz monteur"),  # a region elsewhere is a name
])
def test_a_region_after_a_city_or_at_the_end_is_part_of_the_place(title: str, expected: str) -> None:
    assert normalize_title(title, cities("Forchheim", "Nürnberg")).text == expected


@pytest.mark.parametrize(("title", "expected"), [
    ("Stein- und Fliesenleger (m/w/d)", "stein+ fliesenleger"),  # the first part of a compound, not the town
    ("Stein-, Boden- und Fliesenleger", "stein+ boden+ fliesenleger"),
    ("Maler- oder Lackierer", "maler+ lackierer"),
    ("Fliesenleger in Stein", "fliesenleger"),  # the town
    ("Stein Fliesenleger", "fliesenleger"),
    ("Friseur Voll-/Teilzeit", "friseur"),
])
def test_a_compound_part_is_never_taken_for_a_city(title: str, expected: str) -> None:
    normalized = normalize_title(title, cities("Stein"))
    assert normalized.text == expected
    assert normalize_title(expected, cities("Stein")).text == expected


@pytest.mark.parametrize(("title", "work_time"), [
    ("Verkäufer (m/w/d) Vollzeit", {"vollzeit"}), ("Verkäufer (m/w/d) Teilzeit", {"teilzeit"}),
    ("Verkäufer in Voll- oder Teilzeit", {"vollzeit", "teilzeit"}), ("Verkäufer part-time", {"teilzeit"}),
    ("Verkäufer auf Minijobbasis", {"minijob"}), ("Verkäufer Tielzeit", {"teilzeit"}), ("Verkäufer", set()),
])
def test_work_time_words_are_kept_beside_the_title(title: str, work_time: set) -> None:
    normalized = normalize_title(title, cities())
    assert (normalized.text, normalized.work_time) == ("verkaeufer", work_time)


@pytest.mark.parametrize(("title", "expected"), [
    # the employer before "sucht", or in a part of its own named by a legal form
    ("Jeremias Abgastechnik GmbH sucht Versandmitarbeiter (m/w/d)", "versandmitarbeiter"),
    ("Wackler Personal-Service GmbH: Projektleiter (m/w/d)", "projektleiter"),
    ("Holzmechaniker (m/w/d) bei JobImpulse Süd GmbH", "holzmechaniker"),
    ("Koch | Gasthof Krone GmbH & Co. KG", "koch"),
    ("Klinik Kitzinger Land sucht Physiotherapeuten", "physiotherapeuten"),
    # the employer alone, the job's name cut off after "sucht": nothing names the job
    ("Autohaus Meier sucht", ""), ("Zahnarztpraxis am Markt sucht dringend", ""), ("Gasthof Post sucht ab sofort", ""),
    ("AUTOHAUS MEIER SUCHT DRINGEND", ""),
    # what only looks like it
    ("Sucht- und Drogenberater (m/w/d)", "sucht+ drogenberater"), ("Suchtberater (m/w/d)", "suchtberater"),
    ("Sozialarbeiter (m/w/d) Sucht", "sozialarbeiter sucht"), ("SOZIALARBEITER SUCHT", "sozialarbeiter sucht"),
    ("Sachbearbeiter:in Lohn", "sachbearbeiter lohn"), ("Koch (m|w|d) - Vollzeit", "koch"),
    ("Firma GmbH Koch", "firma gmbh koch"),  # nothing sets the company apart: it stays
    ("Hauswirtschafter *in bei AWO Bezirksverband e.V.", "hauswirtschafter"),
    ("Kfz-Mechaniker (m/w/d) in Burgebrach bei Markus Lixl KFZ-Meisterbetrieb", "kfz mechaniker burgebrach"),
    ("Motel One Nürnberg - Plärrer: Hausdamenassistent (m/w/d)", "hausdamenassistent"),
    ("Helfer bei Umzügen", "helfer umzuegen"),  # no marker ends the name before "bei": it is the name
    ("Florist/in bei Gärtnerei Großkopf (m|w|d)", "florist"),  # only an employer's name between "bei" and it
    ("Florist/in bei Gärtnerei Großkopf (m/w/d) Standort Nürnberg", "florist"),
    ("Altdorf bei Nürnberg - Fuhrparkleiter (m/w/d)", "altdorf fuhrparkleiter"),  # a part of the title follows
    # a marker written without brackets ends the name as well
    ("BESTATTUNGSBERATER/IN M/W/D bei Stadt Personalamt", "bestattungsberater"),
    ("Florist/in bei Gärtnerei Großkopf m/w/d - Teilzeit", "florist"),
    ("Helfer/in bei Umzügen", "helfer umzuegen"),  # no marker at all
    ("Ausbildung: Koch", "ausbildung koch"), ("Malerhelfer (a/g)", "malerhelfer"),
    ("Sachbearbeiter Schwerpunkt: Assistenz (m/w/d)", "sachbearbeiter schwerpunkt assistenz"),  # no place before
    # abbreviations boards write
    ("MA Finanzbuchhaltung", "mitarbeiter finanzbuchhaltung"), ("Kfm. Kraft", "kaufmaennische kraft"),
    ("SB Steuerverwaltung", "sachbearbeiter steuerverwaltung"), ("Verkäufer in VZ oder TZ", "verkaeufer"),
    ("Ass. Teamassistenz", "assistenz teamassistenz"),
])
def test_employers_and_abbreviations_as_boards_write_them(title: str, expected: str) -> None:
    assert normalize_title(title, cities("Nürnberg")).text == expected
    assert normalize_title(expected, cities("Nürnberg")).text == expected


def test_a_places_bei_is_no_employers() -> None:
    assert normalize_title("Lagerhelfer Altdorf bei Nürnberg (m/w/d)", cities("Altdorf bei Nürnberg")).text == \
        "lagerhelfer"
    assert normalize_title("Lagerhelfer Altdorf bei Nürnberg (m/w/d)", cities(), also=("altdorf", "nuernberg")).text \
        == "lagerhelfer"
    assert normalize_title("Lagerhelfer bei Huber Nürnberg (m/w/d)", cities("Altdorf bei Nürnberg")).text == \
        "lagerhelfer"
    # after the marker too: the "bei" of the place is not the employer's, a later one is
    assert normalize_title("LÖTER (M/F/D) in Altdorf bei Nürnberg (Bayern)", cities(),
                           also=("altdorf", "nuernberg")).text == "loeter"
    assert normalize_title("Löter (m/w/d) Altdorf bei Nürnberg bei Huber GmbH", cities("Altdorf bei Nürnberg")).text \
        == "loeter"
    assert normalize_title("Löter (m/w/d) Altdorf bei Huber GmbH", cities("Altdorf bei Nürnberg")).text == "loeter altdorf"

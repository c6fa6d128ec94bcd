import itertools
import random
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobmatch.fixtures.kombo_jobs import generate_jobs, kombo_job
from jobmatch.fixtures.labelled import damage_title
from jobmatch.matcher import JobIndex, Location, Posting
from jobmatch.matcher.index import JobsByKey
from jobmatch.matcher.matching import written_alike, written_words


def job(id_, name, *, code=None, city="Bamberg", zip_code="96047", status="OPEN", url=None, deleted=False, **kw):
    return kombo_job(id_, f"r-{id_}", name, job_code=code, city=city, zip_code=zip_code, status=status, post_url=url,
                     remote_deleted_at=datetime(2025, 9, 2, tzinfo=UTC) if deleted else None, **kw)


POOL = [
    job("a", "Lagermitarbeiter (m/w/d)", code="REQ-01007", url="https://jobs.acme.de/stellen/1"),
    job("b", "Buchhalter (m/w/d)", code="REQ-01008", city="Erlangen", zip_code="91052"),
    job("c", "Produktionsmitarbeiter (m/w/d)", code="REQ-01009", city="Bamberg"),
    job("d", "Produktionsmitarbeiter (m/w/d)", code="REQ-01010", city="Forchheim, Oberfranken", zip_code="91301"),
    job("e", "Produktionsmitarbeiter (m/w/d)", code="REQ-01011", city="Bamberg", status="CLOSED"),
    job("f", "Staplerfahrer (m/w/d)", code="REQ-01012", status="ARCHIVED"),
    job("g", "Elektriker (m/w/d)", code="REQ-01013", deleted=True),
    job("h", "Koch (m/w/d)", code="DUP-1"),
    job("i", "Koch (m/w/d)", code="DUP-1", city="Erlangen"),
]


@pytest.fixture(scope="module")
def index():
    return JobIndex(POOL)


def test_a_job_code_with_a_consistent_title_is_auto_linked(index):
    result = index.match(Posting("Lagermitarbeiter:in in Vollzeit", job_code=" req-01007 "))
    assert result.decision == "auto_linked"
    assert result.best.job_id == "a" and result.best.method == "job_code" and result.best.score == 100
    assert "job code req-01007 matches" in result.best.reasons


@pytest.mark.parametrize("posting", [
    Posting("Lagermitarbeiter - Ref: REQ-01007"),
    Posting("Lagermitarbeiter", remote_id="  r-a "),
    Posting("Lagermitarbeiter", post_url="http://www.jobs.acme.de/stellen/1/?utm_source=indeed#top"),
])
def test_every_identifier_pins_the_job(index, posting):
    result = index.match(posting)
    assert (result.decision, result.best.job_id) == ("auto_linked", "a")


def test_a_code_typo_pointing_at_another_job_is_held_for_review(index):
    result = index.match(Posting("Buchhalter (m/w/d)", job_code="REQ-01007", location=Location(city="Erlangen")))
    assert result.decision == "needs_review"
    assert result.best.job_id == "b"  # the job the title describes ranks first
    pinned = next(c for c in result.candidates if c.job_id == "a")
    assert "the posting's title describes another job than this one" in pinned.reasons


@pytest.mark.parametrize(("code", "state"), [("REQ-01012", "job is ARCHIVED in the ATS"),
                                             ("REQ-01013", "job was deleted in the ATS")])
def test_an_identifier_pinning_an_inactive_job_is_never_auto_linked(index, code, state):
    result = index.match(Posting("Staplerfahrer Elektriker", job_code=code))
    assert result.decision == "needs_review"
    assert not result.best.active and state in result.best.reasons


@pytest.mark.parametrize(("status", "state"), [("DRAFT", "job is DRAFT in the ATS"),
                                               ("PAUSED", "job status is not known"),
                                               ("CLOSED", "job is CLOSED in the ATS")])
def test_a_job_of_any_status_but_open_is_never_auto_linked(status, state):
    index = JobIndex([job("x", "Staplerfahrer (m/w/d)", code="ST-1", status=status)])
    result = index.match(Posting("Staplerfahrer (m/w/d)", job_code="ST-1"))
    assert (result.decision, result.best.active) == ("needs_review", False) and state in result.best.reasons
    assert JobIndex([job("x", "Staplerfahrer (m/w/d)", code="ST-1", status=None)]).match(
        Posting("Staplerfahrer (m/w/d)", job_code="ST-1")).decision == "auto_linked"  # the ATS tells no status


@pytest.mark.parametrize("visibility", ["INTERNAL", "UNLISTED", "CONFIDENTIAL", "SECRET"])
def test_with_public_only_a_job_that_is_not_public_is_never_auto_linked(visibility):
    jobs = [job("x", "Staplerfahrer (m/w/d)", code="ST-1", visibility=visibility)]
    posting = Posting("Staplerfahrer (m/w/d)", job_code="ST-1")
    assert JobIndex(jobs).match(posting).decision == "auto_linked"
    result = JobIndex(jobs, public_only=True).match(posting)
    assert result.decision == "needs_review" and "job is not public" in result.best.reasons
    for public in ("PUBLIC", None):
        public_job = job("x", "Staplerfahrer (m/w/d)", code="ST-1", visibility=public)
        assert JobIndex([public_job], public_only=True).match(posting).decision == "auto_linked"


def job_with_postings(*postings):
    return job("x", "Staplerfahrer (m/w/d)", url="https://jobs.acme.de/stellen/x") | {"job_postings": [
        {"id": posting_id, "remote_id": remote_id, "title": None, "description_html": None, "status": "ACTIVE",
         "visibility": "PUBLIC", "url": url} for posting_id, remote_id, url in postings]}


@pytest.mark.parametrize("posting", [
    Posting("Staplerfahrer", post_url="https://www.karriere.acme.de/job/778?utm_source=indeed"),
    Posting("Staplerfahrer", post_url="https://boards.example.com/acme/jobs/9911"),
    Posting("Staplerfahrer", remote_id="post-1"),
    Posting("Staplerfahrer", remote_id="9911"),
    Posting("Staplerfahrer", post_url="https://jobs.acme.de/stellen/x"),  # the job's own post_url still counts
])
def test_the_identifiers_of_a_jobs_postings_pin_the_job(posting):
    pool = [job_with_postings(("post-1", "778", "https://karriere.acme.de/job/778"),
                              ("post-2", 9911, "https://boards.example.com/acme/jobs/9911")),
            job("y", "Staplerfahrer (m/w/d)", city="Erlangen")]
    result = JobIndex(pool).match(posting)
    assert (result.decision, result.best.job_id) == ("auto_linked", "x")


def test_a_job_whose_posting_repeats_its_own_url_and_id_is_pinned_by_them():
    own = job_with_postings(("post-1", "post-1", "https://jobs.acme.de/stellen/x"))
    index = JobIndex([own, job("y", "Staplerfahrer (m/w/d)", url="https://jobs.acme.de/stellen/y")])
    for posting in (Posting("Staplerfahrer", post_url="https://jobs.acme.de/stellen/x"),
                    Posting("Staplerfahrer", remote_id="post-1")):
        result = index.match(posting)
        assert (result.decision, result.best.job_id) == ("auto_linked", "x")


def test_the_identifiers_of_a_jobs_postings_follow_its_changes():
    index = JobIndex([job_with_postings(("post-1", "778", "https://karriere.acme.de/job/778"))])
    index.upsert(job_with_postings(("post-2", "779", "https://karriere.acme.de/job/779")))
    assert index.match(Posting("Staplerfahrer", post_url="https://karriere.acme.de/job/779")).decision == "auto_linked"
    old = index.match(Posting("Staplerfahrer", post_url="https://karriere.acme.de/job/778"))
    assert old.decision != "auto_linked" and all(c.method == "title" for c in old.candidates)
    index.remove("x")
    assert index.match(Posting("Staplerfahrer", remote_id="post-2")).decision == "no_match"


def test_a_code_shared_by_two_jobs_is_held_for_review(index):
    result = index.match(Posting("Koch", job_code="DUP-1"))
    assert result.decision == "needs_review" and {c.job_id for c in result.candidates[:2]} == {"h", "i"}


def test_a_title_alone_is_never_auto_linked_and_the_city_decides(index):
    result = index.match(Posting("Produktionsmitarbeiter (w/m/d)", location=Location(city="Forchheim")))
    assert result.decision == "needs_review"
    assert result.best.job_id == "d" and result.best.method == "title"
    assert "same place: Forchheim, Oberfranken" in result.best.reasons


def test_an_open_job_ranks_above_a_closed_one_of_the_same_title_and_place(index):
    ids = [c.job_id for c in index.match(Posting("Produktionsmitarbeiter", location=Location(zip_code="96047"))).candidates]
    assert ids.index("c") < ids.index("e")


def test_boilerplate_alone_is_no_match(index):
    result = index.match(Posting("Zahnmedizinische Fachangestellte (m/w/d) in Vollzeit"))
    assert (result.decision, result.candidates) == ("no_match", [])


def test_rejected_jobs_are_excluded(index):
    result = index.match(Posting("Lagermitarbeiter", job_code="REQ-01007"), exclude={"a"})
    assert "a" not in [c.job_id for c in result.candidates] and result.decision != "auto_linked"


NAMES = ["Koch (m/w/d)", "Koch in Erlangen", "Pflegefachkraft Bamberg", "Lagerhelfer (m/w/d) Vollzeit",
         "Staplerfahrer in Fürth", "Buchhalter", None]
CITIES = ["Bamberg", "Erlangen", "Fürth", "Forchheim, Oberfranken", None]
UPSERT = st.builds(lambda n, name, city, code, status, deleted: ("upsert", job(
    f"j{n}", name, code=code, city=city, status=status, deleted=deleted)), st.integers(0, 6), st.sampled_from(NAMES),
    st.sampled_from(CITIES), st.sampled_from(["REQ-1", "REQ-2", None]), st.sampled_from(["OPEN", "CLOSED"]),
    st.booleans())
REMOVE = st.builds(lambda n: ("remove", f"j{n}"), st.integers(0, 7))


@settings(max_examples=150, deadline=None)
@given(start=st.lists(UPSERT, max_size=5), changes=st.lists(st.one_of(UPSERT, REMOVE), min_size=1, max_size=10))
def test_incremental_updates_equal_a_fresh_build(start, changes):
    pool = {job_["id"]: job_ for _, job_ in start}
    index = JobIndex(pool.values())
    for action, change in changes:
        if action == "upsert":
            index.upsert(change)
            pool[change["id"]] = change
        else:
            index.remove(change)
            pool.pop(change, None)
    fresh = JobIndex(pool.values())
    assert len(index) == len(fresh) == len(pool)
    for name, city in itertools.product(NAMES, CITIES):
        posting = Posting(name or "Koch", location=Location(city=city) if city else None)
        assert index.match(posting) == fresh.match(posting), posting
    for code in ("REQ-1", "REQ-2"):
        assert index.match(Posting("Koch", job_code=code)) == fresh.match(Posting("Koch", job_code=code))


def test_an_index_completed_a_few_titles_at_a_time_while_it_changes_matches_as_a_fresh_build():
    """What a build leaves out (letters alike, employers' titles) is made by `complete` between changes."""
    others = [j for j in generate_jobs(200, seed=11) if j["name"]]
    pool = {j["id"]: j for j in POOL_500[:300]}
    index = JobIndex(pool.values())
    for n, other in enumerate(others[:60]):
        assert not index.complete(2)
        index.remove(POOL_500[n]["id"])
        pool.pop(POOL_500[n]["id"])
        renamed = {**POOL_500[100 + n], "name": other["name"]}
        index.upsert(renamed)
        pool[renamed["id"]] = renamed
    assert index.complete() and index.complete(1)
    fresh = JobIndex(pool.values())
    postings = [Posting(damage_title(other["name"], None, random.Random(n))) for n, other in enumerate(others)]
    assert [index.match(posting) for posting in postings] == [fresh.match(posting) for posting in postings]
    assert any(c.method == "wording" for posting in postings for c in fresh.match(posting).candidates)


@pytest.mark.parametrize(("odd", "read"), [
    ({"id": "x", "name": 5, "job_code": 77}, ("5", "77")),  # numbers are read as their text
    ({"id": 12, "name": "Koch", "job_code": "K-1"}, ("Koch", "K1")),  # a code without its separators
    ({"id": "x", "name": {"de": "Koch"}, "job_code": ["K-1"], "location": {"city": ["Bamberg"]}}, ("", "")),
    ({"id": "x", "name": "Koch", "location": "Bamberg", "status": ["OPEN"], "job_postings": "none"}, ("Koch", "")),
])
def test_an_odd_job_is_read_as_far_as_it_can_be_and_never_raises(odd, read):
    index = JobIndex([job("ok", "Koch (m/w/d)"), odd])
    assert len(index) == 2 and index.match(Posting("Koch")).candidates
    (record,) = [r for r in index._jobs.values() if r.id != "ok"]
    assert (record.name, record.code) == (read[0], read[1].lower() if read[1] else "")


@pytest.mark.parametrize("unusable", [{"id": "", "name": "Koch"}, {"name": "Koch"}, {"id": None}, ["x", "Koch"], None])
def test_a_job_without_a_usable_id_is_left_out(unusable):
    index = JobIndex([job("ok", "Koch (m/w/d)"), unusable])
    index.upsert(unusable)
    assert len(index) == 1 and index.match(Posting("Koch")).best.job_id == "ok"


@pytest.mark.parametrize(("changes", "held"), [
    ([("add", "a"), ("add", "b")], {"a", "b"}),  # a shared code: both jobs
    ([("add", "a"), ("add", "b"), ("discard", "a")], {"b"}),
    ([("add", "a"), ("add", "b"), ("discard", "a"), ("discard", "b")], set()),
    ([("add", "a"), ("discard", "b")], {"a"}),  # another job's key is left alone
    ([("add", "a"), ("discard", "a"), ("add", "b")], {"b"}),
])
def test_jobs_by_key_holds_exactly_the_jobs_added_and_not_discarded(changes, held):
    jobs_by_key = JobsByKey[str]()
    for change, job_id in changes:
        if change == "add":
            jobs_by_key.add(["DUP-1"], [job_id])
        else:
            jobs_by_key.discard("DUP-1", job_id)
    assert jobs_by_key.get("DUP-1") == held
    assert jobs_by_key.get("OTHER") == set()
    jobs_by_key.get("DUP-1").add("z")  # the caller's own set
    assert jobs_by_key.get("DUP-1") == held


def test_jobs_by_key_filled_at_once_holds_what_it_holds_filled_one_by_one():
    keys, job_ids = ["A", "", "B", "A", "C", "C", "D"], ["1", "2", "3", "4", "5", "5", "6"]
    at_once, one_by_one = JobsByKey[str](), JobsByKey[str]()
    at_once.add(keys, job_ids)
    for key, job_id in zip(keys, job_ids):
        one_by_one.add([key], [job_id])
    assert at_once._ids == one_by_one._ids == {"A": {"1", "4"}, "B": "3", "C": "5", "D": "6"}  # no empty key


POOL_500 = [j for j in generate_jobs(500, seed=3) if j["name"]]
POOL_500_INDEX = JobIndex(POOL_500)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(POOL_500))
def test_a_posting_made_from_a_jobs_own_fields_ranks_it_first(job_):
    location = job_["location"]
    posting = Posting(job_["name"], job_code=job_["job_code"], remote_id=job_["remote_id"], post_url=job_["post_url"],
                      location=Location(location["city"], location["zip_code"], location["country"], location["raw"]),
                      department=job_["department"], employment_type=job_["employment_type"])
    assert POOL_500_INDEX.match(posting).best.job_id == job_["id"]


@pytest.mark.parametrize(("posting", "job_"), [
    (Posting("Vollzeitkrafttankstelle (m/w/d)", job_code="T-1"),
     job("t", "Vollzeitkraft (m/w/d) Tankstelle", code="T-1")),
    (Posting("Pflegehelfer_in in Frensdorf (gn)", job_code="P-1", location=Location(city="Frensdorf")),
     job("p", "Pflege(fach)helfer_in in Frensdorf (m/w/d)", code="P-1", city="Frensdorf", zip_code="96158")),
    (Posting("Sales Advisor Teilzeit - Reefrenznr. 935123", job_code="S-1"),
     job("s", "Sales Advisor (m/w/d)", code="S-1")),
])
def test_an_identifier_is_auto_linked_when_the_title_is_the_same_job_written_otherwise(posting, job_):
    result = JobIndex([job_, *POOL]).match(posting)
    assert (result.decision, result.best.job_id) == ("auto_linked", job_["id"])


def test_a_shared_zip_code_does_not_make_two_towns_one_place():
    index = JobIndex([job("k", "Augenoptiker (m/w/d)", city="Kammerstein", zip_code="91126"),
                      job("s", "Augenoptiker (m/w/d)", city="Schwabach", zip_code="91126")])
    result = index.match(Posting("Augenoptiker", location=Location(city="Kammerstein", zip_code="91126")))
    assert result.best.job_id == "k"
    assert "same place: Schwabach" not in result.candidates[1].reasons


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(POOL_500), st.integers(0, 1000), st.booleans(), st.sampled_from(POOL_500), st.booleans(),
       st.booleans())
def test_the_best_few_are_the_head_of_a_longer_ranking(job_, seed, with_city, other, department, employment_type):
    """Ranking stops early once no further title (nor a title worded otherwise) can enter the best `limit`, by
    the evidence the posting can add; it must not change the order."""
    city = job_["location"]["city"] if with_city else None
    posting = Posting(damage_title(job_["name"], city, random.Random(seed)), location=Location(city=city),
                      department=(other if seed % 2 else job_)["department"] if department else None,
                      employment_type=(other if seed % 3 else job_)["employment_type"] if employment_type else None)
    assert POOL_500_INDEX.match(posting, limit=3).candidates == POOL_500_INDEX.match(posting, limit=40).candidates[:3]


KINDS_POOL = [
    job("mech", "Industriemechaniker (m/w/d) Instandhaltung", code="REQ-02001", city="Bamberg"),
    job("mech-prod", "Industriemechaniker (m/w/d) Produktion", code="REQ-02002", city="Bamberg"),
    job("fl-long", "Fachkraft für Lagerlogistik (m/w/d) mit Schwerpunkt Kommissionierung und Versand", code="REQ-02007"),
    job("fl", "Fachkraft für Lagerlogistik (m/w/d)", code="REQ-02008"),
    job("parkett", "Parkettleger (m/w/d)", code="REQ-02003", city="Forchheim, Oberfranken", zip_code="91301"),
    job("lager", "Lagerhelfer (m/w/d)", code="REQ-01007", city="Erlangen", zip_code="91052"),
    job("verk", "Verkäufer (m/w/d)", code="REQ-02004", city="Bamberg"),
    job("verk-metz", "Verkäufer Metzgerei (m/w/d)", code="REQ-02005", city="Bamberg"),
    job("fliesen", "Fliesenleger (m/w/d)", code="REQ-02006", city="Stein", zip_code="90547"),
    *(job(f"vk-{kind}-{town}", f"Verkäufer (m/w/d) {kind}", city=town, zip_code=f"9{n:04d}")
      for n, town in enumerate(["Hof", "Coburg", "Kulmbach", "Bayreuth", "Lichtenfels", "Kronach"])
      for kind in ("Vollzeit", "Teilzeit")),
]


@pytest.fixture(scope="module")
def kinds():
    return JobIndex(KINDS_POOL)


@pytest.mark.parametrize(("title", "expected"), [
    ("Industriemechaniker (m/w/d) Instandhaltu...", "mech"),
    ("Industriemechaniker (m/w/d) Instandhaltu…", "mech"),
    ("Industriemechaniker (m/w/d) Instandhaltu", "mech"),  # mid-word, no ellipsis
    ("Industriemechaniker (m/w/d) Produ...", "mech-prod"),
    ("INDUSTRIEMECHANIKER (M/W/D) PRODUKT", "mech-prod"),
    ("Fachkraft für Lagerlogistik (m/w/d) mit Schwer...", "fl-long"),
    ("Fachkraft für Lagerlogistik (m/w/d) mit Schwerpunkt Kommiss", "fl-long"),
])
def test_a_title_cut_by_a_board_finds_its_job(kinds, title, expected):
    result = kinds.match(Posting(title, location=Location(city="Bamberg")))
    assert (result.decision, result.best.job_id) == ("needs_review", expected)


def test_a_place_an_ellipsis_cut_is_left_out_and_the_job_whose_title_starts_alike_comes_first():
    """"Röthenbach" is a word of a pool title, and starts the pool's "Röthenbach an der Pegnitz": cut by an
    ellipsis, it is the place cut short; of the twins left, the one whose title starts as the posting's is written
    comes first."""
    pool = [job("roeth", "Reinigungskraft (w/m/d) Röthenbach an der Pegnitz", city="Erlangen"),
            job("there", "Lagerhelfer (m/w/d)", city="Röthenbach an der Pegnitz"),
            *(job(f"rk-{n}", "Reinigungskraft (m/w/d)", city=town) for n, town in enumerate(
                ["Hof", "Coburg", "Kulmbach", "Bayreuth", "Lichtenfels", "Kronach"]))]
    result = JobIndex(pool).match(Posting("Reinigungskraft (w/m/d) Röthenbach..."))
    assert (result.decision, result.best.job_id) == ("needs_review", "roeth")
    assert result.best.reasons[0] == "title 100% similar"


@pytest.mark.parametrize(("title", "code", "expected"), [
    ("Industriemechaniker (m/w/d) Instandhaltu...", "REQ-02001", "mech"),
    ("Fachkraft für Lagerlo...", "REQ-02007", "fl-long"),
    ("Fachkraft für Lagerlogistik (m/w/d) mit Schwerpunkt Ko…", "REQ-02007", "fl-long"),
    # cut after the employer: the title names no job, so it contradicts none
    ("Maschinenbau Schmitt GmbH sucht", "REQ-02001", "mech"),
    ("MASCHINENBAU SCHMITT GMBH SUCHT DRINGEND", "REQ-02007", "fl-long"),
])
def test_a_cut_title_with_its_code_is_auto_linked(kinds, title, code, expected):
    result = kinds.match(Posting(title, job_code=code))
    assert (result.decision, result.best.job_id) == ("auto_linked", expected)


@pytest.mark.parametrize(("title", "city"), [
    ("Parkettleger (m|w|d) - Forchheim, Oberfranken", "Forchheim, Oberfranken"),
    ("Parkettleger (m|w|d) in Forchheim (Oberfra", "Forchheim, Oberfranken"),  # the region cut short
    ("Parkettleger (m|w|d) in Forch", "Forchheim"),  # the city cut short
    ("Parkettleger (m|w|d) - Forchheim, Oberfranken", None),
    ("Parkettleger (m/w/d)", "Forchheim, Oberfranken"),
    ("Parkettleger Forchheim (Oberfranken)", "Forchheim (Oberfranken)"),
])
def test_a_place_written_with_its_region_is_the_place(kinds, title, city):
    result = kinds.match(Posting(title, location=Location(city=city) if city else None))
    assert result.best.job_id == "parkett"
    assert "same place: Forchheim, Oberfranken" in result.best.reasons


@pytest.mark.parametrize(("title", "kind"), [
    ("Verkäufer (m/w/d) Teilzeit", "Teilzeit"), ("Verkäufer Vollzeit", "Vollzeit"),
    ("Verkäufer part-time", "Teilzeit"), ("Verkäufer in Tielzeit", "Teilzeit"),
])
def test_work_time_words_break_ties_between_jobs_of_one_title(kinds, title, kind):
    result = kinds.match(Posting(title, location=Location(city="Coburg")))
    assert result.best.job_id == f"vk-{kind}-Coburg"
    without_city = kinds.match(Posting(title), limit=5)
    assert all(c.job_id.startswith(f"vk-{kind}") for c in without_city.candidates)


@pytest.mark.parametrize(("title", "code", "decision", "best"), [
    # the code names the plain job, the title is exactly another job of the pool: held, the title's job first
    ("Verkäufer Metzgerei (m/w/d)", "REQ-02004", "needs_review", "verk-metz"),
    # a title that says less than the code's job contradicts it in nothing
    ("Verkäufer (m/w/d)", "REQ-02005", "auto_linked", "verk-metz"),
    ("Industriemechaniker (m/w/d)", "REQ-02001", "auto_linked", "mech"),
    ("Verkäufer Metzgerei", "REQ-02005", "auto_linked", "verk-metz"),
    # a title that names the code's job whole and more (an employer the normalizer does not know) agrees with it
    ("Parkettleger (m/w/d) Oguzhan Ercoban Bodenbeläge Einzelunternehmer", "REQ-02003", "auto_linked", "parkett"),
])
def test_a_code_is_held_when_the_title_is_clearly_another_job(kinds, title, code, decision, best):
    city = "Forchheim" if best == "parkett" else "Bamberg"
    result = kinds.match(Posting(title, job_code=code, location=Location(city=city)))
    assert (result.decision, result.best.job_id) == (decision, best)
    if decision == "needs_review":
        pinned = next(c for c in result.candidates if c.method == "job_code")
        assert any(reason.startswith("the posting's title is that of job verk-metz") for reason in pinned.reasons)


@pytest.mark.parametrize("posting", [
    Posting("Lagerhelfer", job_code="REQ01007"), Posting("Lagerhelfer", job_code="REQ 01007"),
    Posting("Lagerhelfer", job_code="req_01007"), Posting("Lagerhelfer REQ-01007"), Posting("Lagerhelfer REQ01007"),
    Posting("Lagerhelfer (REQ 01007)"), Posting("REQ-01007 Lagerhelfer (m/w/d)"),
])
def test_a_code_is_found_however_it_is_spaced_and_with_no_label(kinds, posting):
    result = kinds.match(posting)
    assert (result.decision, result.best.job_id, result.best.method) == ("auto_linked", "lager", "job_code")
    assert "title 100% similar" in result.best.reasons  # the code is no part of the title


@pytest.mark.parametrize(("title", "found"), [
    ("Stein- und Fliesenleger (m/w/d)", False),  # a trade, not the town
    ("Fliesenleger (m/w/d) in Stein", True),
    ("Fliesenleger", True),
])
def test_a_town_that_is_also_a_word_is_removed_only_as_a_place(kinds, title, found):
    result = kinds.match(Posting(title))
    assert (bool(result.candidates) and result.best.score >= 99) == found


TWINS = JobIndex([
    job("t-1", "Servicetechniker (m/w/d)", city="Hof"), job("t-2", "Servicetechniker (m/w/d)", city="Kulmbach"),
    job("t-9", "Servicetechniker (gn)", city="Coburg"),
    job("p-1", "Pflegefachkraft (m/w/d)", city="Hof"), job("p-2", "Pflegefachkraft", city="Kulmbach"),
    job("p-9", "Pflegefachkraft (m/w/d) Meiningen und Sonneberg", city="Meiningen"),
    job("v-1", "Verkäufer (m/w/d)", city="Hof"), job("v-9", "Verkäufer (m/w/d) - Teilzeit", city="Kulmbach"),
    job("koch", "Koch (m/w/d)", city="Sonneberg"),
    job("b-1", "Beikoch (m/w/d)", city="Hof"), job("b-9", "Beikoch (m/w/d) sofort", city="Kulmbach"),
])


@pytest.mark.parametrize(("title", "expected"), [
    ("SERVICETECHNIKER (GN)", "t-9"),  # the marker the posting writes is the one job's
    ("Servicetechniker (m/w/d)", "t-1"),
    ("Pflegefachkraft Meiningen & Sonneberg (m/w/div.)", "p-9"),  # towns the pool reads as noise in both titles
    ("Verkäufer Teilzeit", "v-9"),  # work-time words first, as before
    ("Beikoch sofort (m/w/div)", "b-9"),  # the words as written, in any order
])
def test_jobs_equal_but_for_what_normalization_drops_are_told_apart_by_the_title_as_written(title, expected):
    result = TWINS.match(Posting(title), limit=1)
    assert result.decision == "needs_review" and result.best.job_id == expected


@pytest.mark.parametrize(("title", "expected"), [
    ("Kundenberater mit Schwerpunkt", "k-ebern"),  # the last words left off, "On-/Offline-Marketing"
    ("Verkäufer Metzgerei (m/w/d)", "m-ebern"),
])
def test_a_title_with_its_last_words_left_off_finds_the_job_in_its_city(title, expected):
    pool = JobIndex([
        job("k-ebern", "Kundenberater (m/w/d) mit Schwerpunkt On-/Offline-Marketing", city="Ebern"),
        job("k-hof", "Kundenberater Kundenservice - Schwerpunkt Kasse (m/w/d)", city="Hof"),
        job("m-ebern", "Verkäufer Metzgerei und Feinkost an der Frischetheke", city="Ebern"),
        job("m-hof", "Verkäufer (m/w/d)", city="Hof"),
    ])
    result = pool.match(Posting(title, location=Location(city="Ebern")))
    assert result.decision == "needs_review" and result.best.job_id == expected and result.best.method == "title"


@pytest.mark.parametrize(("a", "b", "share"), [
    ("SERVICETECHNIKER (GN)", "Servicetechniker (gn)", 1.0), ("Servicetechniker (gn)", "Servicetechniker (m/w/d)", 0.5),
    ("Beikoch sofort (m/w/div)", "Beikoch (m/w/d) sofort", 2 / 3), ("Beikoch sofort (m/w/div)", "Beikoch (m/w/d)", 1 / 3),
    # a marker's letters are no words: "(m/f/d)" says no more of "(m/w/d)" than of a title written without one
    ("Sozialpädagogin * Sozialpädagoge (m/f/d)", "Sozialpädagogin * Sozialpädagoge", 1.0),
    ("Sozialpädagogin * Sozialpädagoge (m/f/d)", "Sozialpädagoge (m/w/d)", 0.5),
    ("Kassi\u00aderer", "Kassierer", 1.0),  # written as a reader reads it: folded, invisible characters dropped
])
def test_titles_as_written_are_alike_by_the_words_both_say(a, b, share):
    assert written_alike(written_words(a), written_words(b)) == pytest.approx(share)

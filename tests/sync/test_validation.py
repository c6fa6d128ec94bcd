"""Each Kombo job checked against Kombo's documented shape: coerced where safe, every other problem named by
field and value; the page check agrees with the job-by-job check on any input."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobmatch.fixtures.kombo_jobs import generate_jobs, kombo_job
from jobmatch.sync.validation import check_job, check_page

GOOD = kombo_job("job1", "4711", "Lagerhelfer (m/w/d)", job_code="REQ-1", city="Bamberg", zip_code="96052")
POSTING = {"id": "p1", "remote_id": "77", "title": "Lagerhelfer", "description_html": "<p>x</p>", "status": "ACTIVE",
           "visibility": "PUBLIC", "url": "https://jobs.acme.de/1"}


def problems(job) -> list[tuple[str, str]]:
    return [(problem.field, problem.problem) for problem in check_job(job).problems]


def test_a_job_in_kombos_shape_is_clean_and_kept_as_received():
    job = GOOD | {"job_postings": [POSTING], "remote_data": {"x": [1, 2]}, "status": "PAUSED", "visibility": "SECRET"}
    checked = check_job(job)
    assert (checked.id, checked.problems, checked.quarantine) == ("job1", (), None)
    assert checked.data is job  # unknown keys and unknown values of open enums are kept as sent
    assert checked.values["status"] == "PAUSED" and checked.values["job_postings"] == [POSTING]


@pytest.mark.parametrize(("change", "column", "text"), [
    ({"remote_id": 4711}, "remote_id", "4711"),
    ({"job_code": 1007}, "job_code", "1007"),
    ({"post_url": 5}, "post_url", "5"),
    ({"location": {"zip_code": 96052, "city": "Bamberg"}}, "location", {"zip_code": "96052", "city": "Bamberg"}),
    ({"location": {"zip_code": 96052.0}}, "location", {"zip_code": "96052"}),
    ({"job_postings": [POSTING | {"remote_id": 77}]}, "job_postings", [POSTING]),
])
def test_a_number_where_text_belongs_is_read_as_its_text(change, column, text):
    checked = check_job(GOOD | change)
    assert checked.problems == ()
    value = checked.values[column]
    if isinstance(text, dict):
        value = {key: value[key] for key in text}
    assert value == text


@pytest.mark.parametrize(("change", "expected"), [
    ({"name": "x" * 20_000}, [("name", "is 20,000 characters long, more than 1,000")]),
    ({"name": ["Koch"]}, [("name", "must be text or null")]),
    ({"department": {"name": "IT"}}, [("department", "must be text or null")]),
    ({"remote_id": None}, [("remote_id", "is required")]),
    ({"changed_at": "yesterday"}, [("changed_at", "must be a date and time with a time zone, like 2024-01-01T00:00:00.000Z")]),
    ({"closed_at": "2024-13-45T00:00:00.000Z"}, [("closed_at", "must be a date and time with a time zone, like 2024-01-01T00:00:00.000Z")]),
    ({"opened_at": "2024-01-01T00:00:00"}, [("opened_at", "must be a date and time with a time zone, like 2024-01-01T00:00:00.000Z")]),
    ({"weekly_hours": "40"}, [("weekly_hours", "must be a number or null")]),
    ({"confidential": 1}, [("confidential", "must be true, false or null")]),
    ({"location": "Bamberg"}, [("location", "must be an object")]),
    ({"location": {"city": True}}, [("location.city", "must be text or null")]),
    ({"status": "X" * 65}, [("status", "is 65 characters long, more than 64")]),
    ({"stages": None}, [("stages", "is required")]),
    ({"stages": [{"id": "s1", "status": "PAUSED"}]}, [("stages[0].status", "must be one of ACTIVE, INACTIVE or null")]),
    ({"job_postings": [POSTING, None]}, [("job_postings[1]", "must be an object")]),
    ({"job_postings": [POSTING | {"url": {"href": "x"}}]}, [("job_postings[0].url", "must be text or null")]),
    ({"hiring_team": [{"id": "h1", "hiring_team_roles": ["OWNER"], "job_roles": []}]},
     [("hiring_team[0].hiring_team_roles[0]", "must be one of HIRING_MANAGER, RECRUITER, COORDINATOR, SOURCER, "
                                              "INTERVIEWER or null")]),
    ({"screening_questions": [{"id": "q1", "format": {"type": "ESSAY"}}]},
     [("screening_questions[0].format.type", "must be one of TEXT, NUMBER, FILE, SINGLE_SELECT, MULTI_SELECT, "
                                             "BOOLEAN, DATE, INFORMATION, UNKNOWN or null")]),
    ({"custom_fields": ["a"]}, [("custom_fields", "must be an object or null")]),
    ({"description": "a\x00b"}, [("description", "holds a NUL or a lone surrogate, which cannot be stored")]),
    ({"custom_fields": {"note\x00": "\ud800"}}, [("custom_fields.(key)", "holds a NUL or a lone surrogate, which cannot be stored"),
                                                ("custom_fields.note\ufffd", "holds a NUL or a lone surrogate, which cannot be stored")]),
    ({"salary_amount": float("nan")}, [("salary_amount", "is not a finite number")]),
])
def test_what_cannot_be_coerced_is_named_by_field(change, expected):
    assert problems(GOOD | change) == expected


def test_the_stored_copy_holds_only_what_can_be_stored_and_the_value_is_shown_short():
    checked = check_job(GOOD | {"description": "a\x00b", "name": "x" * 20_000})
    assert checked.data["description"] == "a\ufffdb" and checked.data["name"] == "x" * 20_000
    assert checked.values["name"] is None  # the column stays empty; the data keeps the whole value
    assert checked.quarantine[1] == {"field": "name", "value": '"' + "x" * 118 + "…",
                                     "problem": "is 20,000 characters long, more than 1,000"}


@pytest.mark.parametrize("job", [None, "job1", [GOOD], {"name": "Koch"}, {"id": ""}, {"id": "  "}, {"id": None},
                                 {"id": 4.5}, {"id": "a\x00"}, {"id": "x" * 201}])
def test_a_job_without_a_usable_id_cannot_be_stored(job):
    assert check_job(job).id is None and check_job(job).problems


def test_a_whole_number_id_is_its_text():
    assert check_job(GOOD | {"id": 42}).id == "42"


# --- the page check never misses what the job-by-job check finds ---

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30) | st.sampled_from(["", "OPEN", "\x00", "\ud800", "2024-01-01T00:00:00.000Z", "x" * 1001]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = [*GOOD, "location.city", "location.zip_code", "job_postings", "stages", "hiring_team", "screening_questions"]
NESTED = {
    "job_postings": st.lists(st.fixed_dictionaries({}, optional={key: JSON for key in POSTING}) | JSON, max_size=2),
    "stages": st.lists(st.fixed_dictionaries({"id": JSON}, optional={"status": JSON, "index": JSON}), max_size=2),
    "hiring_team": st.lists(st.fixed_dictionaries({"id": JSON, "hiring_team_roles": JSON, "job_roles": JSON}), max_size=2),
    "screening_questions": st.lists(st.fixed_dictionaries({"id": JSON, "format": JSON}), max_size=2),
}


@st.composite
def odd_jobs(draw) -> dict:
    job = json.loads(json.dumps(GOOD))
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
        value = draw(NESTED.get(field, JSON))
        if field.startswith("location."):
            if not isinstance(job.get("location"), dict):  # "location" drawn before as something else
                job["location"] = {}
            job["location"][field.partition(".")[2]] = value
        else:
            job[field] = value
    return job


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(odd_jobs() | JSON, min_size=1, max_size=6), st.randoms())
def test_the_page_check_agrees_with_the_job_by_job_check(jobs, rng):
    page = [*generate_jobs(3, seed=rng.randrange(100)), *jobs]
    rng.shuffle(page)
    def seen(checked):  # a clean job's values are the job itself: the same for the columns, not equal as objects
        return checked.id, checked.data, checked.problems

    assert list(map(seen, check_page(page))) == [seen(check_job(job)) for job in page]

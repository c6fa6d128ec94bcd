"""Whatever Kombo sends in any field of a job, a sync against the fake Kombo stores the page (the odd jobs
quarantined with their problems) and every posting of the customer afterwards answers without a 5xx."""

import itertools
import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from jobmatch.fixtures.fake_kombo import FakeKombo
from jobmatch.fixtures.kombo_jobs import generate_jobs
from jobmatch.store.models import AtsJob, SyncOutcome
from jobmatch.sync.kombo import KomboClient, RetryPolicy
from jobmatch.sync.runner import SyncRunner
from jobmatch.sync.validation import check_job
from tests.factories import add_api_key, add_integration

# any JSON; text without lone surrogates, which no HTTP body in UTF-8 can carry
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats() | st.text(max_size=40)
    | st.sampled_from(["", " ", "OPEN", "PAUSED", "a\x00b", "2024-01-01T00:00:00.000Z", "x" * 20_000]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
FIELDS = sorted(set(generate_jobs(1)[0]) - {"id"})
LOCATION_FIELDS = ("city", "zip_code", "country", "raw", "state")
POSTING_FIELDS = ("id", "remote_id", "title", "description_html", "status", "visibility", "url")
EXAMPLES = itertools.count()


@st.composite
def odd_fields(draw) -> dict:
    """Arbitrary JSON in a few top-level fields, in the location's fields and in a job posting's fields."""
    fields = {field: draw(JSON) for field in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True))}
    if draw(st.booleans()):
        fields["location"] = {key: draw(JSON) for key in draw(st.lists(st.sampled_from(LOCATION_FIELDS), unique=True))}
    if draw(st.booleans()):
        fields["job_postings"] = [{key: draw(JSON) for key in POSTING_FIELDS}]
    return fields


def text_or_none(value, limit=200):
    return value if isinstance(value, str) and value.strip() and "\x00" not in value and len(value) <= limit else None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow, HealthCheck.data_too_large])
@given(edits=st.lists(odd_fields(), min_size=1, max_size=3),
       odd_ids=st.lists(st.text(min_size=1, max_size=250), unique=True, max_size=2))
def test_any_job_shape_is_stored_and_no_posting_fails(sessions, client, edits, odd_ids) -> None:
    n = next(EXAMPLES)
    integration_id, slug = f"personio:AnyShape{n:04d}", f"any-shape-{n}"
    jobs = [job | {"id": f"{n}-{job['id']}"} for job in generate_jobs(6, seed=n)]
    with FakeKombo(api_key="kombo-key") as kombo:
        kombo.add_integration(integration_id, jobs=jobs)
        for job, fields in zip(jobs, edits):
            kombo.edit_job(integration_id, job["id"], **fields)
        for odd_id in odd_ids:
            kombo.add_job(integration_id, jobs[-1] | {"id": f"{n}:{odd_id}"})
        truth = kombo.truth(integration_id)
        add_integration(sessions, integration_id, slug=slug)
        retry = RetryPolicy(max_attempts=2, initial_delay=0.01, max_delay=0.1, rng=random.Random(n))
        with KomboClient("kombo-key", kombo.base_url, retry=retry, timeout=5.0) as kombo_client:
            result = SyncRunner(sessions, kombo_client).sync(integration_id)

    checked = {job_id: check_job(job) for job_id, job in truth.items()}
    storable = {job.id: job for job in checked.values() if job.id is not None}
    assert result.outcome == SyncOutcome.SUCCEEDED
    assert result.without_id == len(truth) - len(storable)
    with sessions() as session:
        stored = {job.id: job.quarantine for job in session.scalars(select(AtsJob).where(
            AtsJob.integration_id == integration_id))}
    assert stored == {job_id: job.quarantine for job_id, job in storable.items()}
    assert result.quarantined == sum(job.quarantine is not None for job in storable.values())

    key = add_api_key(sessions, slug, "poster")
    for number, job in enumerate(truth.values()):
        location = job.get("location") if isinstance(job.get("location"), dict) else {}
        posting = {"external_id": f"p{number}", "source": "indeed", "title": text_or_none(job.get("name"), 500) or "Koch",
                   "job_code": text_or_none(job.get("job_code")), "remote_id": text_or_none(job.get("remote_id")),
                   "post_url": text_or_none(job.get("post_url"), 2000),
                   "location": {"city": text_or_none(location.get("city")),
                                "zip_code": text_or_none(location.get("zip_code"), 20)}}
        response = client.post("/v1/postings", json=posting, headers={"Authorization": f"Bearer {key}"})
        assert response.status_code in (200, 201), (response.status_code, json.dumps(response.json)[:300])

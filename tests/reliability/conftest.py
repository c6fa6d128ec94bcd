"""What the reliability tests share: a Redis of their own (restartable), a fake Kombo with several pages."""

from collections.abc import Iterator

import pytest

from jobmatch.fixtures.fake_kombo import FakeKombo
from jobmatch.fixtures.kombo_jobs import generate_jobs
from tests.factories import INTEGRATION_ID
from tests.redis_server import redis_server  # noqa: F401 (a fixture)

JOB_COUNT = 600  # three pages of 250


@pytest.fixture
def kombo() -> Iterator[FakeKombo]:
    with FakeKombo(api_key="reliability-key") as fake:
        fake.add_integration(INTEGRATION_ID, jobs=generate_jobs(JOB_COUNT, seed=11))
        yield fake

"""Every database test runs on SQLite and on PostgreSQL, each backend in a database of its own made for the run.

PostgreSQL comes from JOBMATCH_TEST_POSTGRES_URL (default: the local server). When it is unreachable the
PostgreSQL half is skipped, except under CI=true, where that is a failure.
"""

import os
import uuid
from pathlib import Path
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from jobmatch.store.db import make_engine, make_session_factory
from jobmatch.store.migrate import upgrade
from jobmatch.store.models import Base

BACKENDS = [b.strip() for b in os.environ.get("JOBMATCH_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]
POSTGRES_URL = os.environ.get("JOBMATCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres_database() -> Iterator[str]:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"jobmatch_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL unreachable at {POSTGRES_URL}: {exc.orig}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database of one backend, shared by the tests of the session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'jobmatch.db'}"
        upgrade(url)
        yield url
    else:
        for url in _postgres_database():
            upgrade(url)
            yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory; every table is emptied after the test, so tests may commit like production code."""
    yield make_session_factory(engine)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def esco_data() -> Path:
    """The ESCO occupations of the workplace's shared data (`shared/` beside the checkout or a parent), read by the
    tests of what is built from them; a checkout without that folder has nothing to check them against."""
    from jobmatch.fixtures.worded import find_esco

    try:
        return find_esco()
    except FileNotFoundError as missing:
        pytest.skip(str(missing))

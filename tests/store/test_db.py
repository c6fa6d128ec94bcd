"""A pooled PostgreSQL connection is tested with a round trip before use only when it has lain idle: under load
the ping would cost every request a round trip, while an idle connection may have died meanwhile."""

import time

import pytest
from sqlalchemy import text

from jobmatch.store.db import PING_AFTER_IDLE_S, make_engine


def test_a_connection_is_pinged_before_use_only_after_lying_idle(database_url, monkeypatch) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite opens a file; there is no server connection to test")
    engine = make_engine(database_url)
    pings: list[int] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: pings.append(1) or ping(connection))
    try:
        for _ in range(3):  # a new connection, then the same one back from the pool at once
            with engine.connect() as connection:
                assert connection.scalar(text("SELECT 1")) == 1
        assert pings == []
        time.sleep(PING_AFTER_IDLE_S + 0.1)
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT 1")) == 1
        assert pings == [1]
    finally:
        engine.dispose()

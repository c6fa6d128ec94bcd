"""Engine and session setup for SQLite (the embedded default) and PostgreSQL."""

import time
from functools import cache
from typing import Any

from sqlalchemy import Column, Connection, Engine, Insert, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout so concurrent writers wait,
    PostgreSQL a ping of connections that lay idle in the pool."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


# A pooled connection is tested with a round trip before use only when it has lain idle this long (HikariCP's
# aliveBypassWindowMs, the same 500 ms): a server restart or an idle timeout in between is caught, while under
# load, where connections go back and forth every few milliseconds, a request saves the round trip that
# pool_pre_ping would spend on every checkout.
PING_AFTER_IDLE_S = 0.5


def _ping_when_idle(engine: Engine) -> None:
    def note_use(_dbapi_connection: Any, record: Any, *_: Any) -> None:
        record.info["last_used"] = time.monotonic()

    def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("last_used", 0.0) < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(f"a pooled connection failed its ping: {error}") from error  # pool reconnects

    event.listen(engine, "connect", note_use)
    event.listen(engine, "checkin", note_use)
    event.listen(engine, "checkout", ping_if_idle)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def on_its_own(session: Session) -> Connection:
    """A connection of the session's engine in autocommit, to use in a `with`: each statement on it is a
    transaction of its own, which the server ends as it answers, so it takes one round trip where a transaction
    adds BEGIN and COMMIT. For a read that need not share a snapshot with the request's other statements, or a
    write that is one statement. The session's own transaction, if any, is not touched."""
    return session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT")


def dialect_insert(db: Session | Engine, table: Any) -> Insert:
    """An INSERT with the backend's ON CONFLICT clauses (SQLite's and PostgreSQL's are alike), for a session's
    backend or an engine's."""
    bind = db.get_bind() if isinstance(db, Session) else db
    return (pg_insert if bind.dialect.name == "postgresql" else sqlite_insert)(table)


def insert_unless_exists(session: Session, returned: Column[Any], *unique: str) -> Insert:
    """INSERT ... ON CONFLICT (unique) DO NOTHING RETURNING returned, for the session's backend: execute it with
    the row as parameters; no row comes back when one with the same unique values exists already (also one a
    concurrent transaction is inserting), and there is no error to recover from. Built once per table."""
    return _insert_unless_exists(session.get_bind().dialect.name, returned, unique)


@cache
def _insert_unless_exists(dialect: str, returned: Column[Any], unique: tuple[str, ...]) -> Insert:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(returned.table).on_conflict_do_nothing(index_elements=list(unique)).returning(returned)

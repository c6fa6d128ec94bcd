"""Engine and session setup for SQLite (the embedded default) and PostgreSQL."""

from functools import cache
from typing import Any

from sqlalchemy import Column, Engine, Insert, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout so concurrent writers wait."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def insert_unless_exists(session: Session, returned: Column[Any], *unique: str) -> Insert:
    """INSERT ... ON CONFLICT (unique) DO NOTHING RETURNING returned, for the session's backend: execute it with
    the row as parameters; no row comes back when one with the same unique values exists already (also one a
    concurrent transaction is inserting), and there is no error to recover from. Built once per table."""
    return _insert_unless_exists(session.get_bind().dialect.name, returned, unique)


@cache
def _insert_unless_exists(dialect: str, returned: Column[Any], unique: tuple[str, ...]) -> Insert:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(returned.table).on_conflict_do_nothing(index_elements=list(unique)).returning(returned)

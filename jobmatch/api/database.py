"""One SQLAlchemy session per request, opened when first needed and closed when the request ends."""

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from jobmatch.store.db import make_engine, make_session_factory


class Database:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = make_session_factory(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def session() -> Session:
    """The request's session; uncommitted work is rolled back when the request ends."""
    if "session" not in g:
        g.session = database(current_app).sessions()
    return g.session


def database(app: Flask) -> Database:
    return app.extensions["jobmatch.database"]


def close_session(_exc: BaseException | None = None) -> None:
    opened = g.pop("session", None)
    if opened is not None:
        opened.close()

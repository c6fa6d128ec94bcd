"""The stored forms of ATS job titles (jobmatch.store.models.TitleForm) that a pool's build reads instead of
normalizing its titles anew, and the forms a build made, written after it by a thread of their own.

The forms are a cache: a build without them (the first, or after the matcher's FORM_VERSION changed) normalizes
as it would, and failing to write them costs the next build its time, nothing else. A form is written once per
title and version; a process at a newer version replaces an older one's form, never the other way round."""

import logging
from collections.abc import Mapping
from functools import cache

from sqlalchemy import Engine, Select, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from jobmatch.matcher.titles import FORM_VERSION
from jobmatch.store.db import dialect_insert, make_engine
from jobmatch.store.models import TitleForm

log = logging.getLogger(__name__)

LONGEST_NAME = 500  # longer titles are not kept (a key that long is an unusual title, and costs its index)
WRITE_CHUNK = 1000  # forms per statement
_FORMS = TitleForm.__table__


def read(session: Session, names: Select) -> dict[str, str]:
    """The stored forms, at the matcher's version, of the titles `names` selects (a query of one column)."""
    return dict(session.execute(select(_FORMS.c.name, _FORMS.c.form).where(
        _FORMS.c.version == FORM_VERSION, _FORMS.c.name.in_(names))).all())


def write(engine: Engine, forms: Mapping[str, str]) -> None:
    """Keep these forms (title -> form) at the matcher's version, in one transaction of their own."""
    rows = [{"name": name, "version": FORM_VERSION, "form": form} for name, form in sorted(forms.items())
            if len(name) <= LONGEST_NAME]  # in order: writers of the same titles lock them in the same order
    if not rows:
        return
    insert = dialect_insert(engine, _FORMS)
    upsert = insert.on_conflict_do_update(
        index_elements=[_FORMS.c.name], set_={"version": insert.excluded.version, "form": insert.excluded.form},
        where=_FORMS.c.version < insert.excluded.version)
    try:
        with _writer(engine.url.render_as_string(hide_password=False)).begin() as connection:
            for start in range(0, len(rows), WRITE_CHUNK):
                connection.execute(upsert, rows[start : start + WRITE_CHUNK])
    except SQLAlchemyError as error:
        log.warning("could not keep %d title forms (the next build normalizes them again): %s", len(rows), error)


@cache
def _writer(url: str) -> Engine:
    """An engine of the process's own for the database, without a pool: its connection is closed once the forms
    are written, as the thread writing them may outlive the caller's engine (disposed as a process or a test
    ends), whose pool would then drop a connection it lent unclosed."""
    return make_engine(url, poolclass=NullPool)

"""Keyset pagination for list routes: pages ordered by a key column, and opaque cursors naming the last key seen
and what kind of list it belongs to, so a cursor of one list is refused by another."""

import base64
import binascii
from collections.abc import Callable
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from jobmatch.api.database import session
from jobmatch.api.errors import fail


def keyset_page(
    statement: Select[Any], key: InstrumentedAttribute[Any], kind: str, query: dict[str, Any],
    parse: Callable[[str], Any] = lambda text: text or None, descending: bool = False,
) -> dict[str, Any]:
    """One page of `statement` (already ordered by `key`, descending if said) after `query["cursor"]`, at most
    `query["limit"]` items, with the cursor of the next page or None. `parse` turns a cursor's key text back into
    a key, None if invalid."""
    if "cursor" in query:
        after = _after(query["cursor"], kind, parse)
        statement = statement.where(key < after if descending else key > after)
    items = list(session().scalars(statement.limit(query["limit"] + 1)))
    more = len(items) > query["limit"]
    items = items[: query["limit"]]
    next_cursor = base64.urlsafe_b64encode(f"{kind}:{getattr(items[-1], key.key)}".encode()).decode() if more else None
    return {"items": items, "next_cursor": next_cursor}


MAX_ID = 2**31 - 1  # an integer id column's range: larger ids cannot exist, and PostgreSQL refuses to compare them


def int_key(text: str) -> int | None:
    """An integer id from a cursor's or a path's text; None when it cannot be an id."""
    return int(text) if text.isdigit() and int(text) <= MAX_ID else None


def _after(cursor: str, kind: str, parse: Callable[[str], Any]) -> Any:
    try:
        found, _, text = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        last = parse(text) if found == kind else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        last = None
    if last is None:
        fail(422, "the cursor is not one this API gave", {"query": {"cursor": ["not a cursor this API gave"]}})
    return last

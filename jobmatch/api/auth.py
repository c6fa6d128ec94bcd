"""Bearer API keys: who calls (customer, role, key, the person's name), checked before a route reads its input.
Each request's log line names the key, which makes the request log the audit of who did what."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from flask import g, request
from sqlalchemy import bindparam, or_, select, update

from jobmatch import logs
from jobmatch.api.database import session
from jobmatch.api.errors import fail
from jobmatch.api.keys import hash_key
from jobmatch.api.pools import VERSION_COLUMNS, VERSION_JOIN, VERSION_ORDER, PoolVersions
from jobmatch.store.db import on_its_own
from jobmatch.store.models import ApiKey, Role
from jobmatch.store.types import utcnow

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="jobmatch"'}
_KEYS = ApiKey.__table__.c
# built once, of table columns (no ORM entity to load): every request runs it. The customer's pool versions
# come along, sparing a posting the round trip that would read them next.
_KEY = (
    select(_KEYS.id.label("key_id"), _KEYS.customer_id, _KEYS.role, _KEYS.prefix, _KEYS.name, _KEYS.revoked_at,
           _KEYS.expires_at, _KEYS.last_used_at, *VERSION_COLUMNS)
    .select_from(ApiKey.__table__.join(VERSION_JOIN))
    .where(_KEYS.key_hash == bindparam("key_hash"))
    .order_by(VERSION_ORDER)
)


# last_used_at is written when it is older than this: "last used" to the minute costs one write a minute per
# key, not one per request
LAST_USE_PRECISION = timedelta(minutes=1)
_NOTE_USE = (update(ApiKey.__table__).where(_KEYS.id == bindparam("key_id"))
             .where(or_(_KEYS.last_used_at.is_(None), _KEYS.last_used_at < bindparam("stale")))
             .values(last_used_at=bindparam("now")))


@dataclass(frozen=True)
class Caller:
    customer_id: int
    role: str
    prefix: str  # recorded as the actor of the caller's decisions
    pool_versions: PoolVersions | None = None  # as read with the key, when the request began
    key_id: int | None = None
    name: str | None = None  # the person or system holding the key

    @property
    def label(self) -> str:
        return self.name or f"{self.prefix}…"


def caller() -> Caller:
    return g.caller


def allows(role: str, roles: tuple[str, ...]) -> bool:
    """Whether a key of `role` may do what these roles may (admins may do everything)."""
    return role == Role.ADMIN or role in roles or any(held in roles for held in Role.INCLUDES.get(role, ()))


def key_refusal(revoked_at: datetime | None, expires_at: datetime | None, now: datetime) -> str | None:
    """Why a stored key no longer signs in; None while it does."""
    if revoked_at is not None:
        return "the API key is unknown or revoked"
    if expires_at is not None and expires_at <= now:
        return f"the API key expired at {expires_at:%Y-%m-%d %H:%M} UTC"
    return None


def requires(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let the route run for keys of these roles (admins always); 401 without a valid key, 403 for others."""
    allowed = {role for role in Role.ALL if allows(role, roles)}

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.caller = _authenticate()
            if g.caller.role not in allowed:
                fail(403, f"a {g.caller.role} key may not do this; it needs one of: {', '.join(sorted(allowed))}")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _authenticate() -> Caller:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        fail(401, "send an API key as 'Authorization: Bearer KEY'", headers=CHALLENGE)
    now = utcnow()
    with on_its_own(session()) as connection:  # the route's work, if any, starts its own transaction
        rows = connection.execute(_KEY, {"key_hash": hash_key(key.strip())}).all()
        refusal = (key_refusal(rows[0].revoked_at, rows[0].expires_at, now) if rows
                   else "the API key is unknown or revoked")
        if refusal is None and (rows[0].last_used_at is None or rows[0].last_used_at < now - LAST_USE_PRECISION):
            connection.execute(_NOTE_USE, {"key_id": rows[0].key_id, "stale": now - LAST_USE_PRECISION, "now": now})
    if refusal is not None:
        fail(401, refusal, headers=CHALLENGE)
    row = rows[0]
    found = Caller(customer_id=row.customer_id, role=row.role, prefix=row.prefix, pool_versions=PoolVersions.of(rows),
                   key_id=row.key_id, name=row.name)
    identify(found)
    return found


def identify(who: Caller) -> None:
    """Name the caller on every log line of the request (the request's own line too)."""
    logs.push(key=who.prefix, actor=who.label)


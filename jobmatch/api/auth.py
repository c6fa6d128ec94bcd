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
from jobmatch.api import aliases
from jobmatch.api.database import session
from jobmatch.api.errors import fail
from jobmatch.api.keys import hash_key
from jobmatch.api.pools import VERSION_COLUMNS, PoolVersions
from jobmatch.store.db import on_its_own
from jobmatch.store.models import ApiKey, Customer, Role
from jobmatch.store.types import utcnow

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="jobmatch"'}
_KEYS = ApiKey.__table__.c
# built once, of table columns (no ORM entity to load): every request runs it. The customer's pool versions
# come along, sparing a posting the round trip that would read them next.
_KEY_COLUMNS = (_KEYS.id.label("key_id"), _KEYS.customer_id, _KEYS.role, _KEYS.prefix, _KEYS.name, _KEYS.revoked_at,
                _KEYS.expires_at, _KEYS.last_used_at, *VERSION_COLUMNS)
_KEY_AND_CUSTOMER = ApiKey.__table__.join(Customer.__table__)
_KEY = select(*_KEY_COLUMNS).select_from(_KEY_AND_CUSTOMER).where(_KEYS.key_hash == bindparam("key_hash"))
# ... and the learned aliases of the title a posting in the request names: one row per alias
_KEY_AND_ALIASES = (select(*_KEY_COLUMNS, *aliases.ALONG)
                    .select_from(aliases.outer_join(_KEY_AND_CUSTOMER, _KEYS.customer_id))
                    .where(_KEYS.key_hash == bindparam("key_hash")))


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
    title_aliases: aliases.Read | None = None  # those of the title the request's posting names, read with the key
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


def requires(*roles: str, title_key: Callable[[], str | None] | None = None
             ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let the route run for keys of these roles (admins always); 401 without a valid key, 403 for others.
    `title_key`, for a route taking a posting: the title key of the posting in the request, whose learned aliases
    the key's query reads along (`Caller.title_aliases`); it must not raise, since it runs before the body is
    checked and the key's errors come first."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            scheme, _, key = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not key.strip():
                fail(401, "send an API key as 'Authorization: Bearer KEY'", headers=CHALLENGE)
            sign_in(key, *roles, title_key=title_key() if title_key else None)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def sign_in(key: str, *roles: str, title_key: str | None = None) -> Caller:
    """Make the key's holder the request's caller if the key is valid (401 otherwise) and may act as one of the
    roles (403 otherwise). `requires` reads the key from the Authorization header; a route whose callers cannot
    send headers passes the key it found elsewhere. With a `title_key`, its learned aliases are read along."""
    g.caller = _authenticate(key.strip(), title_key)
    if not allows(g.caller.role, roles):
        allowed = {role for role in Role.ALL if allows(role, roles)}
        fail(403, f"a {g.caller.role} key may not do this; it needs one of: {', '.join(sorted(allowed))}")
    return g.caller


def _authenticate(key: str, title_key: str | None) -> Caller:
    now, rows = utcnow(), []
    with on_its_own(session()) as connection:  # the route's work, if any, starts its own transaction
        if key and title_key:
            rows = connection.execute(_KEY_AND_ALIASES, {"key_hash": hash_key(key), "title_key": title_key}).all()
        elif key:
            rows = connection.execute(_KEY, {"key_hash": hash_key(key)}).all()
        row = rows[0] if rows else None
        refusal = key_refusal(row.revoked_at, row.expires_at, now) if row else "the API key is unknown or revoked"
        if refusal is None and (row.last_used_at is None or row.last_used_at < now - LAST_USE_PRECISION):
            connection.execute(_NOTE_USE, {"key_id": row.key_id, "stale": now - LAST_USE_PRECISION, "now": now})
    if refusal is not None:
        fail(401, refusal, headers=CHALLENGE)
    found = Caller(customer_id=row.customer_id, role=row.role, prefix=row.prefix, pool_versions=PoolVersions.of(row),
                   title_aliases=aliases.along(title_key, rows) if title_key else None, key_id=row.key_id,
                   name=row.name)
    identify(found)
    return found


def identify(who: Caller) -> None:
    """Name the caller on every log line of the request (the request's own line too)."""
    logs.push(key=who.prefix, actor=who.label)

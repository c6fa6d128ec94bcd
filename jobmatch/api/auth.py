"""Bearer API keys: who calls (customer, role, key prefix), checked before a route reads its input."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import g, request
from sqlalchemy import bindparam, select

from jobmatch.api.database import session
from jobmatch.api.errors import fail
from jobmatch.api.keys import hash_key
from jobmatch.api.pools import VERSION_COLUMNS, PoolVersions
from jobmatch.store.db import on_its_own
from jobmatch.store.models import ApiKey, Customer, Role

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="jobmatch"'}
_KEYS = ApiKey.__table__.c
# built once, of table columns (no ORM entity to load): every request runs it. The customer's pool versions
# come along, sparing a posting the round trip that would read them next.
_KEY = (
    select(_KEYS.customer_id, _KEYS.role, _KEYS.prefix, _KEYS.revoked_at, *VERSION_COLUMNS)
    .select_from(ApiKey.__table__.join(Customer.__table__))
    .where(_KEYS.key_hash == bindparam("key_hash"))
)


@dataclass(frozen=True)
class Caller:
    customer_id: int
    role: str
    prefix: str  # recorded as the actor of the caller's decisions
    pool_versions: PoolVersions | None = None  # as read with the key, when the request began


def caller() -> Caller:
    return g.caller


def requires(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let the route run for keys of these roles (admins always); 401 without a valid key, 403 for others."""
    allowed = {*roles, Role.ADMIN}

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
    with on_its_own(session()) as connection:  # the route's work, if any, starts its own transaction
        row = connection.execute(_KEY, {"key_hash": hash_key(key.strip())}).first()
    if row is None or row.revoked_at is not None:
        fail(401, "the API key is unknown or revoked", headers=CHALLENGE)
    return Caller(customer_id=row.customer_id, role=row.role, prefix=row.prefix, pool_versions=PoolVersions.of(row))


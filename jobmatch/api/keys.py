"""API keys: random, shown once, stored as SHA-256; the visible prefix tells keys apart in logs and history, the
name says whose key it is."""

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobmatch.store.models import ApiKey, Customer, Role
from jobmatch.store.types import utcnow

KEY_PREFIX = "jm_"
VISIBLE_CHARS = 11  # "jm_" and 8 random characters
MAX_NAME = 200


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, customer_slug: str, role: str, name: str | None = None,
               expires_at: datetime | None = None) -> str:
    """A new key for the customer; the caller commits and shows it, since only its hash is kept."""
    if role not in Role.ALL:
        raise ValueError(f"role must be one of {', '.join(Role.ALL)}, not {role!r}")
    name = (name or "").strip() or None
    if name is not None and len(name) > MAX_NAME:
        raise ValueError(f"a key's name has at most {MAX_NAME} characters, not {len(name)}")
    if expires_at is not None and expires_at <= utcnow():
        raise ValueError(f"the expiry {expires_at:%Y-%m-%d %H:%M} UTC has passed already")
    customer = _customer(session, customer_slug)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(customer_id=customer.id, role=role, key_hash=hash_key(key), prefix=key[:VISIBLE_CHARS],
                       name=name, expires_at=expires_at))
    return key


def customer_keys(session: Session, customer_slug: str) -> list[ApiKey]:
    """The customer's keys, revoked ones too, oldest first."""
    customer = _customer(session, customer_slug)
    return list(session.scalars(select(ApiKey).where(ApiKey.customer_id == customer.id).order_by(ApiKey.id)))


def revoke_key(session: Session, customer_slug: str, prefix: str) -> ApiKey:
    """Revoke the customer's key with this prefix (as `keys list` shows it); revoking twice keeps the first time."""
    found = [key for key in customer_keys(session, customer_slug) if key.prefix == prefix.rstrip("…")]
    if not found:
        raise LookupError(f"customer {customer_slug!r} has no key with the prefix {prefix!r}")
    if len(found) > 1:
        raise LookupError(f"{len(found)} keys of {customer_slug!r} share the prefix {prefix!r}; revoke them in the "
                          "database by id")
    if found[0].revoked_at is None:
        found[0].revoked_at = utcnow()
    return found[0]


def _customer(session: Session, slug: str) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.slug == slug))
    if customer is None:
        raise LookupError(f"no customer {slug!r}")
    return customer

"""API keys: random, shown once, stored as SHA-256; the visible prefix tells keys apart in logs and history."""

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobmatch.store.models import ApiKey, Customer, Role

KEY_PREFIX = "jm_"
VISIBLE_CHARS = 11  # "jm_" and 8 random characters


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, customer_slug: str, role: str) -> str:
    """A new key for the customer; the caller commits and shows it, since only its hash is kept."""
    if role not in Role.ALL:
        raise ValueError(f"role must be one of {', '.join(Role.ALL)}, not {role!r}")
    customer = session.scalar(select(Customer).where(Customer.slug == customer_slug))
    if customer is None:
        raise LookupError(f"no customer {customer_slug!r}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(customer_id=customer.id, role=role, key_hash=hash_key(key), prefix=key[:VISIBLE_CHARS]))
    return key

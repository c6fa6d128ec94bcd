"""Settings from the environment, validated once at start so a bad value fails fast with its variable's name."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

KOMBO_REGIONS = {
    "eu": "https://api.kombo.dev",
    "us": "https://api.us.kombo.dev",
    "ca": "https://api.ca.kombo.dev",
}

MIN_SECRET_KEY_CHARS = 32
MIN_METRICS_TOKEN_CHARS = 16
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(ValueError):
    """An environment variable holds a value jobmatch cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    kombo_base_url: str
    kombo_api_key: str | None
    kombo_webhook_secret: str | None
    instance_path: Path
    redis_url: str | None = None  # the task queue's Redis; None: a SQLite file in the instance folder
    secret_key: str | None = None  # signs the review page's session cookie; None: a key kept in the instance folder
    safety_sync_minutes: int = 60  # an integration not synced for this long is synced by the safety net
    metrics_token: str | None = None  # the bearer token /metrics asks for; None: /metrics is off
    log_format: str = "text"  # text for a terminal, json for a log collector
    log_level: str | None = None  # None: INFO for serve and worker, WARNING for one-off commands
    review_claim_minutes: int = 10  # how long a reviewer's next posting stays theirs alone

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        instance = Path(env.get("JOBMATCH_INSTANCE_PATH") or "instance").resolve()
        database_url = env.get("JOBMATCH_DATABASE_URL") or f"sqlite:///{instance / 'jobmatch.db'}"
        return cls(
            database_url=_database_url(database_url),
            kombo_base_url=_kombo_base_url(env.get("KOMBO_BASE_URL") or "eu"),
            kombo_api_key=env.get("KOMBO_API_KEY") or None,
            kombo_webhook_secret=env.get("KOMBO_WEBHOOK_SECRET") or None,
            instance_path=instance,
            redis_url=_redis_url(env.get("JOBMATCH_REDIS_URL") or None),
            secret_key=_random_text("JOBMATCH_SECRET_KEY", env.get("JOBMATCH_SECRET_KEY") or None, MIN_SECRET_KEY_CHARS),
            safety_sync_minutes=_safety_sync_minutes(env.get("JOBMATCH_SAFETY_SYNC_MINUTES") or "60"),
            metrics_token=_random_text(
                "JOBMATCH_METRICS_TOKEN", env.get("JOBMATCH_METRICS_TOKEN") or None, MIN_METRICS_TOKEN_CHARS
            ),
            log_format=_log_format(env.get("JOBMATCH_LOG_FORMAT") or "text"),
            log_level=_log_level(env.get("JOBMATCH_LOG_LEVEL") or None),
            review_claim_minutes=_minutes(
                "JOBMATCH_REVIEW_CLAIM_MINUTES", env.get("JOBMATCH_REVIEW_CLAIM_MINUTES") or "10", 24 * 60, "a day"),
        )


def _database_url(value: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise ConfigError(f"JOBMATCH_DATABASE_URL is not a database URL ({value!r}): {exc}") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"JOBMATCH_DATABASE_URL uses {url.get_backend_name()!r}; jobmatch supports sqlite and postgresql"
        )
    if url.drivername == "postgresql":  # say psycopg (3) explicitly, whatever the SQLAlchemy default
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _redis_url(value: str | None) -> str | None:
    if value is not None and urlsplit(value).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(f"JOBMATCH_REDIS_URL must be a redis://, rediss:// or unix:// URL, not {value!r}")
    return value


def _random_text(variable: str, value: str | None, min_chars: int) -> str | None:
    """A secret an operator makes up: long enough that guessing it is hopeless."""
    if value is not None and len(value) < min_chars:
        raise ConfigError(
            f"{variable} must be at least {min_chars} characters of random text, not {len(value)}; "
            "make one with: python -c 'import secrets; print(secrets.token_urlsafe())'"
        )
    return value


def _safety_sync_minutes(value: str) -> int:
    return _minutes("JOBMATCH_SAFETY_SYNC_MINUTES", value, 7 * 24 * 60, "a week")


def _minutes(variable: str, value: str, most: int, most_in_words: str) -> int:
    try:
        minutes = int(value)
    except ValueError:
        minutes = 0
    if not 1 <= minutes <= most:
        raise ConfigError(
            f"{variable} must be a whole number of minutes from 1 to {most} ({most_in_words}), not {value!r}")
    return minutes


def _log_format(value: str) -> str:
    return _choice("JOBMATCH_LOG_FORMAT", value.lower(), LOG_FORMATS)


def _log_level(value: str | None) -> str | None:
    return None if value is None else _choice("JOBMATCH_LOG_LEVEL", value.upper(), LOG_LEVELS)


def _choice(variable: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"{variable} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _kombo_base_url(value: str) -> str:
    """The API root without `/v1`: a region name (eu, us, ca) or a URL (a local fake in tests and demos)."""
    if value.lower() in KOMBO_REGIONS:
        return KOMBO_REGIONS[value.lower()]
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"KOMBO_BASE_URL must be eu, us, ca or an http(s) URL like https://api.kombo.dev, not {value!r}"
        )
    base = value.rstrip("/")
    return base.removesuffix("/v1")

"""Settings from the environment, validated once at start so a bad value fails fast with its variable's name."""

import os
import secrets
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
SECRET_KEY_FILE = "secret_key"  # in the instance folder, when JOBMATCH_SECRET_KEY is not set
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
    reconcile_hours: int = 24  # a full read that marks vanished jobs, per integration, at most this far apart
    sync_overlap_seconds: int = 300  # an incremental read asks from this long before the watermark
    max_retry_after_seconds: int = 600  # the longest Retry-After a sync waits; a longer one reschedules it
    lookup_delay_seconds: int = 30  # unknown identifiers wait this long for others to join their lookup
    metrics_token: str | None = None  # the bearer token /metrics asks for; None: /metrics is off
    log_format: str = "text"  # text for a terminal, json for a log collector
    log_level: str | None = None  # None: INFO for serve and worker, WARNING for one-off commands
    pool_cache_mb: int = 256  # what one process's indexes of ATS jobs may hold together, in MiB
    webhook_retry_seconds: int = 30  # the first retry's delay of a failed webhook delivery; doubling after
    feed_minutes: int = 60  # how often the workers fetch each job feed
    outbound_allow: frozenset[str] = frozenset()  # hosts webhooks and feeds may reach although not public
    review_claim_minutes: int = 10  # how long a reviewer's next posting stays theirs alone

    def instance_secret_key(self) -> str:
        """JOBMATCH_SECRET_KEY, or else a key generated once per instance folder and kept there (development): it
        signs the review page's session cookie and the pools' snapshots."""
        if self.secret_key:
            return self.secret_key
        path = Path(self.instance_path) / SECRET_KEY_FILE
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with path.open("x") as file:  # "x": of two processes starting at once, one writes, both read it
                    file.write(secrets.token_urlsafe(48))
            except FileExistsError:
                pass
            path.chmod(0o600)
            return path.read_text().strip()

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
            safety_sync_minutes=_whole_number(env, "JOBMATCH_SAFETY_SYNC_MINUTES", 60, 1, 7 * 24 * 60, "minutes"),
            reconcile_hours=_whole_number(env, "JOBMATCH_RECONCILE_HOURS", 24, 1, 14 * 24, "hours"),
            sync_overlap_seconds=_whole_number(env, "JOBMATCH_SYNC_OVERLAP_SECONDS", 300, 0, 24 * 3600, "seconds"),
            max_retry_after_seconds=_whole_number(env, "JOBMATCH_MAX_RETRY_AFTER_SECONDS", 600, 1, 3600, "seconds"),
            lookup_delay_seconds=_whole_number(env, "JOBMATCH_LOOKUP_DELAY_SECONDS", 30, 0, 3600, "seconds"),
            metrics_token=_random_text(
                "JOBMATCH_METRICS_TOKEN", env.get("JOBMATCH_METRICS_TOKEN") or None, MIN_METRICS_TOKEN_CHARS
            ),
            log_format=_log_format(env.get("JOBMATCH_LOG_FORMAT") or "text"),
            log_level=_log_level(env.get("JOBMATCH_LOG_LEVEL") or None),
            pool_cache_mb=_pool_cache_mb(env.get("JOBMATCH_POOL_CACHE_MB") or "256"),
            webhook_retry_seconds=_whole_number(env, "JOBMATCH_WEBHOOK_RETRY_SECONDS", 30, 1, 3600, "seconds"),
            feed_minutes=_whole_number(env, "JOBMATCH_FEED_MINUTES", 60, 1, 7 * 24 * 60, "minutes"),
            outbound_allow=_hosts("JOBMATCH_OUTBOUND_ALLOW", env.get("JOBMATCH_OUTBOUND_ALLOW") or ""),
            review_claim_minutes=_whole_number(env, "JOBMATCH_REVIEW_CLAIM_MINUTES", 10, 1, 24 * 60, "minutes"),
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


def _whole_number(env: Mapping[str, str], variable: str, default: int, low: int, high: int, unit: str) -> int:
    value = env.get(variable) or str(default)
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise ConfigError(f"{variable} must be a whole number of {unit} from {low} to {high}, not {value!r}")
    return number


def _pool_cache_mb(value: str) -> int:
    try:
        megabytes = int(value)
    except ValueError:
        megabytes = 0
    if not 16 <= megabytes <= 1024 * 1024:
        raise ConfigError(
            f"JOBMATCH_POOL_CACHE_MB must be a whole number of MiB from 16 to 1048576, not {value!r} "
            "(a pool of 100,000 jobs takes about 85 MiB)"
        )
    return megabytes


def _hosts(variable: str, value: str) -> frozenset[str]:
    """Comma-separated host names or addresses, compared as written in URLs (lower case, IPv6 without [])."""
    hosts = {host.strip().lower().strip("[]") for host in value.split(",") if host.strip()}
    if bad := sorted(host for host in hosts if any(c in host for c in "/@ ")):
        raise ConfigError(f"{variable} takes host names or addresses separated by commas, not {', '.join(bad)}")
    return frozenset(hosts)


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

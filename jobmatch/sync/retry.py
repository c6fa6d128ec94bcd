"""How long to wait before trying Kombo again: exponential backoff with jitter, and the server's own hints.

Kept apart from the HTTP code so the arithmetic can be checked by tables of examples.
"""

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded by a number of attempts and a total time budget.

    The backoff follows Kombo's own SDK (start 0.5 s, x1.5, 60 s cap). "equal" jitter waits between half and
    all of the computed delay, so clients that failed together spread out without ever retrying at once;
    "full" jitter waits anywhere between 0 and the computed delay. A wait the server asks for (Retry-After) is
    kept as sent up to `max_server_wait`; a longer one is not slept here: the caller reschedules the work.
    """

    max_attempts: int = 8
    initial_delay: float = 0.5
    multiplier: float = 1.5
    max_delay: float = 60.0
    jitter: Literal["full", "equal"] = "equal"
    total_budget: float = 900.0  # seconds from the first attempt; no retry is started that would end later
    max_server_wait: float = 600.0  # the longest Retry-After slept; the budget leaves room for one such wait
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        rules = [
            (self.max_attempts >= 1, f"max_attempts must be at least 1, got {self.max_attempts}"),
            (self.initial_delay > 0, f"initial_delay must be positive, got {self.initial_delay}"),
            (self.multiplier >= 1, f"multiplier must be at least 1, got {self.multiplier}"),
            (self.max_delay >= self.initial_delay, f"max_delay {self.max_delay} is below initial_delay"),
            (self.jitter in ("full", "equal"), f"jitter must be 'full' or 'equal', got {self.jitter!r}"),
            (self.total_budget > 0, f"total_budget must be positive, got {self.total_budget}"),
            (self.max_server_wait > 0, f"max_server_wait must be positive, got {self.max_server_wait}"),
        ]
        problems = [message for ok, message in rules if not ok]
        if problems:
            raise ValueError("RetryPolicy: " + "; ".join(problems))

    def backoff(self, retry: int) -> float:
        """The jittered delay before retry number `retry` (1 = the wait after the first failed attempt)."""
        ceiling = min(self.max_delay, self.initial_delay * self.multiplier ** (retry - 1))
        floor = ceiling / 2 if self.jitter == "equal" else 0.0
        return self.rng.uniform(floor, ceiling)

    def delay(self, retry: int, server_hint: float | None = None) -> float:
        """The wait before retry `retry`: the larger of the backoff and the server's hint (the hint uncapped:
        callers check it against `max_server_wait` first)."""
        return max(self.backoff(retry), server_hint or 0.0)

    def waits_too_long(self, server_hint: float | None) -> bool:
        """The server asked for a longer wait than this policy sleeps."""
        return server_hint is not None and server_hint > self.max_server_wait


def server_delay(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds the server asked us to wait: the larger of `Retry-After` (seconds or an HTTP date) and
    `ratelimit-reset` (seconds); None when neither is present and readable."""
    hints = [_seconds(headers.get("ratelimit-reset"))]
    retry_after = headers.get("retry-after")
    hints.append(_seconds(retry_after))
    if retry_after is not None and hints[-1] is None:
        hints.append(_until(retry_after, now))
    known = [hint for hint in hints if hint is not None]
    return max(known) if known else None


def _seconds(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else math.nan
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _until(http_date: str, now: datetime) -> float | None:
    try:
        moment = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # "-0000": RFC 9110 dates are GMT anyway
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())

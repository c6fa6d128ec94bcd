"""The backoff arithmetic and the reading of the server's wait hints, by tables of examples."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from jobmatch.sync.retry import RetryPolicy, server_delay

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class Edge(random.Random):
    """Jitter pinned to the lowest or the highest value allowed, to check both bounds exactly."""

    def __init__(self, highest: bool) -> None:
        super().__init__(0)
        self.highest = highest

    def uniform(self, a: float, b: float) -> float:
        return b if self.highest else a


@pytest.mark.parametrize(
    ("jitter", "retry", "lowest", "highest"),
    [
        ("equal", 1, 0.25, 0.5),
        ("equal", 2, 0.375, 0.75),
        ("equal", 3, 0.5625, 1.125),
        ("equal", 30, 30.0, 60.0),  # 0.5 * 1.5**29 is far above the cap
        ("full", 1, 0.0, 0.5),
        ("full", 4, 0.0, 1.6875),
        ("full", 30, 0.0, 60.0),
    ],
)
def test_backoff_bounds(jitter, retry, lowest, highest):
    assert RetryPolicy(jitter=jitter, rng=Edge(highest=False)).backoff(retry) == pytest.approx(lowest)
    assert RetryPolicy(jitter=jitter, rng=Edge(highest=True)).backoff(retry) == pytest.approx(highest)


@pytest.mark.parametrize("jitter", ["equal", "full"])
def test_seeded_backoff_stays_within_bounds_and_repeats(jitter):
    first = RetryPolicy(jitter=jitter, rng=random.Random(42))
    again = RetryPolicy(jitter=jitter, rng=random.Random(42))
    delays = [first.backoff(retry) for retry in range(1, 15)]
    assert delays == [again.backoff(retry) for retry in range(1, 15)]
    for retry, delay in enumerate(delays, start=1):
        ceiling = min(60.0, 0.5 * 1.5 ** (retry - 1))
        assert (ceiling / 2 if jitter == "equal" else 0.0) <= delay <= ceiling
    assert len(set(delays)) == len(delays)  # jittered, not a fixed schedule


@pytest.mark.parametrize(
    ("retry", "hint", "expected"),
    [
        (1, None, 0.5),  # no hint: the backoff
        (1, 0.0, 0.5),
        (1, 7.0, 7.0),  # the server asks for longer: obey
        (5, 1.0, 2.53125),  # the backoff is longer than the hint: keep the backoff
        (1, 600.0, 600.0),  # the server's hint as sent, beyond max_delay
        (40, None, 60.0),
    ],
)
def test_delay_takes_the_larger_of_backoff_and_hint(retry, hint, expected):
    assert RetryPolicy(rng=Edge(highest=True)).delay(retry, hint) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"max_attempts": 0}, "max_attempts must be at least 1"),
        ({"initial_delay": 0}, "initial_delay must be positive"),
        ({"multiplier": 0.9}, "multiplier must be at least 1"),
        ({"max_delay": 0.1}, "max_delay 0.1 is below initial_delay"),
        ({"jitter": "none"}, "jitter must be 'full' or 'equal'"),
        ({"total_budget": -1}, "total_budget must be positive"),
    ],
)
def test_policy_rejects_nonsense(settings, complaint):
    with pytest.raises(ValueError, match=complaint):
        RetryPolicy(**settings)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": format_datetime(NOW + timedelta(seconds=30), usegmt=True)}, 30.0),
        ({"retry-after": format_datetime(NOW - timedelta(seconds=30), usegmt=True)}, 0.0),  # already passed
        ({"retry-after": "Mon, 02 Mar 2026 09:31:00 -0000"}, 60.0),
        ({"ratelimit-reset": "12"}, 12.0),
        ({"retry-after": "3", "ratelimit-reset": "12"}, 12.0),  # the larger wins
        ({"retry-after": "20", "ratelimit-reset": "12"}, 20.0),
        ({"retry-after": "soon"}, None),  # unreadable hints are ignored
        ({"retry-after": "-5"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after": "nan", "ratelimit-reset": "4"}, 4.0),
        ({"ratelimit-reset": ""}, None),
    ],
)
def test_server_delay(headers, expected):
    assert server_delay(headers, NOW) == (pytest.approx(expected) if expected is not None else None)

"""When to retry, and how long to wait: exponential backoff with jitter, ``Retry-After``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

#: Statuses that mean "try again later": throttled, or a gateway/upstream hiccup.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries in all; the n-th retry waits ``base * 2**(n-1)`` seconds (at most
    ``max_delay``), scaled by a random factor in ``[1 - jitter, 1]``. A ``Retry-After`` header
    is honoured up to ``max_retry_after`` seconds."""

    attempts: int = 4
    base: float = 0.25
    max_delay: float = 8.0
    jitter: float = 0.5
    max_retry_after: float = 30.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        delay = min(self.max_delay, self.base * float(2 ** max(0, retry - 1)))
        return delay * (1.0 - self.jitter * self.rng.random())

    def delay(self, retry: int, retry_after: str | None) -> float:
        """The wait before ``retry``: ``Retry-After`` when given (capped), else the backoff."""
        hinted = parse_retry_after(retry_after)
        if hinted is not None:
            return min(hinted, self.max_retry_after)
        return self.backoff(retry)


#: A policy that never retries (for tests and for non-idempotent writes).
NO_RETRY = RetryPolicy(attempts=1)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` value (delta-seconds or an HTTP date); None if absent or
    unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)

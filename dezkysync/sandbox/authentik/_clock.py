"""Time for the authentik emulator: an injectable clock and authentik's datetime format."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def format_datetime(value: datetime) -> str:
    """authentik's wire format: ISO-8601 UTC, always with microseconds and a ``Z``."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_datetime(text: str) -> datetime | None:
    """Parse an ISO-8601 datetime as DRF/django-filter accept it; None when invalid.

    A value without a timezone is taken as UTC (authentik runs with ``TIME_ZONE=UTC``)."""
    candidate = text.strip()
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)

"""Mailbox quotas in human units: ``10GiB``, ``500 MB``, ``1.5TB`` or plain bytes."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_UNITS: dict[str, int] = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_QUOTA = re.compile(r"\s*(?P<number>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>[a-z]*)\s*", re.IGNORECASE)
#: Larger than any mailbox a server would hold: 1 PiB. Bigger values are typos.
MAX_QUOTA = 1024**5


class QuotaError(ValueError):
    """A quota that is not a positive size; the message says why."""


def parse_quota(value: int | str) -> int:
    """The quota in bytes: a positive integer, or a number with a unit.

    Units: B, KB, MB, GB, TB (powers of 1000) and KiB, MiB, GiB, TiB (powers of 1024), in any
    case. A fraction is allowed only when it comes to whole bytes (``1.5KiB`` is 1536 bytes).
    """
    if isinstance(value, bool):
        raise QuotaError(f"expected a size like 10GiB, got {value!r}")
    if isinstance(value, int):
        number = Decimal(value)
        unit = ""
        shown = str(value)
    else:
        match = _QUOTA.fullmatch(value)
        if match is None:
            raise QuotaError(f"{value!r} is not a size; write e.g. 10GiB, 500MB or 1073741824")
        unit = match["unit"].lower()
        try:
            number = Decimal(match["number"])
        except InvalidOperation:  # pragma: no cover - the pattern only admits decimals
            raise QuotaError(f"{value!r} is not a number") from None
        shown = value.strip()
    if unit and unit not in _UNITS:
        raise QuotaError(
            f"unknown unit {unit!r} in {shown!r}; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB"
        )
    size = number * _UNITS[unit or "b"]
    if size <= 0:
        raise QuotaError(f"a quota of {shown} is no space at all; leave quota out for the default")
    if size != size.to_integral_value():
        raise QuotaError(f"{shown} is not a whole number of bytes")
    if size > MAX_QUOTA:
        raise QuotaError(f"{shown} is more than 1 PiB; is it a typo?")
    return int(size)


def format_quota(size: int) -> str:
    """The shortest exact human spelling of a size in bytes (``10GiB``, ``500MB``, ``123B``)."""
    for unit in ("TiB", "TB", "GiB", "GB", "MiB", "MB", "KiB", "KB"):
        factor = _UNITS[unit.lower()]
        if size >= factor and size % factor == 0:
            return f"{size // factor}{unit}"
    return f"{size}B"

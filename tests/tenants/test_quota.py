"""Quotas in human units."""

from __future__ import annotations

import pytest

from dezkysync.tenants.quota import MAX_QUOTA, QuotaError, format_quota, parse_quota


@pytest.mark.parametrize(
    ("given", "size"),
    [
        (1, 1),
        (1073741824, 1024**3),
        ("1024", 1024),
        ("512B", 512),
        ("1KB", 1000),
        ("1kb", 1000),
        ("1KiB", 1024),
        ("1kib", 1024),
        ("10GiB", 10 * 1024**3),
        ("10 GiB", 10 * 1024**3),
        (" 10GIB ", 10 * 1024**3),
        ("500MB", 500 * 1000**2),
        ("250MiB", 250 * 1024**2),
        ("2TB", 2 * 1000**4),
        ("1TiB", 1024**4),
        ("1.5GiB", 1536 * 1024**2),
        ("1.5KB", 1500),
        ("1024TiB", MAX_QUOTA),
    ],
)
def test_quota_units(given: int | str, size: int) -> None:
    assert parse_quota(given) == size


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (0, "no space at all"),
        (-1, "no space at all"),
        ("0", "no space at all"),
        ("0GiB", "no space at all"),
        ("0.0MB", "no space at all"),
        ("0.5B", "not a whole number of bytes"),
        ("1.0001KB", "not a whole number of bytes"),
        ("10XB", "unknown unit 'xb'"),
        ("10 G", "unknown unit 'g'"),
        ("-5GiB", "is not a size"),
        ("GiB", "is not a size"),
        ("1e9", "is not a size"),
        ("ten GiB", "is not a size"),
        ("1025TiB", "more than 1 PiB"),
        (True, "expected a size"),
    ],
)
def test_bad_quotas(given: int | str, problem: str) -> None:
    with pytest.raises(QuotaError) as caught:
        parse_quota(given)
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("size", "text"),
    [(10 * 1024**3, "10GiB"), (500 * 1000**2, "500MB"), (1536, "1536B"), (3 * 1024**4, "3TiB")],
)
def test_format_quota_round_trips(size: int, text: str) -> None:
    assert format_quota(size) == text
    assert parse_quota(text) == size

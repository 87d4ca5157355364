"""Keep secrets out of text: every one-time password and token a run handles is registered
here, and any message bound for output, a log, the journal or an exception passes through
:func:`redact` first."""

from __future__ import annotations

import threading

MASK = "[REDACTED]"
_MIN_LENGTH = 6  # shorter strings would mask ordinary words

_lock = threading.Lock()
_secrets: set[str] = set()


def register(*values: str | None) -> None:
    """Remember secret values so that :func:`redact` masks them."""
    with _lock:
        for value in values:
            if value and len(value) >= _MIN_LENGTH:
                _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``[REDACTED]``."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def forget_all() -> None:
    """Drop every registered secret (tests)."""
    with _lock:
        _secrets.clear()

"""Password hashes as Django stores them (``pbkdf2_sha256$iterations$salt$hash``).

Iterations are kept low on purpose (the emulator is for tests, not for real secrets). A hash
starting with ``!`` is Django's "unusable password": nothing ever matches it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 10_000
UNUSABLE_PREFIX = "!"


def make_password(password: str, *, iterations: int = ITERATIONS) -> str:
    """Hash ``password`` with a fresh per-user salt."""
    salt = secrets.token_urlsafe(16)
    digest = _digest(password, salt, iterations)
    return f"{ALGORITHM}${iterations}${salt}${digest}"


def make_unusable_password() -> str:
    """A value no password matches (what authentik gives users created without one)."""
    return UNUSABLE_PREFIX + secrets.token_urlsafe(30)


def is_usable(encoded: str) -> bool:
    """Whether ``encoded`` can ever match a password."""
    return bool(encoded) and not encoded.startswith(UNUSABLE_PREFIX)


def check_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches the stored hash ``encoded`` (constant-time compare)."""
    if not is_usable(encoded):
        return False
    try:
        algorithm, iterations, salt, digest = encoded.split("$", 3)
        rounds = int(iterations)
    except ValueError:
        return False
    if algorithm != ALGORITHM:
        return False
    return hmac.compare_digest(_digest(password, salt, rounds), digest)


def _digest(password: str, salt: str, iterations: int) -> str:
    raw = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return base64.b64encode(raw).decode("ascii")

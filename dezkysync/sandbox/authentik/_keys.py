"""Secrets authentik generates (token keys)."""

from __future__ import annotations

import secrets
import string

_KEY_ALPHABET = string.ascii_letters + string.digits


def generate_key() -> str:
    """A token secret (60 letters and digits, like authentik's generated keys)."""
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(60))

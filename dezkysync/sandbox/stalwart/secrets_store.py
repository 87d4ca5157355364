"""Password hashes: how the emulator stores and checks account secrets.

Stalwart hashes a plain password on write (argon2id by default) and keeps only the hash; a
value that already looks like a hash (``$argon2id$…``, ``$6$…``, ``{SSHA}…``) is stored as
given. The emulator hashes with PBKDF2-SHA256 and a per-secret salt, and can verify its own
hashes plus the LDAP-style ``{SHA}``, ``{SSHA}``, ``{SHA256}``, ``{SSHA256}`` and ``{PLAIN}``
schemes; other pre-hashed secrets are accepted but cannot log in here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

PBKDF2_ITERATIONS = 10_000
_OWN_PREFIX = "$pbkdf2-sha256$"
_CRYPT_PREFIXES = (
    "$argon2",
    "$pbkdf2",
    "$scrypt",
    "$2a$",
    "$2b$",
    "$2x$",
    "$2y$",
    "$1$",
    "$5$",
    "$6$",
    "$sha1$",
)
_LDAP_SCHEME = re.compile(r"^\{([A-Za-z0-9.-]+)\}(.+)$", re.DOTALL)
_LDAP_SCHEMES = frozenset(
    {
        "SHA",
        "SSHA",
        "SHA256",
        "SSHA256",
        "SHA512",
        "SSHA512",
        "MD5",
        "SMD5",
        "CRYPT",
        "PLAIN",
        "CLEAR",
        "CLEARTEXT",
        "PBKDF2",
        "PBKDF2-SHA256",
        "PBKDF2-SHA512",
        "ARGON2",
    }
)


def is_password_hash(value: str) -> bool:
    """Whether Stalwart would store ``value`` as an existing hash rather than hash it."""
    if value.startswith("$"):
        return value.startswith(_CRYPT_PREFIXES) and len(value) > 8
    match = _LDAP_SCHEME.match(value)
    return bool(match) and match is not None and match.group(1).upper() in _LDAP_SCHEMES


def hash_secret(plain: str) -> str:
    """A salted PBKDF2-SHA256 hash of ``plain`` in PHC-like notation."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", plain.encode("utf-8"), salt, PBKDF2_ITERATIONS)
    return f"{_OWN_PREFIX}{PBKDF2_ITERATIONS}${_b64(salt)}${_b64(digest)}"


def verify_secret(stored: str, plain: str) -> bool:
    """Whether ``plain`` matches the stored hash (constant-time where it matters)."""
    candidate = plain.encode("utf-8")
    if stored.startswith(_OWN_PREFIX):
        try:
            iterations_text, salt_text, digest_text = stored[len(_OWN_PREFIX) :].split("$")
            salt, digest = _unb64(salt_text), _unb64(digest_text)
            iterations = int(iterations_text)
        except ValueError:
            return False
        computed = hashlib.pbkdf2_hmac("sha256", candidate, salt, iterations)
        return hmac.compare_digest(computed, digest)
    match = _LDAP_SCHEME.match(stored)
    if match is None:
        return False
    scheme, payload = match.group(1).upper(), match.group(2)
    if scheme in {"PLAIN", "CLEAR", "CLEARTEXT"}:
        return hmac.compare_digest(payload.encode("utf-8"), candidate)
    algorithms = {"SHA": "sha1", "SHA256": "sha256", "SHA512": "sha512"}
    salted = scheme.startswith("S") and scheme[1:] in algorithms
    name = algorithms.get(scheme[1:] if salted else scheme)
    if name is None:
        return False
    try:
        raw = base64.b64decode(payload, validate=True)
    except ValueError:
        return False
    size = hashlib.new(name).digest_size
    digest, salt = raw[:size], raw[size:] if salted else b""
    computed = hashlib.new(name, candidate + salt).digest()
    return hmac.compare_digest(computed, digest)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))

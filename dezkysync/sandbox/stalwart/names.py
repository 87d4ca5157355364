"""Domain names, email local parts and addresses, sanitised the way Stalwart does it.

Ported from Stalwart's ``utils::{sanitize_domain, sanitize_email_local, sanitize_email,
is_valid_domain}``: whitespace is dropped, letters are lowercased, IDNs become punycode, and a
domain is valid only when its top-level label is on the Public Suffix List or is one of the
reserved TLDs (:mod:`dezkysync.public_suffix`). Note what that means: ``.example``
(RFC 2606) is *not* on the list, so the real Stalwart rejects ``foo.example`` with "Invalid
domain name"; ``.test``, ``.local`` etc. pass.

One deliberate deviation: the emulator also accepts ``.example`` (:data:`SANDBOX_ONLY_TLDS`),
the TLD that documentation and the project's examples use, so they can be tried in the sandbox.
It costs no fidelity that matters: no production domain lives under ``.example``. Every other
unknown TLD is refused as Stalwart refuses it.
"""

from __future__ import annotations

import idna

from dezkysync.public_suffix import DOCUMENTATION_TLDS as SANDBOX_ONLY_TLDS
from dezkysync.public_suffix import PUBLIC_SUFFIX_TLDS, RESERVED_TLDS

_LOCAL_SPECIALS = frozenset("!#$%&'*+-/=?^_`{|}~")
_WHITESPACE = frozenset(" \t\n\x0b\x0c\r")


def is_valid_domain(domain: str) -> bool:
    """Whether an already sanitised (lowercase, ASCII) domain has a known suffix."""
    if "." in domain and domain.rsplit(".", 1)[1] in PUBLIC_SUFFIX_TLDS:
        return True
    tld = domain.rsplit(".", 1)[-1]
    if "." in domain and tld in SANDBOX_ONLY_TLDS:
        return True
    return domain in RESERVED_TLDS or tld in RESERVED_TLDS


def _to_ascii(domain: str) -> str | None:
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return None


def _finish_domain(domain: str, is_ascii: bool) -> str | None:
    """A sanitised domain in punycode (when it had non-ASCII input), or None when it cannot be
    converted or has no known suffix."""
    if not is_ascii:
        converted = _to_ascii(domain)
        if converted is None:
            return None
        domain = converted
    return domain if is_valid_domain(domain) else None


def sanitize_domain(value: str) -> str | None:
    """The canonical form of a domain name, or None when Stalwart would reject it."""
    result: list[str] = []
    found_dot = False
    last = "\0"
    is_ascii = True
    for char in value:
        if char.isspace():
            continue
        if char == ".":
            found_dot = True
            if not (last.isalnum() or last in "-_"):
                return None
        elif not char.isascii():
            is_ascii = False
        last = char
        result.append(char.lower())
    if not found_dot or last == ".":
        return None
    return _finish_domain("".join(result), is_ascii)


def sanitize_local_part(value: str) -> str | None:
    """The canonical form of an email local part, or None when it is invalid."""
    result: list[str] = []
    last = "\0"
    for char in value:
        if char == ".":
            if last in ("\0", "."):
                return None
            result.append(".")
        elif char in _LOCAL_SPECIALS:
            result.append(char)
        elif char in _WHITESPACE:
            continue
        elif char.isupper():
            result.append(char.lower())
        elif char.isalnum():
            result.append(char)
        else:
            return None
        last = char
    if not result or last == ".":
        return None
    return "".join(result)


def sanitize_email(value: str) -> str | None:
    """The canonical form of an email address, or None when it is invalid."""
    local, at, domain = value.rpartition("@")
    if not at:
        return None
    if "@" in local:
        return None
    clean_local = sanitize_local_part(local)
    if clean_local is None or local.rstrip(" \t\n\x0b\x0c\r").endswith("."):
        return None
    clean_domain = _sanitize_email_domain(domain)
    if clean_domain is None:
        return None
    return f"{clean_local}@{clean_domain}"


def _sanitize_email_domain(value: str) -> str | None:
    result: list[str] = []
    last = "\0"
    is_ascii = True
    for char in value:
        if char in _WHITESPACE:
            continue
        if char == ".":
            if not last.isalnum():
                return None
            result.append(".")
        elif char in "-_":
            if last in ("\0", "."):
                return None
            result.append(char)
        else:
            if not char.isascii():
                is_ascii = False
            if char.isupper():
                result.append(char.lower())
            elif char.isalnum():
                result.append(char)
            else:
                return None
        last = char
    if not last.isalnum():
        return None
    return _finish_domain("".join(result), is_ascii)

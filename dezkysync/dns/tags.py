"""Reading the contents of mail TXT records: SPF terms and DKIM/DMARC tag lists."""

from __future__ import annotations

import re

_DMARC_START = re.compile(r"\s*v\s*=\s*dmarc1\s*(;|$)", re.IGNORECASE)
_DKIM_START = re.compile(r"\s*v\s*=\s*dkim1\s*(;|$)", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")

#: DMARC policies from weakest to strongest.
DMARC_STRENGTH: dict[str, int] = {"none": 0, "quarantine": 1, "reject": 2}


def tag_list(text: str) -> list[tuple[str, str]]:
    """``"v=DKIM1; k=rsa; p=MII…"`` as ``[("v", "DKIM1"), ("k", "rsa"), ("p", "MII…")]``:
    tag names lowercased, values stripped, in order (RFC 6376 §3.2, RFC 7489 §6.4)."""
    tags: list[tuple[str, str]] = []
    for part in text.split(";"):
        name, equals, value = part.partition("=")
        if not equals:
            continue
        tags.append((name.strip().lower(), value.strip()))
    return tags


def tag_value(text: str, name: str) -> str | None:
    """The value of the first tag called ``name``, if present."""
    for tag, value in tag_list(text):
        if tag == name:
            return value
    return None


def is_spf(text: str) -> bool:
    """Whether a TXT text is an SPF record (RFC 7208 §4.5: ``v=spf1`` then a space or end)."""
    lowered = text.lower()
    return lowered == "v=spf1" or lowered.startswith("v=spf1 ")


def spf_terms(text: str) -> list[str]:
    """The SPF terms after ``v=spf1``, lowercased, with a leading ``+`` qualifier dropped
    (``+mx`` and ``mx`` mean the same)."""
    terms = text.split()[1:]
    return [term.lower().removeprefix("+") for term in terms]


def is_dmarc(text: str) -> bool:
    """Whether a TXT text is a DMARC record (starts with ``v=DMARC1``)."""
    return _DMARC_START.match(text) is not None


def is_dkim(text: str) -> bool:
    """Whether a TXT text is a DKIM key record (``v=DKIM1`` or, since ``v=`` is optional,
    a ``p=`` tag)."""
    return _DKIM_START.match(text) is not None or tag_value(text, "p") is not None


def dkim_public_key(text: str) -> str | None:
    """The ``p=`` value with all whitespace removed (RFC 6376 allows folding it)."""
    value = tag_value(text, "p")
    return None if value is None else _WHITESPACE.sub("", value)


def dmarc_uris(value: str | None) -> list[str]:
    """A DMARC ``rua``/``ruf`` list as normalised URIs: split on commas, the ``!size``
    suffix dropped, the scheme and mail domain lowercased."""
    if not value:
        return []
    uris: list[str] = []
    for raw in value.split(","):
        uri = raw.strip().split("!", 1)[0]
        if not uri:
            continue
        scheme, colon, rest = uri.partition(":")
        if colon and scheme.lower() == "mailto":
            local, at, domain = rest.rpartition("@")
            rest = f"{local}@{domain.lower()}" if at else rest
            uri = f"mailto:{rest}"
        uris.append(uri)
    return uris

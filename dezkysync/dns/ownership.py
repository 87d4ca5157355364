"""The ownership record: a TXT record by which a domain's owner shows the domain belongs to
a tenant of this dezkysync install.

``_dezkysync-challenge.<domain>. IN TXT "dezkysync-verification=<hex>"`` where ``hex`` is
HMAC-SHA256, keyed with the install's salt, over ``"<tenant slug>:<domain>"`` (the domain as
an IDNA A-label, lowercase, no trailing dot). The token is stable for a tenant and domain, differs
between tenants, and cannot be computed without the salt (environment variable
``DEZKYSYNC_OWNERSHIP_SALT``). Without that variable a fixed, public default salt is used, so
tokens are predictable: set your own salt once per install and keep it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping

from dezkysync.dns.records import ExpectedRecord, normalise_name

OWNERSHIP_LABEL = "_dezkysync-challenge"
TOKEN_PREFIX = "dezkysync-verification="
SALT_ENV = "DEZKYSYNC_OWNERSHIP_SALT"
DEFAULT_SALT = "dezkysync-ownership-v1"


def ownership_salt(env: Mapping[str, str] | None = None) -> str:
    """The install-wide salt: ``DEZKYSYNC_OWNERSHIP_SALT`` or the documented default."""
    environ = os.environ if env is None else env
    return environ.get(SALT_ENV) or DEFAULT_SALT


def ownership_name(domain: str) -> str:
    """Where the ownership record lives: ``_dezkysync-challenge.<domain>``."""
    return f"{OWNERSHIP_LABEL}.{normalise_name(domain)}"


def ownership_token(tenant: str, domain: str, salt: str) -> str:
    """The TXT text proving ``domain`` belongs to ``tenant``: ``dezkysync-verification=<hex>``."""
    message = f"{tenant}:{normalise_name(domain)}".encode()
    digest = hmac.new(salt.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return TOKEN_PREFIX + digest


def ownership_record(tenant: str, domain: str, salt: str) -> ExpectedRecord:
    """The ownership record ``tenant`` must publish on ``domain``."""
    return ExpectedRecord(
        kind="ownership",
        name=ownership_name(domain),
        rdtype="TXT",
        values=(ownership_token(tenant, domain, salt),),
    )


def is_ownership_token(text: str) -> bool:
    """Whether a TXT text is a dezkysync verification token (for any tenant)."""
    return text.startswith(TOKEN_PREFIX)

"""Test data for the DNS tests: Stalwart-style zone files, keys, resolver stand-ins."""

from __future__ import annotations

import base64
import os
import random
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pytest

from dezkysync.dns.nsd import INSTALL_HINT, find_nsd
from dezkysync.dns.records import txt_zone_lines
from dezkysync.dns.resolvers import Resolver

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURED_ZONE = (FIXTURES / "example.org.dnsZoneFile").read_text(encoding="utf-8")
SALT = "salt-of-the-test-install"
MAIL_HOST = "mx.platform.test"

# The DER prefix of an RSA SubjectPublicKeyInfo (2048 and 4096 bits), as in real DKIM keys.
_RSA_PREFIX = {
    2048: "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA",
    4096: "MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEA",
}
_RSA_SPKI_BYTES = {2048: 294, 4096: 550}


def rsa_key(seed: str, bits: int = 2048) -> str:
    """A base64 value shaped like an RSA DKIM public key (392 or 736 characters)."""
    prefix = _RSA_PREFIX[bits]
    size = _RSA_SPKI_BYTES[bits] - len(base64.b64decode(prefix))
    body = random.Random(seed).randbytes(size)
    return base64.b64encode(base64.b64decode(prefix) + body).decode()


def ed25519_key(seed: str) -> str:
    """A base64 value shaped like an Ed25519 DKIM public key (32 bytes)."""
    return base64.b64encode(random.Random(seed).randbytes(32)).decode()


def dkim_text(key: str, algorithm: str = "rsa") -> str:
    return f"v=DKIM1; k={algorithm}; h=sha256; p={key}"


def stalwart_zone_file(
    domain: str,
    *,
    selectors: Mapping[str, str] | None = None,
    mx: tuple[tuple[int, str], ...] = ((10, MAIL_HOST),),
    dmarc: str | None = "v=DMARC1; p=reject; rua=mailto:postmaster@{domain}",
) -> str:
    """A ``dnsZoneFile`` as Stalwart 0.16 writes it (no $TTL/$ORIGIN, absolute names, long
    TXT values in ``( … )``): DKIM, SPF, MX, DMARC, then a few service records."""
    if selectors is None:
        selectors = {
            "v1-ed25519-20260708": dkim_text(ed25519_key(domain + "/ed25519"), "ed25519"),
            "v1-rsa-20260708": dkim_text(rsa_key(domain)),
        }
    lines: list[str] = []
    for selector, text in selectors.items():
        lines += txt_zone_lines(f"{selector}._domainkey.{domain}", text)
    lines.append(f'{domain}. IN TXT "v=spf1 mx -all"')
    lines += [f"{domain}. IN MX {priority} {host}." for priority, host in mx]
    if dmarc is not None:
        lines.append(f'_dmarc.{domain}. IN TXT "{dmarc.format(domain=domain)}"')
    lines.append(f"_imaps._tcp.{domain}. IN SRV 0 1 993 {MAIL_HOST}.")
    lines.append(f"autoconfig.{domain}. IN CNAME {MAIL_HOST}.")
    return "\n".join(lines) + "\n"


def require_nsd() -> str:
    """The nsd binary; skip without it, or fail under DEZKYSYNC_REQUIRE_SPECS=1."""
    binary = find_nsd()
    if binary is not None:
        return binary
    reason = f"the DNS tests need NSD: {INSTALL_HINT}"
    if os.environ.get("DEZKYSYNC_REQUIRE_SPECS") == "1":
        pytest.fail(reason + "; DEZKYSYNC_REQUIRE_SPECS=1 makes this a failure")
    pytest.skip(reason)


@contextmanager
def silent_resolver() -> Iterator[tuple[Resolver, socket.socket]]:
    """A UDP socket on loopback that receives queries and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield Resolver("127.0.0.1", int(sock.getsockname()[1])), sock
    finally:
        sock.close()


def datagrams_waiting(sock: socket.socket) -> int:
    """How many datagrams reached ``sock`` (drains them)."""
    sock.setblocking(False)
    count = 0
    while True:
        try:
            sock.recv(4096)
        except BlockingIOError:
            return count
        count += 1


def ipv6_loopback_available() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True

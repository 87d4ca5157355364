"""``dnsZoneFile``: the records a domain must publish, in Stalwart's BIND text.

Order and content follow ``build_dns_records`` plus the live capture: every published DKIM key
of the domain (by id; ``retired`` keys left out), SPF (an ``a`` record-style SPF for a mail
host inside the domain first), MX, DMARC (``rua`` from ``reportAddressUri``), SRV
(``_caldavs``, ``_carddavs``, ``_imaps``, ``_jmap``, ``_pop3s``, ``_submissions``), MTA-STS,
TLS-RPT, user-agent auto-configuration, legacy autoconfig, autodiscover. No TLSA (no
certificate) and no CAA (no ACME). One record per line, ``<name> IN <TYPE> <rdata>``; TXT
values over 255 bytes are split into 255-byte strings inside ``( … )``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dezkysync.sandbox.stalwart.dkim import algorithm_label

_SRV = (
    ("caldavs", 443),
    ("carddavs", 443),
    ("imaps", 993),
    ("jmap", 443),
    ("pop3s", 995),
    ("submissions", 465),
)


@dataclass(frozen=True)
class ServerNames:
    """How the server presents itself: host name (MX/SRV/CNAME targets) and public URL."""

    hostname: str
    public_url: str


def build_zone_file(
    domain: str,
    record: dict[str, Any],
    dkim_keys: Iterable[tuple[str, str, str]],
    names: ServerNames,
) -> str:
    """The zone text of ``domain``; ``dkim_keys`` are ``(selector, algorithm, publicKey)``."""
    host = names.hostname
    lines: list[str] = []
    for selector, algorithm, public in dkim_keys:
        text = f"v=DKIM1; k={algorithm_label(algorithm)}; h=sha256; p={public}"
        lines.append(_txt(f"{selector}._domainkey.{domain}.", text))
    if host.endswith(f".{domain}"):
        lines.append(_txt(f"{host}.", "v=spf1 a -all"))
    lines.append(_txt(f"{domain}.", "v=spf1 mx -all"))
    lines.append(f"{domain}. IN MX 10 {host}.")
    report = record.get("reportAddressUri")
    if report:
        rua = f"{report}@{domain}" if report.startswith("mailto:") and "@" not in report else report
        lines.append(_txt(f"_dmarc.{domain}.", f"v=DMARC1; p=reject; rua={rua}"))
    for service, port in _SRV:
        lines.append(f"_{service}._tcp.{domain}. IN SRV 0 1 {port} {host}.")
    lines.append(f"mta-sts.{domain}. IN CNAME {host}.")
    lines.append(_txt(f"_mta-sts.{domain}.", f"v=STSv1; id={_policy_id(host)}"))
    if report:
        lines.append(_txt(f"_smtp._tls.{domain}.", f"v=TLSRPTv1; rua={rua}"))
    lines.append(f"ua-auto-config.{domain}. IN CNAME {host}.")
    digest = base64.b64encode(hashlib.sha256(_pacc(domain, names)).digest()).decode()
    lines.append(_txt(f"_ua-auto-config.{domain}.", f"v=UAAC1; a=sha256; d={digest}"))
    lines.append(f"autoconfig.{domain}. IN CNAME {host}.")
    lines.append(f"autodiscover.{domain}. IN CNAME {host}.")
    return "".join(line + "\n" for line in lines)


def _txt(name: str, text: str) -> str:
    data = text.encode("utf-8")
    if len(data) <= 255:
        return f"{name} IN TXT {_quoted(data)}"
    chunks = [data[i : i + 255] for i in range(0, len(data), 255)]
    inner = "".join(f"    {_quoted(chunk)}\n" for chunk in chunks)
    return f"{name} IN TXT (\n{inner})"


def _quoted(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _policy_id(host: str) -> int:
    """A stable MTA-STS policy id (Stalwart derives it from the policy text)."""
    return int.from_bytes(hashlib.sha256(f"mta-sts:{host}".encode()).digest()[:8], "big") >> 1


def _pacc(domain: str, names: ServerNames) -> bytes:
    """The user-agent auto-configuration document the ``_ua-auto-config`` digest covers."""
    document = {
        "protocols": {
            "jmap": {"url": f"{names.public_url}/.well-known/jmap"},
            "imap": {"host": names.hostname, "port": 993, "tls": True},
            "smtp": {"host": names.hostname, "port": 465, "tls": True},
        },
        "authentication": {"password-plain": True},
        "domain": domain,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()

"""Reading Stalwart's ``dnsZoneFile``: the records Stalwart says a domain must publish.

The text is BIND syntax with absolute names, no ``$TTL`` and no ``$ORIGIN``, and long TXT
values split into several strings inside ``( … )``. It is parsed with dnspython's zone parser
(a ``$TTL`` line prepended, ``relativize=False``, ``check_origin=False``), never by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdatatype
import dns.zone
from dns.rdtypes.ANY.MX import MX
from dns.rdtypes.ANY.TXT import TXT

from dezkysync.dns.records import Mx, ZoneRecord, join_txt, normalise_name
from dezkysync.dns.tags import is_dkim, is_dmarc, is_spf

DKIM_LABEL = "_domainkey"
DMARC_LABEL = "_dmarc"


class ZoneFileError(ValueError):
    """A zone file that dnspython cannot read."""


@dataclass(frozen=True)
class StalwartZone:
    """The mail records of one domain, sorted out of Stalwart's zone file."""

    domain: str
    mx: tuple[Mx, ...]  # sorted
    spf: str | None  # the domain's own SPF text
    dkim: tuple[tuple[str, str], ...]  # (selector, TXT text), sorted by selector
    dmarc: str | None
    other: tuple[ZoneRecord, ...]  # everything else, in zone order


def parse_zone_file(domain: str, text: str) -> StalwartZone:
    """Sort the records of ``text`` (a ``dnsZoneFile`` of ``domain``) into MX, SPF, DKIM,
    DMARC and the rest. Raises :class:`ZoneFileError` when the text is not a zone file."""
    domain = normalise_name(domain)
    try:
        zone = dns.zone.from_text(
            "$TTL 3600\n" + text,
            origin=domain + ".",
            relativize=False,
            check_origin=False,
        )
    except (dns.exception.DNSException, KeyError, ValueError) as exc:
        raise ZoneFileError(f"zone file of {domain} is not valid BIND syntax: {exc}") from exc

    mx: list[Mx] = []
    spf: str | None = None
    dkim: dict[str, str] = {}
    dmarc: str | None = None
    other: list[ZoneRecord] = []
    dkim_suffix = f".{DKIM_LABEL}.{domain}"
    dmarc_name = f"{DMARC_LABEL}.{domain}"

    for owner, rdataset in zone.iterate_rdatasets():
        name = normalise_name(owner.to_text())
        rdtype = dns.rdatatype.to_text(rdataset.rdtype)
        for rdata in rdataset:
            if isinstance(rdata, MX) and name == domain:
                mx.append(Mx(rdata.preference, normalise_name(rdata.exchange.to_text())))
                continue
            if isinstance(rdata, TXT):
                value = join_txt(rdata.strings)
                if name == domain and spf is None and is_spf(value):
                    spf = value
                    continue
                if name == dmarc_name and dmarc is None and is_dmarc(value):
                    dmarc = value
                    continue
                selector = name.removesuffix(dkim_suffix)
                if (
                    name.endswith(dkim_suffix)
                    and selector
                    and selector not in dkim
                    and is_dkim(value)
                ):
                    dkim[selector] = value
                    continue
                other.append(ZoneRecord(name, rdtype, value))
                continue
            other.append(ZoneRecord(name, rdtype, rdata.to_text()))

    return StalwartZone(
        domain=domain,
        mx=tuple(sorted(mx)),
        spf=spf,
        dkim=tuple(sorted(dkim.items())),
        dmarc=dmarc,
        other=tuple(other),
    )

"""The domains the NSD-backed tests serve: one tenant, one zone per case.

Each case starts from a Stalwart-style zone file, derives what dezkysync expects, and then
publishes those records in NSD with one deliberate fault (or none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dezkysync.dns.expected import DomainExpectation, expect_domain
from dezkysync.dns.nsd import authoritative_zone
from dezkysync.dns.records import ExpectedRecord
from dezkysync.tenants.model import Dmarc, Domain
from tests.dns.zones import SALT, dkim_text, rsa_key, stalwart_zone_file

TENANT = "acme"
LONG_KEY = rsa_key("longkey.test", bits=4096)


@dataclass(frozen=True)
class Case:
    """One domain: its tenant-file entry, Stalwart's zone file, and the zone NSD serves."""

    domain: Domain
    zone_file: str
    expectation: DomainExpectation
    published: str  # the complete zone file NSD serves


Edit = Callable[[ExpectedRecord], list[str]]


def _case(
    name: str,
    *,
    dmarc: Dmarc | None = None,
    zone_file: str | None = None,
    edit: Edit | None = None,
    extra: tuple[str, ...] = (),
) -> Case:
    domain = Domain(name, primary=True, dmarc=dmarc)
    text = zone_file if zone_file is not None else stalwart_zone_file(name)
    expectation = expect_domain(TENANT, domain, text, salt=SALT)
    lines: list[str] = []
    for record in expectation.records:
        lines += edit(record) if edit is not None else record.zone_lines()
    lines += extra
    return Case(domain, text, expectation, authoritative_zone(name, lines))


def _drop_rsa_dkim(record: ExpectedRecord) -> list[str]:
    if record.kind == "dkim" and record.selector and "rsa" in record.selector:
        return []
    return record.zone_lines()


def _weak_dmarc(record: ExpectedRecord) -> list[str]:
    if record.kind == "dmarc":
        return [f'{record.name}. IN TXT "v=DMARC1; p=none; rua=mailto:postmaster@weakdmarc.test"']
    return record.zone_lines()


def _second_spf(record: ExpectedRecord) -> list[str]:
    if record.kind == "spf":
        return [
            *record.zone_lines(),
            f'{record.name}. IN TXT "v=spf1 include:_spf.mailer.test ~all"',
        ]
    return record.zone_lines()


def _split_every_100_bytes(record: ExpectedRecord) -> list[str]:
    """A publisher that splits the long key at other points than Stalwart does."""
    if record.kind != "dkim" or record.selector != "big":
        return record.zone_lines()
    text = record.text
    chunks = [text[i : i + 100] for i in range(0, len(text), 100)]
    return [f"{record.name}. IN TXT ( " + " ".join(f'"{c}"' for c in chunks) + " )"]


def _other_mx(record: ExpectedRecord) -> list[str]:
    if record.kind == "mx":
        return [f"{record.name}. IN MX 10 mail.other-provider.test."]
    return record.zone_lines()


def _no_mx(record: ExpectedRecord) -> list[str]:
    return [] if record.kind == "mx" else record.zone_lines()


def _many_unrelated_txt(record: ExpectedRecord) -> list[str]:
    if record.kind != "ownership":
        return record.zone_lines()
    filler = [f'{record.name}. IN TXT "unrelated-{i:02d} {"z" * 240}"' for i in range(8)]
    return [*record.zone_lines(), *filler]


CASES: dict[str, Case] = {
    case.domain.name: case
    for case in (
        _case("good.test", dmarc=Dmarc("quarantine")),
        _case("nodkim.test", edit=_drop_rsa_dkim),
        _case("weakdmarc.test", dmarc=Dmarc("quarantine"), edit=_weak_dmarc),
        _case("twospf.test", edit=_second_spf),
        _case(
            "longkey.test",
            zone_file=stalwart_zone_file("longkey.test", selectors={"big": dkim_text(LONG_KEY)}),
            edit=_split_every_100_bytes,
        ),
        _case("wrongmx.test", edit=_other_mx),
        _case("nomx.test", edit=_no_mx),
        _case("bigtxt.test", edit=_many_unrelated_txt),
    )
}

#: The domains whose records are all as expected.
FINE = {"good.test", "longkey.test", "bigtxt.test"}


def published_zone(name: str, stalwart_zone: str, *, drop_rsa_dkim: bool = False) -> str:
    """What NSD serves for the case ``name`` given Stalwart's current zone file for it: every
    record dezkysync expects, optionally without the RSA DKIM key."""
    expectation = expect_domain(TENANT, CASES[name].domain, stalwart_zone, salt=SALT)
    edit = _drop_rsa_dkim if drop_rsa_dkim else ExpectedRecord.zone_lines
    return authoritative_zone(
        name, [line for record in expectation.records for line in edit(record)]
    )


def tenant_yaml(domains: list[str], slug: str = TENANT) -> str:
    """A tenant file claiming ``domains`` (DMARC overrides as in :data:`CASES`)."""
    lines = [f"tenant: {slug}", f"name: {slug.title()} Ltd", "domains:"]
    for index, name in enumerate(domains):
        lines.append(f"  - name: {name}")
        if index == 0:
            lines.append("    primary: true")
        dmarc = CASES[name].domain.dmarc if name in CASES else None
        if dmarc is not None:
            lines.append(f"    dmarc: {{policy: {dmarc.policy}}}")
    lines += ["members:", f"  - email: ops@{domains[0]}", "    name: Ops"]
    return "\n".join(lines) + "\n"

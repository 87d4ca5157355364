"""What each domain must publish: Stalwart's records, the tenant's DMARC, the ownership token.

MX, SPF and DKIM come from the domain's ``dnsZoneFile`` in Stalwart (one DKIM record per key
Stalwart publishes there). DMARC starts from Stalwart's record; the tenant file's ``dmarc``
replaces its policy and, when given, its ``rua``, ``ruf`` and ``pct``. The ownership record is
dezkysync's own (:mod:`dezkysync.dns.ownership`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dezkysync.dns.ownership import ownership_record
from dezkysync.dns.records import ExpectedRecord, ZoneRecord, normalise_name
from dezkysync.dns.tags import tag_list
from dezkysync.dns.zonefile import DKIM_LABEL, DMARC_LABEL, ZoneFileError, parse_zone_file
from dezkysync.tenants.model import Dmarc, Domain, Tenant


@dataclass(frozen=True)
class DomainExpectation:
    """The records one tenant domain must publish."""

    tenant: str | None  # None: owner unknown, so no ownership record
    domain: str
    records: tuple[ExpectedRecord, ...]  # checked by ``dns check``
    other_records: tuple[ZoneRecord, ...] = ()  # also in Stalwart's zone file, not checked
    problem: str | None = None  # why the mail records could not be derived, if so

    def zone_lines(self) -> list[str]:
        """Every record to publish in BIND syntax: the checked ones, then the others."""
        lines: list[str] = []
        for record in self.records:
            lines.extend(record.zone_lines())
        if self.other_records:
            lines.append("; also in Stalwart's zone file (not checked by dezkysync)")
            for other in self.other_records:
                lines.extend(other.zone_lines())
        return lines


def expect_domain(
    tenant: str | None, domain: Domain, zone_file: str | None, *, salt: str
) -> DomainExpectation:
    """The records ``domain`` of ``tenant`` must publish, given its Stalwart zone file
    (``None``: Stalwart has no such domain yet). Without a tenant there is no ownership
    record."""
    name = normalise_name(domain.name)
    ownership = None if tenant is None else ownership_record(tenant, name, salt)
    if zone_file is None:
        return _without_zone(
            tenant,
            name,
            domain,
            ownership,
            f"Stalwart has no domain {name} yet, so its MX, SPF and DKIM records are unknown; "
            "apply the tenant first",
        )
    try:
        zone = parse_zone_file(name, zone_file)
    except ZoneFileError as exc:
        return _without_zone(tenant, name, domain, ownership, str(exc))

    records: list[ExpectedRecord] = []
    if zone.mx:
        records.append(ExpectedRecord("mx", name, "MX", tuple(str(mx) for mx in zone.mx)))
    if zone.spf is not None:
        records.append(ExpectedRecord("spf", name, "TXT", (zone.spf,)))
    for selector, text in zone.dkim:
        records.append(
            ExpectedRecord(
                "dkim", f"{selector}.{DKIM_LABEL}.{name}", "TXT", (text,), selector=selector
            )
        )
    dmarc = _dmarc_record(name, zone.dmarc, domain.dmarc)
    if dmarc is not None:
        records.append(dmarc)
    if ownership is not None:
        records.append(ownership)
    return DomainExpectation(
        tenant=tenant, domain=name, records=tuple(records), other_records=zone.other
    )


def _without_zone(
    tenant: str | None,
    name: str,
    domain: Domain,
    ownership: ExpectedRecord | None,
    problem: str,
) -> DomainExpectation:
    """What ``domain`` must publish when Stalwart's zone file gives nothing (``problem`` says
    why): the tenant's DMARC and the ownership record only."""
    dmarc = _dmarc_record(name, None, domain.dmarc)
    return DomainExpectation(
        tenant=tenant,
        domain=name,
        records=tuple(r for r in (dmarc, ownership) if r is not None),
        problem=problem,
    )


def expect_tenants(
    tenants: Iterable[Tenant], zone_files: Mapping[str, str | None], *, salt: str
) -> list[DomainExpectation]:
    """Expectations for every domain of every present tenant (tenants marked ``absent`` are
    being removed and are skipped), in tenant then file order."""
    expectations: list[DomainExpectation] = []
    for tenant in tenants:
        if tenant.state != "present":
            continue
        for domain in tenant.domains:
            zone_file = zone_files.get(normalise_name(domain.name))
            expectations.append(expect_domain(tenant.slug, domain, zone_file, salt=salt))
    return expectations


def dmarc_text(stalwart: str | None, override: Dmarc | None) -> str | None:
    """The DMARC text to publish: Stalwart's record with the tenant's policy (and its rua, ruf
    and pct when set) written over it; ``None`` when neither says anything."""
    if stalwart is None and override is None:
        return None
    tags = tag_list(stalwart) if stalwart is not None else [("v", "DMARC1")]
    tags = [("v", "DMARC1") if tag == "v" else (tag, value) for tag, value in tags]
    if override is not None:
        tags = _set_tag(tags, "p", override.policy)
        if override.rua:
            tags = _set_tag(tags, "rua", override.rua)
        if override.ruf:
            tags = _set_tag(tags, "ruf", override.ruf)
        if override.pct is not None:
            tags = _set_tag(tags, "pct", str(override.pct))
    return "; ".join(f"{tag}={value}" for tag, value in tags)


def _set_tag(tags: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    if any(tag == name for tag, _ in tags):
        return [(tag, value if tag == name else old) for tag, old in tags]
    if name == "p":  # RFC 7489 §6.4: the policy follows the version tag
        return [tags[0], (name, value), *tags[1:]]
    return [*tags, (name, value)]


def _dmarc_record(
    domain: str, stalwart: str | None, override: Dmarc | None
) -> ExpectedRecord | None:
    text = dmarc_text(stalwart, override)
    if text is None:
        return None
    return ExpectedRecord("dmarc", f"{DMARC_LABEL}.{domain}", "TXT", (text,))

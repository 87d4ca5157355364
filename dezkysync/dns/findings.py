"""DNS results as plan findings, so that ``plan`` and ``drift`` show the domains needing
attention next to the changes (``--check-dns``).

Only domains Stalwart already has are checked: a domain still to be created is a pending change,
not a DNS problem. Findings are warnings: they never change the plan's exit code (``dns check``
is the command whose exit code says whether DNS is in order).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from dezkysync.dns.check import check_domains
from dezkysync.dns.expected import expect_tenants
from dezkysync.dns.ownership import ownership_salt
from dezkysync.dns.report import DnsReport
from dezkysync.dns.resolvers import Resolver
from dezkysync.plan.model import Finding
from dezkysync.tenants import Tenant

CODE = "dns-attention"
_MAX_RECORDS_NAMED = 4


def check_existing_domains(
    tenants: Iterable[Tenant],
    zone_files: Mapping[str, str | None],
    resolvers: Sequence[Resolver],
    timeout: float,
) -> DnsReport:
    """Check every domain of ``tenants`` whose zone file Stalwart gave (``zone_files`` value
    not None)."""
    existing = {name: zone for name, zone in zone_files.items() if zone is not None}
    expectations = [
        expectation
        for expectation in expect_tenants(tenants, existing, salt=ownership_salt())
        if expectation.domain in existing
    ]
    return check_domains(expectations, resolvers, timeout)


def dns_findings(report: DnsReport) -> tuple[Finding, ...]:
    """One warning per domain that needs attention, naming the records and what is wrong."""
    findings: list[Finding] = []
    for domain in report.domains:
        if not domain.needs_attention:
            continue
        if domain.problem is not None:
            detail = domain.problem
        else:
            named = [f"{r.expected.label}: {r.status}" for r in domain.attention]
            if len(named) > _MAX_RECORDS_NAMED:
                extra = len(named) - _MAX_RECORDS_NAMED
                named = [*named[:_MAX_RECORDS_NAMED], f"{extra} more"]
            detail = "; ".join(named)
        findings.append(
            Finding(
                code=CODE,
                severity="warning",
                message=(
                    f"DNS of {domain.domain} needs attention ({detail}); "
                    f"`dezkysync dns records {domain.domain}` prints what to publish"
                ),
                tenant=domain.tenant,
            )
        )
    return tuple(findings)

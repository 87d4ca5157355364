"""The result of a DNS check: per record, per domain, and for the whole run.

Statuses, from good to worst: ``ok``; ``resolver-error`` (a resolver gave no usable answer, so
nothing is known from it); ``missing``; ``duplicate`` (more than one record where receivers need
exactly one); ``mismatch`` (published, but not what is expected). Every status but ``ok`` needs
the operator's attention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dezkysync.dns.records import ExpectedRecord

Status = Literal["ok", "resolver-error", "missing", "duplicate", "mismatch"]

#: Higher is worse; a record's status is the worst any resolver showed.
SEVERITY: dict[Status, int] = {
    "ok": 0,
    "resolver-error": 1,
    "missing": 2,
    "duplicate": 3,
    "mismatch": 4,
}


@dataclass(frozen=True)
class ResolverFinding:
    """What one resolver's answer means for one expected record."""

    resolver: str
    status: Status
    detail: str
    found: tuple[str, ...] = ()  # the relevant values this resolver returned


@dataclass(frozen=True)
class RecordResult:
    """One expected record, checked against every resolver."""

    expected: ExpectedRecord
    status: Status
    detail: str  # empty when ok
    findings: tuple[ResolverFinding, ...]

    @property
    def ok(self) -> bool:
        """Whether every resolver showed the record as expected."""
        return self.status == "ok"


@dataclass(frozen=True)
class DomainResult:
    """Every checked record of one tenant domain."""

    tenant: str | None
    domain: str
    records: tuple[RecordResult, ...]
    problem: str | None = None  # mail records could not be derived (see DomainExpectation)

    @property
    def needs_attention(self) -> bool:
        """Whether anything about this domain is not as expected."""
        return self.problem is not None or any(not record.ok for record in self.records)

    @property
    def attention(self) -> tuple[RecordResult, ...]:
        """The records that are not ok."""
        return tuple(record for record in self.records if not record.ok)


@dataclass(frozen=True)
class DnsReport:
    """The outcome of ``check_domains``."""

    domains: tuple[DomainResult, ...]
    resolvers: tuple[str, ...]
    queries: int  # DNS queries sent, retries included

    @property
    def needs_attention(self) -> bool:
        """Whether any domain needs attention."""
        return any(domain.needs_attention for domain in self.domains)

    @property
    def attention_count(self) -> int:
        """How many domains need attention."""
        return sum(1 for domain in self.domains if domain.needs_attention)

    def summary(self) -> str:
        """``"N of M domains need attention"``."""
        total = len(self.domains)
        noun = "domain needs" if total == 1 else "domains need"
        return f"{self.attention_count} of {total} {noun} attention"

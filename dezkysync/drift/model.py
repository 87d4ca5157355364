"""The drift report as a value: per tenant, what drifted on the services and what is pending
in the files, and the exit code it stands for.

- **drift**: the live state differs from the desired state recorded at the last apply
  (something changed on a service out of band);
- **pending**: the tenant file differs from that recorded state (a change not applied yet);
  a tenant with no record at all is pending as *never applied*;
- **unknown**: the tenant's record cannot be read; nothing is concluded about it.

A tenant whose file says ``state: absent`` loses its record with its members group when it is
torn down: with nothing of it left on the services, it is clean.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from dezkysync.drift.pending import PendingChange
from dezkysync.drift.record import AppliedRecord
from dezkysync.exitcodes import ExitCode

Status = Literal["drift", "pending", "never-applied", "clean", "unknown"]
STATUSES: tuple[Status, ...] = ("drift", "pending", "never-applied", "clean", "unknown")


@dataclass(frozen=True)
class DriftedField:
    """One field of one live object that differs from the recorded desired state."""

    tenant: str
    service: str  # stalwart, authentik, ocis
    kind: str  # mailbox, alias, identity, membership, ...
    key: str  # the object in the operator's words: an address, a group/login
    field: str  # a field name, or "presence" for an object missing or unexpected
    recorded: Any  # what the last apply established
    live: Any  # what the service holds now
    change_id: str  # the plan change that would restore the recorded state

    @property
    def object(self) -> str:
        """``<kind> <key>``."""
        return f"{self.kind} {self.key}"


@dataclass(frozen=True)
class TenantDrift:
    """The verdict for one tenant."""

    tenant: str
    record: AppliedRecord | None
    drift: tuple[DriftedField, ...] = ()
    pending: tuple[PendingChange, ...] = ()
    problem: str | None = None  # why the record cannot be read
    torn_down: bool = False  # state: absent, and nothing of it is left on the services

    @property
    def status(self) -> Status:
        """drift, pending, never-applied, clean or unknown (see the module docstring)."""
        if self.problem is not None:
            return "unknown"
        if self.torn_down:
            return "clean"
        if self.record is None:
            return "never-applied"
        if self.drift:
            return "drift"
        return "pending" if self.pending else "clean"

    @property
    def is_pending(self) -> bool:
        """Whether the files ask for something not applied yet."""
        return self.status == "never-applied" or bool(self.pending)


@dataclass(frozen=True)
class DriftReport:
    """Every tenant's verdict, in slug order, plus notes about the run."""

    tenants: tuple[TenantDrift, ...]
    read_at: datetime
    shard: str | None = None  # "K/N" when only one shard was looked at
    notes: tuple[str, ...] = ()

    @property
    def drifted_fields(self) -> tuple[DriftedField, ...]:
        """Every drifted field of every tenant."""
        return tuple(item for tenant in self.tenants for item in tenant.drift)

    def counts(self) -> dict[str, int]:
        """Tenants per status (every status listed)."""
        counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for tenant in self.tenants:
            counts[tenant.status] += 1
        return counts

    def exit_code(self) -> ExitCode:
        """1 when a record is unreadable, else 4 on drift, 2 when only pending, 0 clean."""
        if any(t.problem is not None for t in self.tenants):
            return ExitCode.ERROR
        if any(t.drift for t in self.tenants):
            return ExitCode.DRIFT
        if any(t.is_pending for t in self.tenants):
            return ExitCode.CHANGES
        return ExitCode.OK


__all__ = ["STATUSES", "DriftReport", "DriftedField", "Status", "TenantDrift"]

"""Drift detection: tenant files + applied records + live state -> a :class:`DriftReport`.

Drift is computed with the plan's own diff, from the **recorded** desired states to the live
state: every change that plan would make to restore what was applied is something that moved
on a service. All readable records take part in that plan (so that rules across tenants, such
as guests, see everyone), and each change is reported for the tenant it belongs to. Pending
changes compare each file with its tenant's record, field by field.

Pure: reads nothing but its arguments; the caller reads the services (completely, or not at
all: a failed or partial read never reaches this module).
"""

from __future__ import annotations

from collections.abc import Iterable

from dezkysync.drift.model import DriftedField, DriftReport, TenantDrift
from dezkysync.drift.pending import PRESENCE, PendingChange, pending_changes
from dezkysync.drift.record import AppliedRecords
from dezkysync.live.model import LiveState, Ownership
from dezkysync.plan.compute import compute_plan
from dezkysync.plan.model import DEACTIVATE_BEFORE_REMOVAL, GENERATED, Change, Plan
from dezkysync.plan.shard import Shard
from dezkysync.tenants.model import TenantSet

#: Fields never reported: set at apply time, and never a value worth showing.
HIDDEN_FIELDS = frozenset({"password"})


def detect_drift(
    tenants: TenantSet,
    records: AppliedRecords,
    live: LiveState,
    *,
    shard: Shard | None = None,
) -> DriftReport:
    """The drift report for the tenants of ``tenants`` (those of ``shard`` only, if given)."""
    restore = restoring_plan(records, live)
    by_tenant: dict[str, list[DriftedField]] = {}
    for change in restore.changes:
        by_tenant.setdefault(change.tenant, []).extend(drifted_fields(change))
    verdicts: list[TenantDrift] = []
    for tenant in tenants.tenants:
        if shard is not None and not shard.contains(tenant.slug):
            continue
        problem = records.problems.get(tenant.slug)
        record = records.get(tenant.slug)
        if problem is not None:
            verdicts.append(TenantDrift(tenant.slug, None, problem=problem))
            continue
        if record is None:
            gone = tenant.state == "absent" and not _has_objects(live, tenant.slug)
            verdicts.append(TenantDrift(tenant.slug, None, torn_down=gone))
            continue
        pending: list[PendingChange] = []
        current = tenant.canonical()
        if tenant.desired_hash() != record.desired_hash:
            pending = pending_changes(tenant.slug, record.desired, current)
            if not pending:  # same content, another hash: say so rather than nothing
                pending = [
                    PendingChange(
                        tenant.slug,
                        f"tenant {tenant.slug}",
                        "desired_hash",
                        record.desired_hash,
                        tenant.desired_hash(),
                    )
                ]
        verdicts.append(
            TenantDrift(
                tenant.slug,
                record,
                drift=tuple(by_tenant.get(tenant.slug, ())),
                pending=tuple(pending),
            )
        )
    return DriftReport(
        tenants=tuple(verdicts),
        read_at=live.read_at,
        shard=str(shard) if shard is not None else None,
        notes=tuple(_notes(tenants, records, shard)),
    )


def restoring_plan(records: AppliedRecords, live: LiveState) -> Plan:
    """The plan from ``live`` back to every recorded desired state."""
    recorded = sorted(
        (record.desired_tenant() for record in records.records.values()), key=lambda t: t.slug
    )
    return compute_plan(TenantSet(tenants=tuple(recorded), files=()), live, now=live.read_at)


def drifted_fields(change: Change) -> list[DriftedField]:
    """What one restoring change says moved: its fields with recorded (``after``) and live
    (``before``) values, or the object's presence for a create or delete. Never a password."""

    def item(field: str, recorded: object, live_value: object) -> DriftedField:
        return DriftedField(
            tenant=change.tenant,
            service=change.service,
            kind=change.kind,
            key=change.key,
            field=field,
            recorded=recorded,
            live=live_value,
            change_id=change.id,
        )

    if change.note == DEACTIVATE_BEFORE_REMOVAL:
        return []  # the first step of a removal; the delete itself is reported
    if change.action == "create":
        return [item(PRESENCE, "present", "absent")]
    if change.action == "delete":
        return [item(PRESENCE, "absent", "present")]
    return [
        item(f.name, f.after, f.before)
        for f in change.fields
        if f.name not in HIDDEN_FIELDS and GENERATED not in (f.before, f.after)
    ]


def _has_objects(live: LiveState, slug: str) -> bool:
    """Whether anything on the services is marked for ``slug``."""
    owners: list[Ownership | None] = [i.owner for i in live.authentik.identities]
    owners += [g.owner for g in live.authentik.groups]
    if live.stalwart is not None:
        owners += [d.owner for d in live.stalwart.domains]
        owners += [m.owner for m in live.stalwart.mailboxes]
        owners += [ml.owner for ml in live.stalwart.lists]
    return any(owner is not None and owner.tenant == slug for owner in owners)


def _notes(tenants: TenantSet, records: AppliedRecords, shard: Shard | None) -> Iterable[str]:
    given = {t.slug for t in tenants.tenants}
    for slug in sorted({*records.records, *records.problems} - given):
        if shard is None or shard.contains(slug):
            yield (
                f"tenant '{slug}' has an applied record on authentik but no tenant file was "
                "given; it is not checked (a tenant whose file disappeared is never torn down)"
            )


__all__ = ["HIDDEN_FIELDS", "detect_drift", "drifted_fields", "restoring_plan"]

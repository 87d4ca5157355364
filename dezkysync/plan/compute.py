"""``compute_plan``: desired state + live state -> a :class:`~dezkysync.plan.model.Plan`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from dezkysync.config import DEFAULT_PLAN_MAX_AGE, DeletionLimits
from dezkysync.live.model import LiveState
from dezkysync.plan.desired import expand
from dezkysync.plan.diff import diff
from dezkysync.plan.draft import Builder, Draft
from dezkysync.plan.guards import evaluate
from dezkysync.plan.links import link
from dezkysync.plan.model import Change, ComputedFrom, Plan, PlanOptions, in_plan_order
from dezkysync.plan.order import execution_order
from dezkysync.plan.source import file_digests, service_sources, tenant_digests
from dezkysync.tenants.model import TenantSet


def compute_plan(
    tenants: TenantSet,
    live: LiveState,
    *,
    options: PlanOptions | None = None,
    limits: DeletionLimits | None = None,
    protected: Iterable[str] = (),
    max_age: timedelta = DEFAULT_PLAN_MAX_AGE,
    service_urls: Mapping[str, str] | None = None,
    git_commit: str | None = None,
    now: datetime | None = None,
) -> Plan:
    """The plan that brings ``live`` to what ``tenants`` describe, with every guard's
    findings. Pure: reads nothing but its arguments (and the tenant files' bytes, to hash)."""
    options = options or PlanOptions()
    limits = limits or DeletionLimits()
    desired = expand(tenants)
    builder = Builder(options)
    diff(desired, live, builder)
    link(builder)
    evaluate(builder, desired, live, limits=limits, protected=protected)
    ordered = execution_order(builder)
    position = {draft.id: n for n, draft in enumerate(ordered)}
    changes = tuple(_freeze(draft, position) for draft in ordered)
    findings = in_plan_order(builder.findings, position)
    involved = {change.object_ref for change in changes}
    computed_from = ComputedFrom(
        created_at=(now or datetime.now(UTC)).replace(microsecond=0),
        max_age=max_age,
        files=file_digests(tenants),
        files_hash=tenants.files_hash(),
        tenants=tenant_digests(tenants),
        git_commit=git_commit,
        services=service_sources(live, dict(service_urls or {})),
        stalwart_enabled=live.stalwart is not None,
        options=options,
        deletion_max_count=limits.max_count,
        deletion_max_percent=limits.max_percent,
        live_objects={
            ref: value for ref, value in sorted(builder.live_objects.items()) if ref in involved
        },
    )
    return Plan(
        changes=changes, findings=tuple(dict.fromkeys(findings)), computed_from=computed_from
    )


def _freeze(draft: Draft, position: Mapping[str, int]) -> Change:
    last = len(position)
    return Change(
        id=draft.id,
        service=draft.service,
        kind=draft.kind,
        action=draft.action,
        tenant=draft.tenant,
        key=draft.key,
        fields=tuple(draft.fields),
        live=dict(draft.live),
        depends_on=tuple(sorted(draft.deps, key=lambda i: (position.get(i, last), i))),
        object_ref=draft.object_ref,
        note=draft.note,
    )


__all__ = ["compute_plan"]

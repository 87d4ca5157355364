"""Shards (``--shard K/N``): a stable subset of the tenants, for CI jobs that split the work.

A tenant belongs to shard ``sha256(slug) % N + 1`` (:func:`dezkysync.tenants.model.shard_of`),
so it never moves while other tenants come and go. Validation always covers every file, and the
plan is always computed over every tenant (so that rules across tenants, such as a mailbox kept
while its owner is still a guest elsewhere, see everything); a shard then keeps the changes of
its own tenants (:func:`shard_plan`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace

from dezkysync.plan.model import Change, Finding, Plan, in_plan_order
from dezkysync.tenants.model import shard_of

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
MAX_SHARDS = 10_000

#: The finding on a change that waits for a change of a tenant in another shard.
OTHER_SHARD = "other-shard"


@dataclass(frozen=True)
class Shard:
    """Shard ``k`` of ``n`` (1-based)."""

    k: int
    n: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/4"`` -> ``Shard(2, 4)``; ``ValueError`` with the reason for anything else."""
        match = _SHARD.match(text)
        if match is None:
            raise ValueError(f"{text!r} is not a shard: write K/N, e.g. 1/4 (shard 1 of 4)")
        k, n = int(match.group(1)), int(match.group(2))
        if n < 1 or n > MAX_SHARDS:
            raise ValueError(f"shard {k}/{n}: N must be between 1 and {MAX_SHARDS}")
        if not 1 <= k <= n:
            raise ValueError(f"shard {k}/{n}: K must be between 1 and {n}")
        return cls(k, n)

    def contains(self, slug: str) -> bool:
        """Whether the tenant ``slug`` belongs to this shard."""
        return shard_of(slug, self.n) == self.k

    def __str__(self) -> str:
        return f"{self.k}/{self.n}"


def shard_plan(plan: Plan, tenants: Collection[str]) -> Plan:
    """``plan`` restricted to the changes of ``tenants`` (and the findings about them).

    A change that waits for a change of a tenant left out cannot run in this shard when it
    needs what that change does (a guest's membership waiting for the identity its home tenant
    creates, an address another tenant frees): it is blocked (``other-shard``), and whatever
    waits for it is blocked by dependency. Waiting for another tenant's membership creation is
    only an order (memberships before a mailbox) and is not kept across shards.
    """
    kept = [c for c in plan.changes if c.tenant in tenants]
    kept_ids = {c.id for c in kept}
    dropped = {c.id: c for c in plan.changes if c.id not in kept_ids}
    findings = [
        f
        for f in plan.findings
        if (f.change_id in kept_ids)
        or (f.change_id is None and (f.tenant is None or f.tenant in tenants))
    ]
    blocked = {f.change_id for f in findings if f.severity == "blocking" and f.change_id}
    for change in kept:  # in execution order: what a change waits for comes first
        if change.id in blocked:
            continue
        outside = [
            dep for dep in change.depends_on if dep in dropped and not _order_only(dropped[dep])
        ]
        if outside:
            dep = dropped[outside[0]]
            findings.append(
                Finding(
                    OTHER_SHARD,
                    "blocking",
                    f"waits for {dep.id} of tenant '{dep.tenant}', which is in another shard; "
                    "it can run once that shard is applied",
                    tenant=change.tenant,
                    change_id=change.id,
                )
            )
            blocked.add(change.id)
            continue
        cause = next((dep for dep in change.depends_on if dep in blocked), None)
        if cause is not None:
            findings.append(
                Finding(
                    "blocked-by-dependency",
                    "blocking",
                    f"waits for {cause}, which is blocked",
                    tenant=change.tenant,
                    change_id=change.id,
                )
            )
            blocked.add(change.id)
    position = {c.id: n for n, c in enumerate(kept)}
    findings = in_plan_order(findings, position)
    refs = {c.object_ref for c in kept}
    source = plan.computed_from
    computed_from = replace(
        source,
        tenants=tuple(t for t in source.tenants if t.slug in tenants),
        live_objects={ref: fp for ref, fp in source.live_objects.items() if ref in refs},
    )
    return Plan(changes=tuple(kept), findings=tuple(findings), computed_from=computed_from)


def _order_only(change: Change) -> bool:
    """A dependency that only orders the work (a membership created before a mailbox)."""
    return change.kind == "membership" and change.action == "create"


__all__ = ["OTHER_SHARD", "Shard", "shard_plan"]

"""After a run: store, per tenant, what was applied (the drift baseline).

Only tenants that are fully in line get a record: every change of theirs applied, none failed,
was skipped or held back by a guard. A tenant with nothing to do is in line too, so a converged
tenant always has a current record. Tenants being torn down (``state: absent``) have none: their
group goes with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dezkysync.apply.journal import Journal
from dezkysync.apply.outcome import RunReport
from dezkysync.drift.record import build_applied_record, write_applied_records
from dezkysync.http import ServiceError
from dezkysync.plan.model import Plan
from dezkysync.services.authentik import AuthentikClient
from dezkysync.tenants import TenantSet


@dataclass(frozen=True)
class RecordOutcome:
    """Which tenants got their record, and why not when they did not."""

    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    not_in_line: tuple[str, ...] = ()
    no_group: tuple[str, ...] = ()
    error: str | None = None


def tenants_in_line(tenants: TenantSet, plan: Plan, report: RunReport | None) -> list[str]:
    """Slugs of the present tenants whose every change applied (or who had none)."""
    unsettled = {change.tenant for change in plan.changes if change.id in plan.blocked_ids}
    if report is not None:
        unsettled |= {o.change.tenant for o in report.outcomes if o.status != "applied"}
    return [t.slug for t in tenants.tenants if t.state == "present" and t.slug not in unsettled]


def record_applied(
    tenants: TenantSet | None,
    plan: Plan,
    report: RunReport | None,
    authentik: AuthentikClient,
    journal: Journal,
    *,
    now: datetime | None = None,
) -> RecordOutcome:
    """Write the applied record of every tenant in line; journal what was written. A failure
    to write is returned (and journaled), never raised: the changes themselves are done."""
    if tenants is None:
        return RecordOutcome()
    now = now or datetime.now(UTC)
    in_line = tenants_in_line(tenants, plan, report)
    not_in_line = tuple(
        t.slug for t in tenants.tenants if t.state == "present" and t.slug not in in_line
    )
    commit = plan.computed_from.git_commit
    records = {
        slug: build_applied_record(tenant, git_commit=commit, now=now)
        for slug in in_line
        if (tenant := tenants.tenant(slug)) is not None
    }
    try:
        result = write_applied_records(authentik, records) if records else None
    except ServiceError as exc:
        journal.write("failed", step="record applied state", error=str(exc))
        return RecordOutcome(not_in_line=not_in_line, error=str(exc))
    outcome = RecordOutcome(
        written=result.written if result else (),
        unchanged=result.unchanged if result else (),
        not_in_line=not_in_line,
        no_group=result.no_group if result else (),
    )
    journal.write(
        "recorded",
        written=list(outcome.written),
        unchanged=list(outcome.unchanged),
        not_in_line=list(outcome.not_in_line),
        no_group=list(outcome.no_group),
    )
    return outcome

"""The text rendering: the tenants that are not clean, each drifted field and pending change
with its recorded value beside the live or file value, then a summary line."""

from __future__ import annotations

from collections.abc import Callable

import click

from dezkysync.drift.model import DriftReport, Status, TenantDrift
from dezkysync.drift.render.values import grouped, shown

_COLOURS: dict[Status, str | None] = {
    "drift": "red",
    "pending": "yellow",
    "never-applied": "yellow",
    "clean": "green",
    "unknown": "red",
}
_LABELS: dict[Status, str] = {
    "drift": "DRIFT",
    "pending": "pending",
    "never-applied": "pending (never applied)",
    "clean": "clean",
    "unknown": "UNKNOWN",
}


def render_text(report: DriftReport, *, color: bool = False) -> str:
    """The whole report as text (ends with a newline)."""
    style: Callable[..., str] = click.style if color else (lambda text, **_: text)
    lines: list[str] = []
    for verdict in report.tenants:
        if verdict.status == "clean":
            continue
        lines.extend(_tenant(verdict, style))
        lines.append("")
    if report.notes:
        lines.append(style("Notes:", bold=True))
        lines.extend(f"  i {note}" for note in report.notes)
        lines.append("")
    lines.append(summary_line(report, style))
    return "\n".join(lines) + "\n"


def _tenant(verdict: TenantDrift, style: Callable[..., str]) -> list[str]:
    status = verdict.status
    head = f"tenant {verdict.tenant}: " + style(
        _LABELS[status], fg=_COLOURS[status], bold=status in ("drift", "unknown")
    )
    lines = [head]
    if verdict.problem is not None:
        lines.append(f"  ✗ {verdict.problem}")
        return lines
    record = verdict.record
    if record is None:
        lines.append("  no applied record: apply has not completed this tenant yet")
        return lines
    lines.append(f"  last applied {_applied(record.applied_at, record.git_commit)}")
    if verdict.drift:
        lines.append("  drift (the services differ from what was applied):")
        for what, items in grouped(verdict.drift, lambda d: f"{d.service} {d.object}"):
            lines.append(f"    {what}")
            lines.extend(
                f"        {d.field}: recorded {shown(d.field, d.recorded)}, "
                f"live {shown(d.field, d.live)}"
                for d in items
            )
    if verdict.pending:
        lines.append("  pending (the file differs from what was applied):")
        for what, changes in grouped(verdict.pending, lambda p: p.object):
            lines.append(f"    {what}")
            lines.extend(
                f"        {p.field}: recorded {shown(p.field, p.recorded)}, "
                f"file {shown(p.field, p.file)}"
                for p in changes
            )
    return lines


def _applied(applied_at: str | None, git_commit: str | None) -> str:
    text = applied_at or "(time unknown)"
    return f"{text} from commit {git_commit}" if git_commit else text


def summary_line(report: DriftReport, style: Callable[..., str] | None = None) -> str:
    """``Drift: 1 drifted (3 fields), 2 pending, 5 clean.`` (with the shard, if any)."""
    style = style or (lambda text, **_: text)
    counts = report.counts()
    parts: list[str] = []
    if counts["drift"]:
        fields = len(report.drifted_fields)
        parts.append(
            style(
                f"{counts['drift']} drifted ({fields} field{'s' if fields != 1 else ''})",
                fg="red",
                bold=True,
            )
        )
    pending = sum(1 for t in report.tenants if t.status == "pending")
    if pending:
        parts.append(f"{pending} pending")
    if counts["never-applied"]:
        parts.append(f"{counts['never-applied']} never applied")
    if counts["unknown"]:
        parts.append(style(f"{counts['unknown']} unknown (record unreadable)", fg="red"))
    parts.append(f"{counts['clean']} clean")
    where = f" (shard {report.shard})" if report.shard else ""
    if not report.tenants:
        return f"Drift{where}: no tenant to check."
    return f"Drift{where}: {', '.join(parts)}."

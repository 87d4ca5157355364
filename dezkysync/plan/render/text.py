"""The text rendering: Terraform-like, grouped by tenant and service, with a summary.

``+`` create, ``~`` update, ``-`` delete, ``⏸`` suspend, ``▶`` resume, ``⇄`` adopt. Colour only
when asked (the command asks on a TTY without ``--no-color``).
"""

from __future__ import annotations

from collections.abc import Callable

import click

from dezkysync.plan.model import SERVICES, Action, Change, Finding, Plan
from dezkysync.plan.render.values import field_line, title

_COLOURS: dict[Action, str] = {
    "create": "green",
    "update": "yellow",
    "delete": "red",
    "suspend": "magenta",
    "resume": "cyan",
    "adopt": "blue",
}
_SEVERITY_MARK = {"blocking": "✗", "warning": "!", "info": "i"}
_VERBS = [
    ("create", "to create"),
    ("adopt", "to adopt"),
    ("update", "to update"),
    ("resume", "to resume"),
    ("suspend", "to suspend"),
    ("delete", "to delete"),
]


def render_text(plan: Plan, *, color: bool = False) -> str:
    """The whole plan as text (ends with a newline)."""
    style: Callable[..., str] = click.style if color else (lambda text, **_: text)
    lines: list[str] = []
    tenants = sorted({c.tenant for c in plan.changes})
    for tenant in tenants:
        lines.append(style(f"tenant {tenant}", bold=True))
        for service in SERVICES:
            changes = [c for c in plan.changes if c.tenant == tenant and c.service == service]
            if not changes:
                continue
            lines.append(f"  {service}")
            for change in changes:
                lines.extend(_change(change, plan, style))
        lines.append("")
    general = plan.general_findings
    if general:
        lines.append(style("Findings:", bold=True))
        for finding in general:
            lines.append(_finding(finding, style, indent="  "))
        lines.append("")
    lines.append(summary_line(plan, style))
    return "\n".join(lines) + "\n"


def _change(change: Change, plan: Plan, style: Callable[..., str]) -> list[str]:
    symbol = style(change.symbol, fg=_COLOURS[change.action], bold=True)
    head = f"    {symbol} {title(change)}"
    if change.note:
        head += f"  ({change.note})"
    if change.id in plan.blocked_ids:
        head += "  " + style("BLOCKED", fg="red", bold=True)
    lines = [head]
    lines.extend(f"        {field_line(change, f)}" for f in change.fields)
    lines.extend(_finding(f, style, indent="        ") for f in plan.findings_for(change.id))
    return lines


def _finding(finding: Finding, style: Callable[..., str], *, indent: str) -> str:
    mark = _SEVERITY_MARK[finding.severity]
    colour = {"blocking": "red", "warning": "yellow", "info": None}[finding.severity]
    text = f"{mark} {finding.code}: {finding.message}"
    if finding.severity == "blocking" and finding.override:
        text += f" (override: {finding.override})"
    return indent + (style(text, fg=colour) if colour else text)


def summary_line(plan: Plan, style: Callable[..., str] | None = None) -> str:
    """``Plan: 3 to create, 1 to update; 1 blocked.`` or the "no changes" line."""
    style = style or (lambda text, **_: text)
    blocking_general = any(f.severity == "blocking" for f in plan.general_findings)
    if not plan.changes:
        text = "No changes. The services match the tenant files."
        if blocking_general:
            text += " " + style("Blocked: see the findings above.", fg="red", bold=True)
        return text
    counts = plan.counts()
    parts = [f"{counts[action]} {verb}" for action, verb in _VERBS if counts[action]]
    text = f"Plan: {', '.join(parts)}."
    if counts["blocked"] or blocking_general:
        text += " " + style(f"{counts['blocked']} blocked by guards.", fg="red", bold=True)
    return text

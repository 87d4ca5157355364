"""The markdown rendering, for pull-request comments.

A summary table per tenant and service, the blocking findings in plain sight, then each
tenant's changes folded in ``<details>``. Always under :data:`LIMIT` characters (GitHub
refuses comments over 65,536): when the whole plan does not fit, tenants are cut from the end
and a note points to the full JSON plan.
"""

from __future__ import annotations

import html

from dezkysync.plan.model import SERVICES, SYMBOLS, Change, Plan
from dezkysync.plan.render.text import summary_line
from dezkysync.plan.render.values import field_line, title

LIMIT = 60_000
_RESERVE = 1_200  # room kept for the closing notes
_MAX_BLOCKERS = 40


def render_markdown(plan: Plan, *, limit: int = LIMIT) -> str:
    """The plan as a markdown comment of at most ``limit`` characters."""
    budget = limit - _RESERVE
    out: list[str] = ["## dezkysync plan", ""]
    out.append(_headline(plan))
    out.append("")
    if not plan.changes and not plan.findings:
        return _finish(out, plan, [], limit)
    table = _table(plan)
    out.extend(table)
    out.append("")
    blockers = [
        f for f in plan.findings if f.severity == "blocking" and f.code != "blocked-by-dependency"
    ]
    if blockers:
        out.append("### ⛔ Blocked")
        out.append("")
        for finding in blockers[:_MAX_BLOCKERS]:
            where = f"`{_code(finding.change_id)}`: " if finding.change_id else ""
            line = f"- **{finding.code}** {where}{_text(finding.message)}"
            if finding.override:
                line += f" _(override: `{finding.override}`)_"
            out.append(line)
        if len(blockers) > _MAX_BLOCKERS:
            out.append(f"- … and {len(blockers) - _MAX_BLOCKERS} more (see the JSON plan)")
        out.append("")
    others = [f for f in plan.general_findings if f.severity != "blocking"]
    if others:
        out.append("### Notes")
        out.append("")
        out.extend(f"- {f.severity}: **{f.code}** {_text(f.message)}" for f in others)
        out.append("")
    cut: list[str] = []
    used = sum(len(line) + 1 for line in out)
    for tenant in sorted({c.tenant for c in plan.changes}):
        section = _tenant_details(plan, tenant)
        size = sum(len(line) + 1 for line in section)
        if used + size > budget or cut:
            cut.append(tenant)
            continue
        out.extend(section)
        used += size
    return _finish(out, plan, cut, limit)


def _finish(out: list[str], plan: Plan, cut: list[str], limit: int) -> str:
    if cut:
        out.append(
            f"> ✂️ The changes of {len(cut)} tenant(s) are not shown ({_text(', '.join(cut[:20]))}"
            f"{', …' if len(cut) > 20 else ''}): this comment is limited to {limit:,} "
            "characters. The full plan is the JSON one: `dezkysync plan --format json`, or "
            "the file written by `--out`."
        )
        out.append("")
    source = plan.computed_from
    commit = f" at `{source.git_commit}`" if source.git_commit else ""
    out.append(
        f"<sub>Computed {source.created_at:%Y-%m-%d %H:%M:%SZ} from {len(source.files)} "
        f"tenant file(s){commit}; valid for {int(source.max_age.total_seconds())} s.</sub>"
    )
    text = "\n".join(out) + "\n"
    if len(text) > limit:  # only when the fixed parts alone are huge: cut hard, say so
        note = "\n\n> ✂️ Cut at the size limit; see the JSON plan.\n"
        text = text[: limit - len(note)] + note
    return text


def _headline(plan: Plan) -> str:
    if not plan.changes:
        line = "**No changes.** The services match the tenant files."
        if plan.blocked:
            line += " ⛔ **Blocked** (see below)."
        return line
    counts = plan.counts()
    line = summary_line(plan).replace("Plan: ", "").rstrip(".")
    text = f"**{len(plan.changes)} changes**: {line}."
    if counts["blocked"] or plan.blocked:
        text += " ⛔"
    return text


def _table(plan: Plan) -> list[str]:
    rows = ["| tenant | " + " | ".join(SERVICES) + " | blocked |", "|---|---|---|---|---|"]
    for tenant in sorted({c.tenant for c in plan.changes}):
        cells = []
        for service in SERVICES:
            changes = [c for c in plan.changes if c.tenant == tenant and c.service == service]
            cells.append(_counts(changes) or "·")
        blocked = sum(1 for c in plan.changes if c.tenant == tenant and c.id in plan.blocked_ids)
        rows.append(f"| {_cell(tenant)} | " + " | ".join(cells) + f" | {blocked or '·'} |")
    return rows


def _counts(changes: list[Change]) -> str:
    parts = []
    for action, symbol in SYMBOLS.items():
        number = sum(1 for c in changes if c.action == action)
        if number:
            parts.append(f"{symbol}{number}")
    return " ".join(parts)


def _tenant_details(plan: Plan, tenant: str) -> list[str]:
    changes = [c for c in plan.changes if c.tenant == tenant]
    blocked = sum(1 for c in changes if c.id in plan.blocked_ids)
    summary = f"{html.escape(tenant)}: {len(changes)} change(s)"
    if blocked:
        summary += f", {blocked} blocked ⛔"
    lines = ["<details>", f"<summary>{summary}</summary>", "", "```text"]
    for service in SERVICES:
        mine = [c for c in changes if c.service == service]
        if not mine:
            continue
        lines.append(service)
        for change in mine:
            head = f"  {change.symbol} {title(change)}"
            if change.note:
                head += f"  ({change.note})"
            if change.id in plan.blocked_ids:
                head += "  BLOCKED"
            lines.append(_code(head))
            lines.extend(_code(f"      {field_line(change, f)}") for f in change.fields)
            lines.extend(
                _code(f"      {f.severity}: {f.code}: {f.message}")
                for f in plan.findings_for(change.id)
            )
    lines += ["```", "", "</details>", ""]
    return lines


def _code(text: str | None) -> str:
    """Text that is safe inside a fenced code block."""
    return (text or "").replace("```", "`\u200b``")


def _text(text: str) -> str:
    """Text that is safe in markdown prose (no HTML, no accidental emphasis)."""
    escaped = html.escape(text, quote=False)
    for char in "\\`*_[]|":
        escaped = escaped.replace(char, "\\" + char)
    return escaped


def _cell(text: str) -> str:
    return _text(text)

"""The markdown rendering, for an issue or a job summary: a table of the tenants that are not
clean, then each one's drifted fields and pending changes folded in ``<details>``. Always under
:data:`LIMIT` characters; tenants that do not fit are named in a closing note."""

from __future__ import annotations

import html

from dezkysync.drift.model import DriftReport, TenantDrift
from dezkysync.drift.render.text import summary_line
from dezkysync.drift.render.values import grouped, shown

LIMIT = 60_000
_RESERVE = 1_200
_ICONS = {"drift": "🔴", "pending": "🟡", "never-applied": "🟡", "clean": "🟢", "unknown": "⛔"}


def render_markdown(report: DriftReport, *, limit: int = LIMIT) -> str:
    """The report as markdown of at most ``limit`` characters."""
    out = ["## dezkysync drift", "", _text(summary_line(report)), ""]
    flagged = [t for t in report.tenants if t.status != "clean"]
    if flagged:
        out += ["| tenant | status | drifted fields | pending changes |", "|---|---|---|---|"]
        for verdict in flagged:
            pending = "never applied" if verdict.record is None else str(len(verdict.pending))
            if verdict.problem is not None:
                pending = "?"
            out.append(
                f"| {_text(verdict.tenant)} | {_ICONS[verdict.status]} {verdict.status} | "
                f"{len(verdict.drift) if verdict.problem is None else '?'} | {pending} |"
            )
        out.append("")
    for note in report.notes:
        out.append(f"- note: {_text(note)}")
    if report.notes:
        out.append("")
    budget = limit - _RESERVE
    used = sum(len(line) + 1 for line in out)
    cut: list[str] = []
    for verdict in flagged:
        section = _details(verdict)
        size = sum(len(line) + 1 for line in section)
        if cut or used + size > budget:
            cut.append(verdict.tenant)
            continue
        out.extend(section)
        used += size
    if cut:
        out.append(
            f"> ✂️ {len(cut)} tenant(s) not shown ({_text(', '.join(cut[:20]))}"
            f"{', …' if len(cut) > 20 else ''}): see `dezkysync drift --format json`."
        )
        out.append("")
    out.append(f"<sub>Live state read {report.read_at:%Y-%m-%d %H:%M:%SZ}.</sub>")
    text = "\n".join(out) + "\n"
    if len(text) > limit:
        note = "\n\n> ✂️ Cut at the size limit; see the JSON report.\n"
        text = text[: limit - len(note)] + note
    return text


def _details(verdict: TenantDrift) -> list[str]:
    if verdict.problem is not None:
        return [f"**{_text(verdict.tenant)}**: {_text(verdict.problem)}", ""]
    if verdict.record is None:
        return []
    record = verdict.record
    summary = f"{html.escape(verdict.tenant)}: {verdict.status}"
    lines = ["<details>", f"<summary>{summary}</summary>", ""]
    commit = f" from commit `{_code(record.git_commit)}`" if record.git_commit else ""
    lines += [f"Last applied {_text(record.applied_at or '(time unknown)')}{commit}.", ""]
    lines.append("```text")
    if verdict.drift:
        lines.append("drift (the services differ from what was applied)")
        for what, items in grouped(verdict.drift, lambda d: f"{d.service} {d.object}"):
            lines.append(_code(f"  {what}"))
            lines.extend(
                _code(
                    f"      {d.field}: recorded {shown(d.field, d.recorded)}, "
                    f"live {shown(d.field, d.live)}"
                )
                for d in items
            )
    if verdict.pending:
        lines.append("pending (the file differs from what was applied)")
        for what, changes in grouped(verdict.pending, lambda p: p.object):
            lines.append(_code(f"  {what}"))
            lines.extend(
                _code(
                    f"      {p.field}: recorded {shown(p.field, p.recorded)}, "
                    f"file {shown(p.field, p.file)}"
                )
                for p in changes
            )
    lines += ["```", "", "</details>", ""]
    return lines


def _code(text: str) -> str:
    """Text that is safe inside a fenced code block."""
    return text.replace("```", "`\u200b``")


def _text(text: str) -> str:
    """Text that is safe in markdown prose (no HTML, no accidental emphasis)."""
    escaped = html.escape(text, quote=False)
    for char in "\\`*_[]|":
        escaped = escaped.replace(char, "\\" + char)
    return escaped

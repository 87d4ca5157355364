"""Showing a :class:`DnsReport` as text, JSON or Markdown, and a domain's records as a zone.

Every format ends with (or, for JSON, carries) the summary ``"N of M domains need attention"``.
Records that are not ok come with the BIND lines to publish.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import click

from dezkysync.dns.expected import DomainExpectation
from dezkysync.dns.report import DnsReport, DomainResult, RecordResult, Status

Format = Literal["text", "json", "markdown"]

#: Bumped when the JSON layout changes incompatibly.
JSON_FORMAT_VERSION = 1

_COLOURS: dict[Status, str] = {
    "ok": "green",
    "resolver-error": "magenta",
    "missing": "red",
    "duplicate": "yellow",
    "mismatch": "red",
}


def render(report: DnsReport, output_format: Format, *, color: bool = False) -> str:
    """The report in ``output_format`` (text may be coloured)."""
    if output_format == "text":
        return render_text(report, color=color)
    return RENDERERS[output_format](report)


def render_text(report: DnsReport, *, color: bool = False) -> str:
    """One line per domain that is fine; every record, with details and the lines to publish,
    for a domain that needs attention."""

    def paint(status: Status, text: str) -> str:
        return click.style(text, fg=_COLOURS[status], bold=status != "ok") if color else text

    lines: list[str] = []
    for domain in report.domains:
        if not domain.needs_attention:
            count = len(domain.records)
            lines.append(
                f"{paint('ok', 'ok')}  {domain.domain}{_owner(domain.tenant)}:"
                f" {count} record{'s' if count != 1 else ''} as expected"
            )
            continue
        lines.append(f"{paint('mismatch', '!!')}  {domain.domain}{_owner(domain.tenant)}")
        if domain.problem:
            lines.append(f"    problem: {domain.problem}")
        width = max((len(r.expected.label) for r in domain.records), default=0)
        for record in domain.records:
            status = f"{record.status:<14}"
            lines.append(
                f"    {paint(record.status, status)} {record.expected.label:<{width}}"
                f"  {record.expected.name}"
            )
            if record.ok:
                continue
            lines.append(f"        {record.detail}")
            if _needs_publishing(record):
                lines.append("        publish:")
                lines.extend(f"          {line}" for line in record.expected.zone_lines())
    if report.domains:
        lines.append("")
    lines.append(f"resolvers: {', '.join(report.resolvers)} ({report.queries} queries)")
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


def render_json(report: DnsReport) -> str:
    """Everything in the report as JSON (stable keys; see ``docs/dns.md``)."""
    return json.dumps(report_to_json(report), indent=2, ensure_ascii=False) + "\n"


def report_to_json(report: DnsReport) -> dict[str, Any]:
    """The report as JSON-able data."""
    return {
        "format": JSON_FORMAT_VERSION,
        "summary": {
            "domains": len(report.domains),
            "need_attention": report.attention_count,
            "text": report.summary(),
        },
        "resolvers": list(report.resolvers),
        "queries": report.queries,
        "domains": [_domain_json(domain) for domain in report.domains],
    }


def _domain_json(domain: DomainResult) -> dict[str, Any]:
    return {
        "tenant": domain.tenant,
        "domain": domain.domain,
        "needs_attention": domain.needs_attention,
        "problem": domain.problem,
        "records": [_record_json(record) for record in domain.records],
    }


def _record_json(record: RecordResult) -> dict[str, Any]:
    expected = record.expected
    return {
        "kind": expected.kind,
        "selector": expected.selector,
        "name": expected.name,
        "type": expected.rdtype,
        "status": record.status,
        "detail": record.detail,
        "expected": list(expected.values),
        "publish": expected.zone_lines(),
        "resolvers": [
            {
                "resolver": finding.resolver,
                "status": finding.status,
                "detail": finding.detail,
                "found": list(finding.found),
            }
            for finding in record.findings
        ],
    }


def render_markdown(report: DnsReport) -> str:
    """A summary table, then a section per domain that needs attention (for PR comments)."""
    lines = [f"### DNS check: {report.summary()}", ""]
    if report.domains:
        lines += ["| Domain | Tenant | Status |", "|---|---|---|"]
        for domain in report.domains:
            status = "**needs attention**" if domain.needs_attention else "ok"
            lines.append(f"| `{domain.domain}` | {_cell(domain.tenant or '')} | {status} |")
        lines.append("")
    for domain in report.domains:
        if not domain.needs_attention:
            continue
        lines += [f"#### `{domain.domain}`{_cell(_owner(domain.tenant))}", ""]
        if domain.problem:
            lines += [f"> {_cell(domain.problem)}", ""]
        lines += ["| Record | Name | Status | Detail |", "|---|---|---|---|"]
        for record in domain.records:
            status = record.status if record.ok else f"**{record.status}**"
            lines.append(
                f"| {_cell(record.expected.label)} | `{record.expected.name}` | {status}"
                f" | {_cell(record.detail)} |"
            )
        publish = [
            line
            for record in domain.attention
            if _needs_publishing(record)
            for line in record.expected.zone_lines()
        ]
        if publish:
            lines += ["", "<details><summary>Records to publish</summary>", "", "```dns"]
            lines += publish
            lines += ["```", "", "</details>"]
        lines.append("")
    lines.append(f"Resolvers: {', '.join(report.resolvers)} ({report.queries} queries).")
    return "\n".join(lines) + "\n"


def _needs_publishing(record: RecordResult) -> bool:
    """Whether the record is known to be wrong (not merely unverified for a resolver error)."""
    return record.status in ("missing", "duplicate", "mismatch")


def _owner(tenant: str | None) -> str:
    return f" (tenant {tenant})" if tenant else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_zone(expectation: DomainExpectation) -> str:
    """The records ``expectation.domain`` must publish, as a BIND zone fragment."""
    if expectation.tenant is None:
        lines = [
            f"; records to publish for {expectation.domain}",
            "; no tenant file claims this domain: the ownership record and the tenant's DMARC"
            " policy are left out",
        ]
    else:
        lines = [f"; records to publish for {expectation.domain}{_owner(expectation.tenant)}"]
    if expectation.problem:
        lines.append(f"; {expectation.problem}")
    lines.extend(expectation.zone_lines())
    return "\n".join(lines) + "\n"


RENDERERS: dict[Format, Callable[[DnsReport], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}

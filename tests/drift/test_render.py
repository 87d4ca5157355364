"""The drift renderers on hand-made reports: size limit, colour, escaping, exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from dezkysync.drift import DriftedField, DriftReport, PendingChange, TenantDrift, render
from dezkysync.drift.record import AppliedRecord
from dezkysync.drift.render.markdown import render_markdown
from dezkysync.exitcodes import ExitCode

READ_AT = datetime(2026, 11, 27, 3, 17, tzinfo=UTC)


def record(slug: str) -> AppliedRecord:
    return AppliedRecord(slug, "pk", f"tenant-{slug}", {}, "h", "2026-11-26T12:00:00Z", None, "0.1")


def drifted(slug: str, n: int) -> DriftedField:
    return DriftedField(
        slug, "stalwart", "mailbox", f"u{n}@{slug}.test", "quota", 2 * 1024**3, 10**9, f"c{n}"
    )


def test_exit_codes_follow_the_worst_verdict() -> None:
    clean = TenantDrift("a", record("a"))
    pending = TenantDrift(
        "b", record("b"), pending=(PendingChange("b", "tenant b", "name", "B", "Bee"),)
    )
    never = TenantDrift("c", None)
    drift = TenantDrift("d", record("d"), drift=(drifted("d", 1),))
    unknown = TenantDrift("e", None, problem="unreadable")
    assert DriftReport((clean,), READ_AT).exit_code() == ExitCode.OK
    assert DriftReport((clean, never), READ_AT).exit_code() == ExitCode.CHANGES
    assert DriftReport((pending,), READ_AT).exit_code() == ExitCode.CHANGES
    assert DriftReport((pending, drift), READ_AT).exit_code() == ExitCode.DRIFT
    assert DriftReport((drift, unknown), READ_AT).exit_code() == ExitCode.ERROR
    assert [t.status for t in (clean, pending, never, drift, unknown)] == [
        "clean",
        "pending",
        "never-applied",
        "drift",
        "unknown",
    ]


def test_markdown_stays_under_its_limit_and_names_what_it_cut() -> None:
    tenants = tuple(
        TenantDrift(
            f"t{n:03d}",
            record(f"t{n:03d}"),
            drift=tuple(drifted(f"t{n:03d}", i) for i in range(30)),
        )
        for n in range(200)
    )
    text = render_markdown(DriftReport(tenants, READ_AT), limit=20_000)
    assert len(text) <= 20_000
    assert "tenant(s) not shown" in text and "t199" in text
    assert "quota: recorded 2GiB, live 1GB" in text


def test_markdown_escapes_and_text_colours() -> None:
    evil = TenantDrift(
        "x",
        record("x"),
        drift=(
            DriftedField("x", "authentik", "identity", "a@x.test", "name", "A", "```<b>|", "c"),
        ),
    )
    report = DriftReport((evil,), READ_AT)
    markdown = render(report, "markdown")
    assert "```<b>|" not in markdown
    coloured = render(report, "text", color=True)
    assert "\x1b[" in coloured and "DRIFT" in coloured
    assert "\x1b[" not in render(report, "text")
    document = json.loads(render(report, "json"))
    assert document["drift"][0]["live"] == "```<b>|"
    assert document["read_at"] == "2026-11-27T03:17:00Z"

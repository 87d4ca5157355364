"""The executor: dependency order, bounded concurrency, skips and blocks, the journal."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dezkysync import redact
from dezkysync.apply.executor import Executor
from dezkysync.apply.journal import Journal
from dezkysync.apply.passwords import generate_password
from dezkysync.apply.safety import Refused
from dezkysync.exitcodes import ExitCode
from dezkysync.http import ServiceUnavailable
from dezkysync.plan.model import Change, ComputedFrom, Finding, Plan


def change(key: str, *deps: str, kind: str = "identity", action: str = "create") -> Change:
    return Change(
        id=f"authentik:{kind}:{key}:{action}",
        service="authentik",
        kind=kind,  # type: ignore[arg-type]
        action=action,  # type: ignore[arg-type]
        tenant="acme",
        key=key,
        depends_on=tuple(f"authentik:identity:{d}:create" for d in deps),
        object_ref=f"authentik:{kind}:{key}",
    )


def plan(*changes: Change, blocked: tuple[str, ...] = ()) -> Plan:
    findings = tuple(
        Finding(
            "protected-identity",
            "blocking",
            f"{key} is protected",
            "acme",
            f"authentik:identity:{key}:create",
        )
        for key in blocked
    )
    source = ComputedFrom(created_at=datetime.now(UTC), max_age=timedelta(hours=1))
    return Plan(changes=changes, findings=findings, computed_from=source)


class FakeRunner:
    """Records when each change runs; fails or refuses the ones it is told to."""

    def __init__(
        self,
        *,
        delay: float = 0.0,
        fail: frozenset[str] = frozenset(),
        refuse: frozenset[str] = frozenset(),
        crash: dict[str, str] | None = None,
    ) -> None:
        self.delay = delay
        self.fail = fail
        self.refuse = refuse
        self.crash = crash or {}
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.spans: dict[str, tuple[float, float]] = {}

    def apply(self, item: Change) -> str:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        start = time.monotonic()
        try:
            time.sleep(self.delay)
            if item.key in self.fail:
                raise ServiceUnavailable("authentik", "POST", "/x/", "boom", status=503)
            if item.key in self.refuse:
                raise Refused(f"{item.key} refused")
            if item.key in self.crash:
                raise RuntimeError(self.crash[item.key])
            return "done"
        finally:
            with self.lock:
                self.running -= 1
            self.spans[item.key] = (start, time.monotonic())


def run(
    the_plan: Plan, runner: FakeRunner, tmp_path: Path, concurrency: int = 4
) -> tuple[Any, list[dict[str, Any]]]:
    path = tmp_path / "journal.jsonl"
    with Journal(path, command="apply", actor="test") as journal:
        report = Executor(the_plan, runner, journal, concurrency=concurrency).run()  # type: ignore[arg-type]
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return report, lines


def statuses(report: Any) -> dict[str, str]:
    return {o.change.key: o.status for o in report.outcomes}


def test_a_failure_skips_only_what_waits_for_it(tmp_path: Path) -> None:
    the_plan = plan(change("a"), change("b", "a"), change("c", "b"), change("d"), change("e", "d"))
    report, lines = run(the_plan, FakeRunner(fail=frozenset({"a"})), tmp_path)
    assert statuses(report) == {
        "a": "failed",
        "b": "skipped",
        "c": "skipped",
        "d": "applied",
        "e": "applied",
    }
    skipped = {o.change.key: o.cause for o in report.outcomes if o.status == "skipped"}
    assert skipped == {"b": "authentik:identity:a:create", "c": "authentik:identity:b:create"}
    assert report.exit_code() == ExitCode.ERROR
    assert {line["change"]: line["status"] for line in lines} == {
        f"authentik:identity:{k}:create": v for k, v in statuses(report).items()
    }
    assert all(line["actor"] == "test" for line in lines)


def test_blocked_changes_are_not_run_and_their_dependents_skipped(tmp_path: Path) -> None:
    runner = FakeRunner()
    the_plan = plan(change("a"), change("b", "a"), change("c"), blocked=("a",))
    report, lines = run(the_plan, runner, tmp_path)
    assert statuses(report) == {"a": "blocked", "b": "skipped", "c": "applied"}
    assert set(runner.spans) == {"c"}
    assert report.exit_code() == ExitCode.BLOCKED
    assert lines[0]["status"] == "blocked" and "protected" in lines[0]["message"]


def test_dependencies_end_before_dependents_start(tmp_path: Path) -> None:
    runner = FakeRunner(delay=0.02)
    the_plan = plan(change("a"), change("b", "a"), change("c", "a"), change("d", "b", "c"))
    report, _ = run(the_plan, runner, tmp_path)
    assert set(statuses(report).values()) == {"applied"}
    spans = runner.spans
    assert spans["a"][1] <= spans["b"][0] and spans["a"][1] <= spans["c"][0]
    assert max(spans["b"][1], spans["c"][1]) <= spans["d"][0]
    assert report.exit_code() == ExitCode.OK


def test_concurrency_is_bounded(tmp_path: Path) -> None:
    runner = FakeRunner(delay=0.1)
    the_plan = plan(*(change(f"m{n}") for n in range(9)))
    report, _ = run(the_plan, runner, tmp_path, concurrency=3)
    assert len(report.of("applied")) == 9
    assert runner.most == 3


def test_refusals_block_and_bugs_fail_without_leaking_secrets(tmp_path: Path) -> None:
    secret = generate_password()
    redact.register(secret)
    runner = FakeRunner(refuse=frozenset({"a"}), crash={"b": f"oops {secret}"})
    report, _ = run(plan(change("a"), change("b"), change("c", "b")), runner, tmp_path)
    assert statuses(report) == {"a": "blocked", "b": "failed", "c": "skipped"}
    failed = report.of("failed")[0]
    assert failed.message.startswith("unexpected error: RuntimeError")
    assert secret not in failed.message
    assert secret not in (tmp_path / "journal.jsonl").read_text()
    assert report.exit_code() == ExitCode.ERROR

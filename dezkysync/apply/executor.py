"""Running a plan: dependency order, bounded concurrency, one journal line per change.

A change starts once every change it depends on (``depends_on``, within the plan) has been
applied; at most ``concurrency`` run at a time, picked in plan order. A change held back by a
guard (``plan.blocked_ids``) is not run (journal: ``blocked``), and neither is anything that
waits for a change that was blocked, failed or skipped (journal: ``skipped``, naming it). One
member's failure therefore stops that member's later steps, while every other member goes on.

Each outcome is journaled (flushed and fsynced) by the coordinating thread as soon as the
change ends, before anything that depends on it may start.

Test hook: when the environment variable ``DEZKYSYNC_TEST_KILL_AFTER`` names a change id, the
process kills itself with SIGKILL right after journaling that change, to prove that a run
dying halfway converges when run again. Never set it outside tests.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from dezkysync.apply.credentials import sets_password
from dezkysync.apply.journal import Journal
from dezkysync.apply.outcome import Outcome, RunReport, Status
from dezkysync.apply.safety import Refused
from dezkysync.apply.steps import ChangeRunner, MissingObject
from dezkysync.http import ServiceError
from dezkysync.plan.model import Change, Plan
from dezkysync.redact import redact
from dezkysync.services.writers import WriteRefused

KILL_AFTER_VARIABLE = "DEZKYSYNC_TEST_KILL_AFTER"

log = logging.getLogger("dezkysync.apply")


class Executor:
    """Runs the changes of one plan through a :class:`ChangeRunner`."""

    def __init__(
        self,
        plan: Plan,
        runner: ChangeRunner,
        journal: Journal,
        *,
        concurrency: int,
        on_outcome: Callable[[Outcome], None] | None = None,
        kill_after: str | None = None,
    ) -> None:
        self.plan = plan
        self.runner = runner
        self.journal = journal
        self.concurrency = max(1, concurrency)
        self.on_outcome = on_outcome
        self.kill_after = (
            kill_after if kill_after is not None else os.environ.get(KILL_AFTER_VARIABLE)
        )
        self.report = RunReport()
        self._ended: dict[str, Outcome] = {}

    def run(self) -> RunReport:
        """Run every runnable change; return the outcomes."""
        changes = list(self.plan.changes)
        position = {change.id: n for n, change in enumerate(changes)}
        known = set(position)
        waits_for = {c.id: [d for d in c.depends_on if d in known] for c in changes}
        for change in changes:
            if change.id in self.plan.blocked_ids:
                self._end(self._blocked_by_plan(change))
        pending = [c for c in changes if c.id not in self._ended]
        with ThreadPoolExecutor(
            max_workers=self.concurrency, thread_name_prefix="dezkysync-apply"
        ) as pool:
            running: dict[Future[Outcome], Change] = {}
            while pending or running:
                pending = self._start_ready(pending, waits_for, running, pool)
                if running:
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in sorted(done, key=lambda f: position[running[f].id]):
                        running.pop(future)
                        self._end(future.result())
                elif pending:  # waits for a change that will never end: cannot happen
                    for change in pending:
                        self._end(Outcome(change, "skipped", "its dependencies never completed"))
                    pending = []
        return self.report

    # -- scheduling -----------------------------------------------------------------------------
    def _start_ready(
        self,
        pending: list[Change],
        waits_for: dict[str, list[str]],
        running: dict[Future[Outcome], Change],
        pool: ThreadPoolExecutor,
    ) -> list[Change]:
        still: list[Change] = []
        progressed = True
        while progressed:
            progressed = False
            still = []
            for change in pending:
                ends = [self._ended.get(dep) for dep in waits_for[change.id]]
                if any(end is None for end in ends):
                    still.append(change)
                    continue
                cause = next((e for e in ends if e is not None and e.status != "applied"), None)
                if cause is not None:
                    self._end(self._skipped(change, cause))
                    progressed = True
                    continue
                if len(running) >= self.concurrency:
                    still.append(change)
                    continue
                running[pool.submit(self._run_one, change)] = change
            pending = still
        return still

    def _run_one(self, change: Change) -> Outcome:
        started = time.monotonic()
        status: Status = "applied"
        try:
            message = self.runner.apply(change)
        except (Refused, WriteRefused) as exc:
            status, message = "blocked", str(exc)
        except (ServiceError, MissingObject) as exc:
            status, message = "failed", str(exc)
        except Exception as exc:  # a bug must not take the other members down with it
            log.debug("unexpected failure in %s", change.id, exc_info=True)
            status, message = "failed", f"unexpected error: {type(exc).__name__}: {exc}"
        return Outcome(
            change,
            status,
            redact(message),
            duration_ms=int((time.monotonic() - started) * 1000),
            password_set=status == "applied" and sets_password(change),
        )

    # -- outcomes -------------------------------------------------------------------------------
    def _blocked_by_plan(self, change: Change) -> Outcome:
        reasons = [f.message for f in self.plan.findings_for(change.id) if f.severity == "blocking"]
        return Outcome(change, "blocked", "; ".join(reasons) or "held back by a guard")

    def _skipped(self, change: Change, cause: Outcome) -> Outcome:
        verb = {"failed": "failed", "blocked": "is blocked", "skipped": "was skipped"}.get(
            cause.status, cause.status
        )
        return Outcome(
            change,
            "skipped",
            f"waits for {cause.change.id}, which {verb}",
            cause=cause.change.id,
        )

    def _end(self, outcome: Outcome) -> None:
        change = outcome.change
        self._ended[change.id] = outcome
        self.report.outcomes.append(outcome)
        fields: dict[str, object] = {
            "change": change.id,
            "service": change.service,
            "kind": change.kind,
            "action": change.action,
            "tenant": change.tenant,
            "key": change.key,
            "message": outcome.message,
        }
        if outcome.status in ("applied", "failed"):
            fields["duration_ms"] = outcome.duration_ms
        if outcome.password_set:
            fields["password"] = "one-time password recorded in the secrets file"
        if outcome.cause:
            fields["waits_for"] = outcome.cause
        self.journal.write(outcome.status, **fields)
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        if self.kill_after and change.id == self.kill_after:
            os.kill(os.getpid(), signal.SIGKILL)

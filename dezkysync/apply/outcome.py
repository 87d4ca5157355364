"""What became of each change of a run, and the run's exit code."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from dezkysync.apply.secrets_file import SecretEntry
from dezkysync.exitcodes import ExitCode
from dezkysync.plan.model import Change

Status = Literal["applied", "failed", "skipped", "blocked"]
STATUSES: tuple[Status, ...] = ("applied", "failed", "skipped", "blocked")


@dataclass(frozen=True)
class Outcome:
    """One change's end: ``applied``, ``failed``, ``skipped`` (something it waits for did
    not happen) or ``blocked`` (a guard held it back). ``message`` never holds a secret."""

    change: Change
    status: Status
    message: str
    duration_ms: int = 0
    password_set: bool = False
    cause: str | None = None  # skipped: the change it waited for


@dataclass
class RunReport:
    """Every outcome of a run, in the order they ended, and the passwords recorded."""

    outcomes: list[Outcome] = field(default_factory=list)
    passwords: list[SecretEntry] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Outcomes per status (every status listed)."""
        counter = Counter(o.status for o in self.outcomes)
        return {status: counter.get(status, 0) for status in STATUSES}

    def of(self, status: Status) -> list[Outcome]:
        """The outcomes with ``status``."""
        return [o for o in self.outcomes if o.status == status]

    def unsettled_passwords(self) -> list[str]:
        """Members given a password in this run whose credential changes did not all apply
        (the password recorded may be set on some stores only, or on none)."""
        recorded = {entry.login for entry in self.passwords}
        return sorted(
            {
                o.change.key
                for o in self.outcomes
                if o.change.key in recorded
                and o.change.kind in ("identity", "mailbox")
                and o.status != "applied"
            }
        )

    def exit_code(self) -> ExitCode:
        """1 when anything failed (or was skipped because of a failure), 3 when guards held
        changes back and nothing failed, else 0."""
        counts = self.counts()
        if counts["failed"]:
            return ExitCode.ERROR
        if counts["blocked"] or counts["skipped"]:
            return ExitCode.BLOCKED
        return ExitCode.OK

"""``dezkysync apply PATHS | apply plan.json``: execute a plan, with guards, a secrets file and
a journal. The steps live in :mod:`dezkysync.apply.run`; this module parses, prints and asks."""

from __future__ import annotations

import os
import sys
from contextlib import ExitStack
from pathlib import Path

import click

from dezkysync.apply.journal import Journal
from dezkysync.apply.outcome import Outcome, RunReport
from dezkysync.apply.record import RecordOutcome, record_applied
from dezkysync.apply.run import (
    ApplyStop,
    Inputs,
    connect_services,
    execute,
    general_block,
    plan_for,
    read_inputs,
    record_start,
)
from dezkysync.apply.secrets_file import SecretsFile, SecretsFileError
from dezkysync.cli._common import connected, fail, parse_shard, unexpected
from dezkysync.cli._context import CliContext
from dezkysync.config import Config
from dezkysync.exitcodes import ExitCode
from dezkysync.http import ServiceError, scrub
from dezkysync.plan.model import PlanOptions
from dezkysync.plan.render import render_text
from dezkysync.plan.shard import Shard
from dezkysync.services.reader import read_live_state
from dezkysync.tenants import TenantFilesInvalid

DEFAULT_SECRETS_FILE = Path("dezkysync-secrets.json")
DEFAULT_JOURNAL = Path("dezkysync-journal.jsonl")
_MARKS = {"applied": "applied", "failed": "FAILED", "skipped": "skipped", "blocked": "blocked"}


# -- helpers shared with `dezkysync member` ---------------------------------------------------


def stdin_is_interactive() -> bool:
    """Whether a person can answer a question (stdin is a terminal)."""
    return sys.stdin.isatty()


def confirm(question: str, *, yes: bool) -> None:
    """Go on only with ``--yes`` or a "yes" typed at a terminal; without a terminal and
    without ``--yes``, refuse (exit 1)."""
    if yes:
        return
    if not stdin_is_interactive():
        fail(
            "refusing to change anything without confirmation: stdin is not a terminal; pass --yes"
        )
    if not click.confirm(question, default=False):
        click.echo("Nothing was changed.")
        raise SystemExit(int(ExitCode.ERROR))


def open_journal(path: Path, command: str) -> Journal:
    """The journal (exit 1 when it cannot be opened)."""
    try:
        return Journal(path, command=command)
    except OSError as exc:
        fail(f"cannot open the journal {path}: {exc.strerror or exc}")


def open_secrets(path: Path) -> SecretsFile:
    """The secrets file, created 0600 (exit 1 when that is not possible)."""
    try:
        return SecretsFile.open(path)
    except SecretsFileError as exc:
        fail(f"{exc}; nothing was done")


# -- the command ------------------------------------------------------------------------------

#: ``--journal``, shared with the ``member`` commands.
journal_option = click.option(
    "--journal",
    "journal_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_JOURNAL,
    show_default=True,
    help="The audit journal (JSON lines, appended).",
)
#: ``--yes``, shared with the ``member`` commands.
yes_option = click.option("--yes", is_flag=True, help="Do not ask for confirmation (CI).")


@click.command("apply")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--secrets-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_SECRETS_FILE,
    show_default=True,
    help="Where the one-time passwords go (mode 0600, created before any change).",
)
@journal_option
@click.option("--adopt", is_flag=True, help="Take over unmanaged objects that match the files.")
@click.option("--allow-deletes", is_flag=True, help="Lift the per-tenant deletion thresholds.")
@yes_option
@click.option(
    "--shard",
    metavar="K/N",
    callback=parse_shard,
    help="Only the changes of the tenants of shard K of N (a fresh plan; validation and the "
    "guards still see every tenant).",
)
def command(
    paths: tuple[Path, ...],
    secrets_file: Path,
    journal_path: Path,
    adopt: bool,
    allow_deletes: bool,
    yes: bool,
    shard: Shard | None,
) -> None:
    """Bring the services in line with the tenant files in PATHS, or run a saved plan
    (`apply plan.json`, refused when it is stale or too old).

    Shows the plan, asks for confirmation (on a terminal; --yes otherwise), then applies it in
    dependency order. One-time passwords of new members go to the secrets file, never to the
    output. Exit codes: 0 everything applied (or nothing to do), 1 a failure (or refused),
    3 changes held back by a guard (and nothing failed).
    """
    ctx = CliContext.current()
    options = PlanOptions(adopt=adopt, allow_deletes=allow_deletes)
    try:
        inputs = read_inputs(list(paths), options, shard=shard)
    except TenantFilesInvalid as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        fail(f"{exc.summary()}; nothing was done")
    except ApplyStop as exc:
        fail(str(exc), exc.exit_code)
    with connected(ctx) as connection, ExitStack() as stack:
        config = connection.config
        secrets = stack.enter_context(open_secrets(secrets_file))
        journal = stack.enter_context(open_journal(journal_path, "apply"))
        code = _run(inputs, config, options, secrets, journal, ctx, yes)
    raise SystemExit(int(code))


def _run(
    inputs: Inputs,
    config: Config,
    options: PlanOptions,
    secrets: SecretsFile,
    journal: Journal,
    ctx: CliContext,
    yes: bool,
) -> ExitCode:
    try:
        with connect_services(config) as clients:
            try:
                live = read_live_state(clients)
            except ServiceError as exc:
                fail(
                    f"cannot read the live state: {scrub(str(exc), config.secrets)}\n"
                    "nothing was changed: a failed or partial read is never taken as absent"
                )
            try:
                plan = plan_for(inputs, config, live, options)
            except ApplyStop as exc:
                journal.write("finished", result="refused", reason=str(exc))
                fail(str(exc), exc.exit_code)
            color = not ctx.no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()
            click.echo(render_text(plan, color=color), nl=False, color=color)
            blocked_as_whole = general_block(plan)
            if blocked_as_whole:
                journal.write("finished", result="blocked", reason=blocked_as_whole)
                fail(f"the plan is blocked as a whole: {blocked_as_whole}", ExitCode.BLOCKED)
            if not plan.changes:
                recorded = record_applied(inputs.in_scope(), plan, None, clients.authentik, journal)
                journal.write("finished", result="nothing to do")
                click.echo("Nothing to do.")
                return _record_exit(recorded, ExitCode.OK)
            runnable = [c for c in plan.changes if c.id not in plan.blocked_ids]
            if runnable:
                try:
                    confirm(f"Apply {len(runnable)} change(s)?", yes=yes)
                except SystemExit:
                    journal.write("finished", result="not confirmed")
                    raise
            record_start(journal, plan, inputs, secrets)
            click.echo("")
            report = execute(plan, live, clients, config, secrets, journal, on_outcome=_show)
            recorded = record_applied(inputs.in_scope(), plan, report, clients.authentik, journal)
    except SystemExit:
        raise
    except Exception as exc:
        unexpected(exc, config)
    code = _record_exit(recorded, report.exit_code())
    journal.write("finished", result=report.counts(), exit_code=int(code))
    _summary(report, secrets, journal)
    return code


def _record_exit(recorded: RecordOutcome, code: ExitCode) -> ExitCode:
    """Report a record that could not be written: the changes are done, but drift has no
    baseline for those tenants until the next apply writes it (exit 1)."""
    if recorded.error is None:
        return code
    click.echo(
        "warning: the changes were made, but the record of what was applied (the baseline "
        f"of `dezkysync drift`) could not be written: {recorded.error}. Run apply again.",
        err=True,
    )
    return ExitCode.ERROR


def _show(outcome: Outcome) -> None:
    click.echo(f"  {_MARKS[outcome.status]:<8} {outcome.change.id}: {outcome.message}")


def _summary(report: RunReport, secrets: SecretsFile, journal: Journal) -> None:
    counts = report.counts()
    click.echo("")
    click.echo(
        f"Apply: {counts['applied']} applied, {counts['failed']} failed, "
        f"{counts['skipped']} skipped, {counts['blocked']} blocked."
    )
    if report.passwords:
        click.echo(
            f"One-time passwords of {len(report.passwords)} member(s) are in {secrets.path} "
            "(mode 0600): hand them over securely, then delete the file."
        )
    unsettled = report.unsettled_passwords()
    if unsettled:
        click.echo(
            f"The passwords recorded for {', '.join(unsettled)} are not in effect on every "
            "store yet: run apply again (it issues fresh ones where needed).",
            err=True,
        )
    if counts["failed"]:
        click.echo(
            "Some changes failed (those waiting for them were skipped). Fix the cause and run "
            "apply again: it picks up where this run stopped.",
            err=True,
        )
    elif counts["blocked"] or counts["skipped"]:
        click.echo("Some changes were held back by guards: see the plan's findings.", err=True)
    if journal.path is not None:
        click.echo(f"Journal: {journal.path} (run {journal.run_id}).")

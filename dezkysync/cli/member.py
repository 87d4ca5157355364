"""``dezkysync member reset-password|logout EMAIL``: the imperative member actions the
platform UI also offers, guarded and journaled like ``apply`` (the work is in
:mod:`dezkysync.apply.member`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import click

from dezkysync.apply.journal import Journal
from dezkysync.apply.member import (
    ActionResult,
    Member,
    MemberRefused,
    find_member,
    logout,
    reset_password,
)
from dezkysync.apply.run import connect_services, writers_for
from dezkysync.apply.steps import Writers
from dezkysync.cli._common import connected, fail, unexpected
from dezkysync.cli._context import CliContext
from dezkysync.cli.apply import (
    DEFAULT_SECRETS_FILE,
    confirm,
    journal_option,
    open_journal,
    open_secrets,
    yes_option,
)
from dezkysync.config import Config
from dezkysync.exitcodes import ExitCode
from dezkysync.http import ServiceError, scrub
from dezkysync.services.reader import read_live_state


@click.group(name="member")
def group() -> None:
    """Act on one member now: a new one-time password, or a force-logout.

    Never for the identity dezkysync runs as, protected identities, or objects dezkysync does
    not manage (exit 3).
    """


@group.command(name="reset-password")
@click.argument("email")
@click.option(
    "--secrets-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_SECRETS_FILE,
    show_default=True,
    help="Where the new one-time password goes (mode 0600).",
)
@journal_option
@yes_option
def reset_password_command(email: str, secrets_file: Path, journal_path: Path, yes: bool) -> None:
    """Give EMAIL a new one-time password, the same on SSO and mailbox.

    The password goes to the secrets file (never to the output), before any service gets it.
    Existing sessions are not ended: `dezkysync member logout EMAIL` does that.
    """
    ctx = CliContext.current()
    with connected(ctx) as connection, ExitStack() as stack:
        config = connection.config
        secrets = stack.enter_context(open_secrets(secrets_file))
        journal = stack.enter_context(open_journal(journal_path, "member reset-password"))

        def act(member: Member, writers: Writers) -> ActionResult:
            return reset_password(member, writers, secrets, journal)

        result = _act(config, journal, email, "Give {} a new one-time password?", act, yes)
    for line in result.done:
        click.echo(line)
    if not result.ok:
        for line in result.failed:
            click.echo(f"failed: {line}", err=True)
        fail(
            f"the new password is recorded in {secrets.path} but was not set everywhere; "
            "run the command again"
        )
    click.echo(f"The new one-time password is in {secrets.path} (mode 0600).")


@group.command(name="logout")
@click.argument("email")
@journal_option
@yes_option
def logout_command(email: str, journal_path: Path, yes: bool) -> None:
    """End every SSO session of EMAIL, and no one else's."""
    ctx = CliContext.current()
    with (
        connected(ctx) as connection,
        open_journal(journal_path, "member logout") as journal,
    ):
        config = connection.config
        result = _act(
            config,
            journal,
            email,
            "End every session of {}?",
            lambda member, writers: logout(member, writers, journal),
            yes,
        )
    if not result.ok:
        for line in result.failed:
            click.echo(f"failed: {line}", err=True)
        fail("the sessions could not all be ended; run the command again")
    click.echo(f"{result.sessions_ended} session(s) of {email.strip().lower()} ended.")


def _act(
    config: Config,
    journal: Journal,
    email: str,
    question: str,
    action: Callable[[Member, Writers], ActionResult],
    yes: bool,
) -> ActionResult:
    try:
        with connect_services(config) as clients:
            try:
                live = read_live_state(clients)
            except ServiceError as exc:
                fail(f"cannot read the live state: {scrub(str(exc), config.secrets)}")
            try:
                member = find_member(live, email, config.protected)
            except MemberRefused as exc:
                if exc.exit_code == ExitCode.BLOCKED:
                    journal.write("blocked", key=email, message=str(exc))
                else:
                    journal.write("failed", key=email, message=str(exc))
                fail(str(exc), exc.exit_code)
            confirm(question.format(member.login), yes=yes)
            journal.write("started", key=member.login, tenant=member.tenant)
            result = action(member, writers_for(clients))
            journal.write("finished", key=member.login, result="ok" if result.ok else "failed")
            return result
    except SystemExit:
        raise
    except Exception as exc:
        unexpected(exc, config)

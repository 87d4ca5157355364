"""The ``dezkysync`` command line: the root group and its global options.

Each command lives in its own module of this package and is loaded only when it is used
(``COMMANDS`` maps a command name to ``module:attribute``). Modules here parse arguments and
print; the work happens in the library packages.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import click

from dezkysync import __version__
from dezkysync.cli._context import CliContext
from dezkysync.exitcodes import ExitCode

COMMANDS: dict[str, str] = {
    "validate": "dezkysync.cli.validate:command",
    "plan": "dezkysync.cli.plan:command",
    "apply": "dezkysync.cli.apply:command",
    "drift": "dezkysync.cli.drift:command",
    "dns": "dezkysync.cli.dns:group",
    "member": "dezkysync.cli.member:group",
    "export": "dezkysync.cli.export:command",
    "sandbox": "dezkysync.cli.sandbox:group",
}


class BadUsage(click.UsageError):
    """A usage error with the contract's exit code for bad input."""

    exit_code = ExitCode.ERROR


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._load(name) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._load(cmd_name)

    # Usage errors exit 1 (bad input), not click's 2: 2 means "changes pending" here, and a
    # mistyped flag in CI must never read as that.
    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise BadUsage(exc.format_message(), exc.ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise BadUsage(exc.format_message(), exc.ctx) from None

    @staticmethod
    def _load(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, _, attribute = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return None  # not built yet
            raise
        command = getattr(module, attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="dezkysync")
@click.option(
    "--sandbox",
    is_flag=True,
    help="Run against the embedded emulators (state kept in --sandbox-dir), not real services.",
)
@click.option(
    "--sandbox-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where --sandbox keeps its state [env DEZKYSYNC_SANDBOX_DIR; default .dezkysync/sandbox].",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Configuration file [env DEZKYSYNC_CONFIG; default ./dezkysync.yaml when present].",
)
@click.option("--no-color", is_flag=True, help="Never colour the output.")
@click.pass_context
def cli(
    ctx: click.Context,
    sandbox: bool,
    sandbox_dir: Path | None,
    config_path: Path | None,
    no_color: bool,
) -> None:
    """Keep Stalwart mail, authentik SSO and ownCloud Infinite Scale in sync with tenant files.

    Exit codes: 0 nothing to do, 1 error (bad input or usage, unreachable service, failed
    read), 2 changes pending, 3 changes blocked by a guard, 4 drift.
    """
    if sandbox_dir is None:
        sandbox_dir = Path(os.environ.get("DEZKYSYNC_SANDBOX_DIR") or ".dezkysync/sandbox")
    if config_path is None and os.environ.get("DEZKYSYNC_CONFIG"):
        config_path = Path(os.environ["DEZKYSYNC_CONFIG"])
    ctx.obj = CliContext(
        sandbox=sandbox, sandbox_dir=sandbox_dir, config_path=config_path, no_color=no_color
    )


def main() -> None:
    """Console entry point."""
    cli(prog_name="dezkysync")

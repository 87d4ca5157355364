"""The root command: version, help on every command, module entry point."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from dezkysync import __version__
from dezkysync.cli import COMMANDS, LazyGroup, cli


def _walk(command: click.Command, path: list[str]) -> list[list[str]]:
    found = [path]
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            found.extend(_walk(sub, [*path, name]))
    return found


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_every_command_has_help() -> None:
    paths = _walk(cli, [])
    assert len(paths) > 2
    for path in paths:
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output


def test_commands_listed_are_importable() -> None:
    names = LazyGroup().list_commands(click.Context(cli))
    assert "sandbox" in names
    assert set(names) <= set(COMMANDS)


def test_python_dash_m() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dezkysync", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert __version__ in done.stdout


def test_usage_errors_exit_1_never_2() -> None:
    """2 means "changes pending": a usage error must not look like it."""
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code == 1
    assert "No such command" in result.output
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--no-such-flag"])
    assert result.exit_code == 1
    assert "No such option" in result.output
    result = CliRunner().invoke(cli, ["--no-such-global"])
    assert result.exit_code == 1
    # The message still names the option at fault.
    result = CliRunner().invoke(cli, ["validate", "--format", "nope", "x"])
    assert result.exit_code == 1
    assert "Invalid value for '--format'" in result.output

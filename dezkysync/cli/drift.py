"""``dezkysync drift PATHS``: read-only; tell drift (the services changed out of band) apart
from pending changes (the files changed, not applied yet)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import cast

import click

from dezkysync.cli._context import CliContext
from dezkysync.cli.plan import _services_env as services_env
from dezkysync.cli.plan import parse_shard, want_color
from dezkysync.config import ConfigError, default_config_path, load_config
from dezkysync.drift import FORMATS, OutputFormat, Shard, drift_against_services, render
from dezkysync.exitcodes import ExitCode
from dezkysync.http import ServiceError, scrub
from dezkysync.tenants import TenantFilesInvalid, TenantSet, load_tenants


def load_or_exit(paths: tuple[Path, ...]) -> TenantSet:
    """Every tenant file, validated together; on errors print them all and exit 1."""
    try:
        return load_tenants(list(paths))
    except TenantFilesInvalid as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        files = len({error.file for error in exc.errors})
        click.echo(f"{_plural(len(exc.errors), 'error')} in {_plural(files, 'file')}", err=True)
        raise SystemExit(int(ExitCode.ERROR)) from None


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(int(ExitCode.ERROR))


@click.command("drift")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text, markdown (for an issue or a job summary) or json (every drifted field).",
)
@click.option(
    "--shard",
    metavar="K/N",
    default=None,
    callback=parse_shard,
    help="Only the tenants of shard K of N (validation still covers every file).",
)
def command(paths: tuple[Path, ...], output_format: str, shard: Shard | None) -> None:
    """Compare the services and the tenant files in PATHS with what the last apply recorded.

    Drift: a service differs from the desired state recorded at the last apply of the tenant
    (changed out of band). Pending: the tenant file differs from it (not applied yet); a
    tenant never applied is pending. Read-only: nothing is written to any service. Exit codes:
    0 all clean, 2 pending changes only, 4 drift (with or without pending changes), 1 on any
    error (bad files, a failed or partial read, an unreadable applied record).
    """
    ctx = CliContext.current()
    tenants = load_or_exit(paths)
    if shard is not None:
        chosen = tenants.shard(shard.k, shard.n)
        click.echo(
            f"shard {shard}: {_plural(len(chosen.tenants), 'tenant')} of {len(tenants.tenants)}",
            err=True,
        )
    config_path = ctx.config_path or default_config_path()
    secrets: tuple[str, ...] = ()
    with services_env(ctx) as (env, transports):
        try:
            config = load_config(env=env, path=config_path, transports=transports)
        except ConfigError as exc:
            click.echo("error: the configuration cannot be used:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            raise SystemExit(int(ExitCode.ERROR)) from None
        secrets = config.secrets
        try:
            report = drift_against_services(tenants, config, shard=shard)
        except ServiceError as exc:
            _fail(
                f"cannot read the live state: {scrub(str(exc), secrets)}\n"
                "no drift report: a failed or partial read is never taken for drift"
            )
            return
        except Exception as exc:  # never a traceback, never a token
            if os.environ.get("DEZKYSYNC_DEBUG") == "1":
                raise
            _fail(f"unexpected failure: {type(exc).__name__}: {scrub(str(exc), secrets)}")
            return
    color = want_color(output_format, no_color=ctx.no_color, env=os.environ, stream=sys.stdout)
    click.echo(
        render(report, cast(OutputFormat, output_format), color=color), nl=False, color=color
    )
    raise SystemExit(int(report.exit_code()))

"""``dezkysync drift PATHS``: read-only; tell drift (the services changed out of band) apart
from pending changes (the files changed, not applied yet)."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import cast

import click

from dezkysync.cli._common import (
    connected,
    dns_options,
    dns_warnings,
    load_tenants_or_exit,
    parse_shard,
    reading,
    resolvers_or_exit,
    shard_scope,
    want_color,
)
from dezkysync.cli._context import CliContext
from dezkysync.drift import FORMATS, OutputFormat, Shard, drift_against_services, render


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
@dns_options
def command(
    paths: tuple[Path, ...],
    output_format: str,
    shard: Shard | None,
    check_dns: bool,
    resolver_specs: tuple[str, ...],
    dns_timeout: float,
) -> None:
    """Compare the services and the tenant files in PATHS with what the last apply recorded.

    Drift: a service differs from the desired state recorded at the last apply of the tenant
    (changed out of band). Pending: the tenant file differs from it (not applied yet); a
    tenant never applied is pending. Read-only: nothing is written to any service. Exit codes:
    0 all clean, 2 pending changes only, 4 drift (with or without pending changes), 1 on any
    error (bad files, a failed or partial read, an unreadable applied record).
    """
    ctx = CliContext.current()
    tenants = load_tenants_or_exit(paths)
    resolvers = resolvers_or_exit(resolver_specs) if check_dns else []
    scope = shard_scope(tenants, shard)
    with connected(ctx) as connection:
        with reading(
            connection.config,
            "no drift report: a failed or partial read is never taken for drift",
        ):
            report = drift_against_services(tenants, connection.config, shard=shard)
        if check_dns:
            warnings = dns_warnings(scope.tenants, connection, resolvers, dns_timeout)
            report = replace(report, notes=(*report.notes, *(w.message for w in warnings)))
    color = want_color(output_format, no_color=ctx.no_color, env=os.environ, stream=sys.stdout)
    click.echo(
        render(report, cast(OutputFormat, output_format), color=color), nl=False, color=color
    )
    raise SystemExit(int(report.exit_code()))

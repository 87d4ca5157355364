"""``dezkysync plan PATHS``: read-only; show what apply would change."""

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
    fail,
    load_tenants_or_exit,
    parse_shard,
    reading,
    resolvers_or_exit,
    shard_scope,
    want_color,
)
from dezkysync.cli._context import CliContext
from dezkysync.plan import FORMATS, OutputFormat, PlanOptions, render, save_plan
from dezkysync.plan.run import plan_against_services
from dezkysync.plan.shard import Shard, shard_plan


@click.command("plan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text (Terraform-like), markdown (for a PR comment) or json (plan.schema.json).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also save the plan (JSON) for `apply plan.json`.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there is nothing to do, 2 with changes, 3 when a guard blocks some.",
)
@click.option("--adopt", is_flag=True, help="Take over unmanaged objects that match the files.")
@click.option("--allow-deletes", is_flag=True, help="Lift the per-tenant deletion thresholds.")
@click.option(
    "--shard",
    metavar="K/N",
    default=None,
    callback=parse_shard,
    help="Only the changes of the tenants of shard K of N (validation and the guards still "
    "see every file).",
)
@dns_options
def command(
    paths: tuple[Path, ...],
    output_format: str,
    out: Path | None,
    detailed_exitcode: bool,
    adopt: bool,
    allow_deletes: bool,
    shard: Shard | None,
    check_dns: bool,
    resolver_specs: tuple[str, ...],
    dns_timeout: float,
) -> None:
    """Compare the tenant files in PATHS with the live services and show the changes.

    Read-only: nothing is written to any service. Any failed or partial read stops with
    exit 1 and no plan. Exit codes: 1 on any error; otherwise 0, or with --detailed-exitcode:
    0 nothing to do, 2 changes pending, 3 some changes blocked by a guard.
    """
    ctx = CliContext.current()
    tenants = load_tenants_or_exit(paths)
    resolvers = resolvers_or_exit(resolver_specs) if check_dns else []
    scope = shard_scope(tenants, shard)
    with connected(ctx) as connection:
        with reading(
            connection.config,
            'no plan was computed: a failed or partial read is never taken as "absent"',
        ):
            run = plan_against_services(
                tenants,
                connection.config,
                options=PlanOptions(adopt=adopt, allow_deletes=allow_deletes),
                paths=list(paths),
            )
        plan = run.plan if shard is None else shard_plan(run.plan, {t.slug for t in scope.tenants})
        if check_dns:
            warnings = dns_warnings(scope.tenants, connection, resolvers, dns_timeout)
            plan = replace(plan, findings=(*plan.findings, *warnings))
    color = want_color(output_format, no_color=ctx.no_color, env=os.environ, stream=sys.stdout)
    text = render(plan, cast(OutputFormat, output_format), color=color)
    click.echo(text, nl=False, color=color)
    if out is not None:
        try:
            save_plan(plan, out)
        except OSError as exc:
            fail(f"cannot write the saved plan {out}: {exc}")
        click.echo(f"plan saved to {out}", err=True)
    raise SystemExit(int(plan.exit_code(detailed=detailed_exitcode)))

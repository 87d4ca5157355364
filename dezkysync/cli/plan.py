"""``dezkysync plan PATHS``: read-only; show what apply would change."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import IO, cast

import click
import httpx

from dezkysync.cli._context import CliContext
from dezkysync.config import ConfigError, default_config_path, load_config
from dezkysync.dns.findings import check_existing_domains, dns_findings
from dezkysync.dns.resolvers import DEFAULT_RESOLVERS, Resolver, parse_resolver
from dezkysync.dns.source import ZoneSourceError, live_zone_files
from dezkysync.exitcodes import ExitCode
from dezkysync.http import ServiceError, scrub
from dezkysync.plan import FORMATS, OutputFormat, PlanOptions, render, save_plan
from dezkysync.plan.model import Plan
from dezkysync.plan.run import plan_against_services
from dezkysync.plan.shard import Shard, shard_plan
from dezkysync.tenants import Tenant, TenantFilesInvalid, load_tenants


def parse_shard(ctx: click.Context, param: click.Parameter, value: str | None) -> Shard | None:
    """The ``--shard K/N`` callback (a bad value is a usage error: exit 1)."""
    if value is None:
        return None
    try:
        return Shard.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def _resolvers(specs: Sequence[str]) -> list[Resolver]:
    try:
        return [parse_resolver(spec) for spec in specs] or list(DEFAULT_RESOLVERS)
    except ValueError as exc:
        _fail(f"--resolver: {exc}")
        raise  # unreachable


def _with_dns_findings(
    plan: Plan,
    tenants: Sequence[Tenant],
    env: Mapping[str, str],
    transports: Mapping[str, httpx.BaseTransport],
    config_path: Path | None,
    resolvers: Sequence[Resolver],
    timeout: float,
) -> Plan:
    """``plan`` with a warning for every existing domain whose DNS needs attention."""
    names = [domain.name for tenant in tenants for domain in tenant.domains]
    try:
        zone_files = live_zone_files(
            names, env=env, transport=transports.get("stalwart"), config_path=config_path
        )
    except ZoneSourceError as exc:
        _fail(f"--check-dns: {exc}")
        raise  # unreachable
    report = check_existing_domains(tenants, zone_files, resolvers, timeout)
    return replace(plan, findings=(*plan.findings, *dns_findings(report)))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(int(ExitCode.ERROR))


def want_color(
    output_format: str, *, no_color: bool, env: Mapping[str, str], stream: IO[str]
) -> bool:
    """Colour only for text on a terminal, never with --no-color or NO_COLOR."""
    return output_format == "text" and not no_color and not env.get("NO_COLOR") and stream.isatty()


@contextmanager
def _services_env(
    ctx: CliContext,
) -> Iterator[tuple[Mapping[str, str], dict[str, httpx.BaseTransport]]]:
    """The environment and transports to reach the services: the real ones, or (with
    --sandbox, never implied) the embedded emulators."""
    if not ctx.sandbox:
        yield os.environ, {}
        return
    from dezkysync.sandbox.runtime import SandboxError, open_sandbox

    try:
        session = open_sandbox(ctx.sandbox_dir)
    except SandboxError as exc:
        _fail(str(exc))
        raise  # unreachable
    click.echo(f"sandbox: using emulated services in {ctx.sandbox_dir}", err=True)
    try:
        yield {**os.environ, **session.env}, dict(session.transports)
    finally:
        session.close()


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
@click.option(
    "--check-dns",
    is_flag=True,
    help="Also check the DNS records of every domain Stalwart already has (as `dns check` "
    "does) and list the domains needing attention as warnings; the exit code is unchanged.",
)
@click.option(
    "--resolver",
    "resolver_specs",
    metavar="IP[:PORT]",
    multiple=True,
    help="With --check-dns: a resolver to ask (repeatable). Default: 1.1.1.1 and 8.8.8.8.",
)
@click.option(
    "--dns-timeout",
    type=click.FloatRange(min=0.1),
    default=3.0,
    show_default=True,
    help="With --check-dns: seconds to wait for each DNS answer.",
)
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
    try:
        tenants = load_tenants(list(paths))
    except TenantFilesInvalid as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        files = len({error.file for error in exc.errors})
        click.echo(f"{_plural(len(exc.errors), 'error')} in {_plural(files, 'file')}", err=True)
        raise SystemExit(int(ExitCode.ERROR)) from None
    resolvers = _resolvers(resolver_specs) if check_dns else []
    selected: set[str] | None = None
    if shard is not None:
        selected = {t.slug for t in tenants.shard(shard.k, shard.n).tenants}
        click.echo(
            f"shard {shard}: {_plural(len(selected), 'tenant')} of {len(tenants.tenants)}",
            err=True,
        )
    config_path = ctx.config_path or default_config_path()
    secrets: tuple[str, ...] = ()
    with _services_env(ctx) as (env, transports):
        try:
            config = load_config(env=env, path=config_path, transports=transports)
        except ConfigError as exc:
            click.echo("error: the configuration cannot be used:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            raise SystemExit(int(ExitCode.ERROR)) from None
        secrets = config.secrets
        try:
            run = plan_against_services(
                tenants,
                config,
                options=PlanOptions(adopt=adopt, allow_deletes=allow_deletes),
                paths=list(paths),
            )
        except ServiceError as exc:
            _fail(
                f"cannot read the live state: {scrub(str(exc), secrets)}\n"
                'no plan was computed: a failed or partial read is never taken as "absent"'
            )
            return
        except Exception as exc:  # never a traceback, never a token
            if os.environ.get("DEZKYSYNC_DEBUG") == "1":
                raise
            _fail(f"unexpected failure: {type(exc).__name__}: {scrub(str(exc), secrets)}")
            return
        plan = run.plan if selected is None else shard_plan(run.plan, selected)
        if check_dns:
            scope = [t for t in tenants.tenants if selected is None or t.slug in selected]
            plan = _with_dns_findings(
                plan, scope, env, transports, config_path, resolvers, dns_timeout
            )
    color = want_color(output_format, no_color=ctx.no_color, env=os.environ, stream=sys.stdout)
    text = render(plan, cast(OutputFormat, output_format), color=color)
    click.echo(text, nl=False, color=color)
    if out is not None:
        try:
            save_plan(plan, out)
        except OSError as exc:
            _fail(f"cannot write the saved plan {out}: {exc}")
        click.echo(f"plan saved to {out}", err=True)
    raise SystemExit(int(plan.exit_code(detailed=detailed_exitcode)))

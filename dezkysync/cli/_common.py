"""What the commands that read the services share: loading the tenant files, reaching the
services (or, with ``--sandbox``, the embedded emulators), the configuration, the failure
messages and exit codes, ``--shard`` and ``--check-dns``."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn, TypeVar

import click
import httpx

from dezkysync.cli._context import CliContext
from dezkysync.config import Config, ConfigError, default_config_path, load_config
from dezkysync.dns.resolvers import DEFAULT_RESOLVERS, Resolver, parse_resolver
from dezkysync.exitcodes import ExitCode
from dezkysync.http import ServiceError, scrub
from dezkysync.plan.model import Finding
from dezkysync.plan.shard import Shard
from dezkysync.redact import redact
from dezkysync.tenants import Tenant, TenantFilesInvalid, TenantSet, load_tenants

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: ExitCode = ExitCode.ERROR) -> NoReturn:
    """Print ``error: message`` (secrets masked) to stderr and exit (1 by default)."""
    click.echo(f"error: {redact(message)}", err=True)
    raise SystemExit(int(code))


def unexpected(exc: Exception, config: Config) -> NoReturn:
    """Report an unexpected failure without a traceback (unless DEZKYSYNC_DEBUG=1) and
    without a token."""
    if os.environ.get("DEZKYSYNC_DEBUG") == "1":
        raise exc
    fail(f"unexpected failure: {type(exc).__name__}: {scrub(str(exc), config.secrets)}")


def plural(count: int, word: str) -> str:
    """``"1 tenant"``, ``"2 tenants"``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def load_tenants_or_exit(paths: Sequence[Path]) -> TenantSet:
    """Every tenant file, validated together; on errors print them all and exit 1 (before any
    service is called)."""
    try:
        return load_tenants(list(paths))
    except TenantFilesInvalid as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        click.echo(exc.summary(), err=True)
        raise SystemExit(int(ExitCode.ERROR)) from None


def parse_shard(ctx: click.Context, param: click.Parameter, value: str | None) -> Shard | None:
    """The ``--shard K/N`` callback (a bad value is a usage error: exit 1)."""
    if value is None:
        return None
    try:
        return Shard.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def shard_scope(tenants: TenantSet, shard: Shard | None) -> TenantSet:
    """The tenants of ``shard`` (all without one); says which on stderr."""
    if shard is None:
        return tenants
    chosen = tenants.shard(shard.k, shard.n)
    click.echo(
        f"shard {shard}: {plural(len(chosen.tenants), 'tenant')} of {len(tenants.tenants)}",
        err=True,
    )
    return chosen


def want_color(
    output_format: str, *, no_color: bool, env: Mapping[str, str], stream: IO[str]
) -> bool:
    """Colour only for text on a terminal, never with --no-color or NO_COLOR."""
    return output_format == "text" and not no_color and not env.get("NO_COLOR") and stream.isatty()


@dataclass(frozen=True)
class Connection:
    """How to reach the services in this run."""

    env: Mapping[str, str]
    transports: dict[str, httpx.BaseTransport]
    config: Config
    config_path: Path | None


@contextmanager
def services_env(
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
        fail(str(exc))
    click.echo(f"sandbox: using emulated services in {ctx.sandbox_dir}", err=True)
    try:
        yield {**os.environ, **session.env}, dict(session.transports)
    finally:
        session.close()


@contextmanager
def connected(ctx: CliContext) -> Iterator[Connection]:
    """:func:`services_env` plus the configuration (its problems printed, exit 1)."""
    config_path = ctx.config_path or default_config_path()
    with services_env(ctx) as (env, transports):
        try:
            config = load_config(env=env, path=config_path, transports=transports)
        except ConfigError as exc:
            click.echo("error: the configuration cannot be used:", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            raise SystemExit(int(ExitCode.ERROR)) from None
        yield Connection(env, transports, config, config_path)


@contextmanager
def reading(config: Config, consequence: str) -> Iterator[None]:
    """Turn a failed read into a clear message and exit 1: never a traceback, never a token.
    ``consequence`` is the second line: what was not done, and why."""
    try:
        yield
    except ServiceError as exc:
        fail(f"cannot read the live state: {scrub(str(exc), config.secrets)}\n{consequence}")
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:
        unexpected(exc, config)


def dns_options(function: F) -> F:
    """``--check-dns``, ``--resolver`` and ``--dns-timeout``."""
    function = click.option(
        "--dns-timeout",
        type=click.FloatRange(min=0.1),
        default=3.0,
        show_default=True,
        help="With --check-dns: seconds to wait for each DNS answer.",
    )(function)
    function = click.option(
        "--resolver",
        "resolver_specs",
        metavar="IP[:PORT]",
        multiple=True,
        help="With --check-dns: a resolver to ask (repeatable). Default: 1.1.1.1 and 8.8.8.8.",
    )(function)
    return click.option(
        "--check-dns",
        is_flag=True,
        help="Also check the DNS records of every domain Stalwart already has (as `dns check` "
        "does) and list those needing attention as warnings; the exit code is unchanged.",
    )(function)


def resolvers_or_exit(specs: Sequence[str]) -> list[Resolver]:
    """The ``--resolver`` values (the defaults when none); a malformed one: exit 1."""
    try:
        return [parse_resolver(spec) for spec in specs] or list(DEFAULT_RESOLVERS)
    except ValueError as exc:
        fail(f"--resolver: {exc}")


def dns_warnings(
    tenants: Sequence[Tenant],
    connection: Connection,
    resolvers: Sequence[Resolver],
    timeout: float,
) -> tuple[Finding, ...]:
    """One warning per existing domain of ``tenants`` whose DNS needs attention (exit 1 with
    a clear message when the zone files cannot be read)."""
    from dezkysync.dns.findings import check_existing_domains, dns_findings
    from dezkysync.dns.source import ZoneSourceError, live_zone_files

    names = [domain.name for tenant in tenants for domain in tenant.domains]
    try:
        zone_files = live_zone_files(
            names,
            env=connection.env,
            transport=connection.transports.get("stalwart"),
            config_path=connection.config_path,
        )
    except ZoneSourceError as exc:
        fail(f"--check-dns: {exc}")
    return dns_findings(check_existing_domains(tenants, zone_files, resolvers, timeout))

"""``dezkysync dns check PATHS`` and ``dezkysync dns records DOMAIN [PATHS]``."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from dezkysync.cli._context import CliContext
from dezkysync.config import default_config_path
from dezkysync.dns import (
    DEFAULT_RESOLVERS,
    DEFAULT_TIMEOUT,
    Format,
    Resolver,
    ZoneSourceError,
    check_domains,
    expect_domain,
    expect_tenants,
    ownership_salt,
    parse_resolver,
    parse_zone_file_option,
    render,
    render_zone,
)
from dezkysync.dns.source import read_zone_files
from dezkysync.exitcodes import ExitCode
from dezkysync.tenants import Domain, TenantFilesInvalid, TenantSet, load_tenants
from dezkysync.tenants.addresses import lookup_domain


class _Failure(Exception):
    """An error to report in one line, exit 1."""


@click.group("dns")
def group() -> None:
    """The DNS records of the tenants' domains: MX, SPF, DKIM, DMARC and ownership."""


@group.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="How to print the report.",
)
@click.option(
    "--resolver",
    "resolver_specs",
    multiple=True,
    metavar="IP[:PORT]",
    help="A resolver to ask (repeatable; IPv6 with a port as [::1]:5353). "
    "Default: 1.1.1.1 and 8.8.8.8.",
)
@click.option(
    "--timeout",
    type=float,
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Seconds to wait for each answer; a query that times out is tried once more.",
)
@click.option(
    "--zone-file",
    "zone_file_specs",
    multiple=True,
    metavar="DOMAIN=PATH",
    help="Expect the records of this BIND zone file for DOMAIN instead of reading Stalwart's "
    "(repeatable).",
)
@click.pass_context
def check(
    ctx: click.Context,
    paths: tuple[Path, ...],
    output_format: Format,
    resolver_specs: tuple[str, ...],
    timeout: float,
    zone_file_specs: tuple[str, ...],
) -> None:
    """Check the DNS records of every domain in the tenant files PATHS.

    The records to expect come from Stalwart (the domain's zone file: MX, SPF, every DKIM
    key, DMARC), with the tenant file's DMARC policy taking precedence, plus dezkysync's
    ownership record. Every record is asked of every resolver.

    Exits 0 when every record is as expected, 2 when any domain needs attention, 1 on errors
    (invalid tenant files, Stalwart unreachable).
    """
    options = CliContext.current()
    with _one_line_errors(ctx):
        resolvers = _resolvers(resolver_specs)
        if not timeout > 0:
            raise _Failure("--timeout must be a positive number of seconds")
        zone_paths = _zone_paths(zone_file_specs)
        tenants = _load(paths)
        present = [t for t in tenants.tenants if t.state == "present"]
        domains = [domain.name for tenant in present for domain in tenant.domains]
        unknown = sorted(set(zone_paths) - set(domains))
        if unknown:
            raise _Failure(f"--zone-file names {', '.join(unknown)}, which no tenant file claims")
        zone_files = _zone_files(options, domains, zone_paths)
        expectations = expect_tenants(present, zone_files, salt=ownership_salt())
        report = check_domains(expectations, resolvers, timeout)
    click.echo(render(report, output_format, color=not options.no_color), nl=False)
    ctx.exit(ExitCode.CHANGES if report.needs_attention else ExitCode.OK)


@group.command("records")
@click.argument("domain")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--zone-file",
    "zone_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Start from this BIND zone file instead of Stalwart's zone file of DOMAIN.",
)
@click.pass_context
def records(
    ctx: click.Context, domain: str, paths: tuple[Path, ...], zone_file: Path | None
) -> None:
    """Print the records DOMAIN must publish, as BIND zone lines.

    With the tenant files PATHS, the tenant owning DOMAIN adds its DMARC policy and the
    ownership record. Long TXT values are split into 255-byte strings.
    """
    options = CliContext.current()
    with _one_line_errors(ctx):
        name = lookup_domain(domain)
        tenant_slug: str | None = None
        wanted = Domain(name)
        if paths:
            tenants = _load(paths)
            owner = tenants.owner_of_domain(name)
            if owner is None:
                raise _Failure(f"no tenant in the given files claims the domain {name}")
            tenant_slug = owner.slug
            wanted = owner.domain(name) or wanted
        zone_paths = {name: zone_file} if zone_file is not None else {}
        zone_text = _zone_files(options, [name], zone_paths).get(name)
        expectation = expect_domain(tenant_slug, wanted, zone_text, salt=ownership_salt())
        if zone_text is None and tenant_slug is None:
            raise _Failure(
                f"Stalwart has no domain {name}; pass the tenant files to see at least the"
                " ownership record"
            )
    click.echo(render_zone(expectation), nl=False)
    ctx.exit(ExitCode.OK)


def _resolvers(specs: Sequence[str]) -> list[Resolver]:
    try:
        return [parse_resolver(spec) for spec in specs] or list(DEFAULT_RESOLVERS)
    except ValueError as exc:
        raise _Failure(str(exc)) from None


def _zone_paths(specs: Sequence[str]) -> dict[str, Path]:
    try:
        return dict(parse_zone_file_option(spec) for spec in specs)
    except ValueError as exc:
        raise _Failure(str(exc)) from None


def _load(paths: Sequence[Path]) -> TenantSet:
    try:
        return load_tenants(paths)
    except TenantFilesInvalid as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise _Failure(f"{exc.summary()}; no DNS query was made") from None


def _zone_files(
    options: CliContext, domains: Sequence[str], zone_paths: dict[str, Path]
) -> dict[str, str | None]:
    """Zone files from disk, the rest from Stalwart (the sandbox's with ``--sandbox``), as
    configured by the environment and the configuration file (``--config``, or
    ``./dezkysync.yaml`` when it exists)."""
    config_path = options.config_path or default_config_path()
    if not options.sandbox or all(d in zone_paths for d in domains):
        return read_zone_files(domains, zone_paths, config_path=config_path)
    from dezkysync.sandbox.runtime import SandboxError, open_sandbox

    try:
        with open_sandbox(options.sandbox_dir) as sandbox:
            return read_zone_files(
                domains,
                zone_paths,
                env={**os.environ, **sandbox.env},
                transport=sandbox.transports["stalwart"],
                config_path=config_path,
            )
    except SandboxError as exc:
        raise _Failure(str(exc)) from None


@contextmanager
def _one_line_errors(ctx: click.Context) -> Iterator[None]:
    """Expected failures as one line on stderr and exit 1, never a traceback."""
    try:
        yield
    except (_Failure, ZoneSourceError) as exc:
        _fail(ctx, str(exc))


def _fail(ctx: click.Context, message: str) -> NoReturn:
    click.echo(f"dezkysync dns: {message}", err=True)
    ctx.exit(ExitCode.ERROR)

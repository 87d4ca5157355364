"""``dezkysync export --out DIR``: write tenant files from the live state of the services."""

from __future__ import annotations

import os
from pathlib import Path

import click

from dezkysync.cli._context import CliContext
from dezkysync.cli.plan import _services_env as services_env
from dezkysync.config import ConfigError, default_config_path, load_config
from dezkysync.exitcodes import ExitCode
from dezkysync.export import (
    DEFAULT_SCHEMA_REF,
    UNMANAGED_FILE,
    ExportPlan,
    ExportRefused,
    build_export,
    read_platform,
    write,
)
from dezkysync.http import ServiceError, scrub


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(int(ExitCode.ERROR))


@click.command("export")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write the tenant files into (created when missing).",
)
@click.option("--tenant", "slug", metavar="SLUG", default=None, help="Only this tenant's file.")
@click.option(
    "--include-unmanaged",
    is_flag=True,
    help=f"Also list objects without a dezkysync marker as candidates, in DIR/{UNMANAGED_FILE}.",
)
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option(
    "--schema-ref",
    default=DEFAULT_SCHEMA_REF,
    show_default=True,
    help="Where the files' yaml-language-server $schema line points.",
)
def command(
    out: Path, slug: str | None, include_unmanaged: bool, force: bool, schema_ref: str
) -> None:
    """Write one tenant file per tenant found in the services' ownership markers.

    The files validate and, against the same live state, `plan` shows no change. Domains'
    primary flag, DMARC overrides and tenant names, which no service holds, come from the
    tenants' applied records when there are any. Passwords are never read or written.
    Read-only on the services. Existing files are kept unless --force. Exit 0 when the files
    were written, 1 on any error (nothing written).
    """
    ctx = CliContext.current()
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
            live, records = read_platform(config)
        except ServiceError as exc:
            _fail(
                f"cannot read the live state: {scrub(str(exc), secrets)}\n"
                "nothing was exported: a failed or partial read is never exported"
            )
            return
        except Exception as exc:  # never a traceback, never a token
            if os.environ.get("DEZKYSYNC_DEBUG") == "1":
                raise
            _fail(f"unexpected failure: {type(exc).__name__}: {scrub(str(exc), secrets)}")
            return
    try:
        plan = build_export(
            live,
            records,
            out=out,
            tenant=slug,
            include_unmanaged=include_unmanaged,
            schema_ref=schema_ref,
        )
        written = write(plan.files, out, force=force) if plan.files.files else []
    except ExportRefused as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        _fail(str(exc))
        return
    except OSError as exc:
        _fail(f"cannot write into {out}: {exc}")
        return
    _report(plan, written)


def _report(plan: ExportPlan, written: list[Path]) -> None:
    for note in plan.notes:
        click.echo(f"note: {note}", err=True)
    for path in written:
        click.echo(f"wrote {path}")
    if not plan.tenants:
        click.echo(
            "no managed tenant found on the services (nothing carries a dezkysync marker); "
            "--include-unmanaged lists what could be taken over",
            err=True,
        )
    count = len(plan.tenants)
    click.echo(f"exported {count} tenant{'' if count == 1 else 's'}", err=True)

"""``dezkysync export --out DIR``: write tenant files from the live state of the services."""

from __future__ import annotations

from pathlib import Path

import click

from dezkysync.cli._common import connected, fail, reading
from dezkysync.cli._context import CliContext
from dezkysync.export import (
    DEFAULT_SCHEMA_REF,
    UNMANAGED_FILE,
    ExportPlan,
    ExportRefused,
    build_export,
    read_platform,
    write,
)


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
    with (
        connected(ctx) as connection,
        reading(
            connection.config,
            "nothing was exported: a failed or partial read is never exported",
        ),
    ):
        live, records = read_platform(connection.config)
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
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write into {out}: {exc}")
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

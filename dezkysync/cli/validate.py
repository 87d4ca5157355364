"""``dezkysync validate PATHS``: check tenant files offline (schema and cross-file rules)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from dezkysync.exitcodes import ExitCode
from dezkysync.tenants.errors import ValidationError, summarize
from dezkysync.tenants.loader import LoadReport, check_tenant_files


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _github_escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def github_annotation(error: ValidationError) -> str:
    """One GitHub Actions ``::error`` workflow command for ``error``."""
    file = _github_escape(error.file, property_value=True)
    body = f"{error.location}: {error.message}" if error.location else error.message
    return (
        f"::error file={file},line={error.line},col={error.column},title=dezkysync::"
        f"{_github_escape(body)}"
    )


def _valid_line(report: LoadReport) -> str:
    tenants = len(report.tenants.tenants) if report.tenants else 0
    verb = "is" if tenants == 1 else "are"
    return f"{_plural(tenants, 'tenant')} in {_plural(len(report.files), 'file')} {verb} valid"


def _error_summary(report: LoadReport) -> str:
    return summarize(report.errors)


def _render(report: LoadReport, output_format: str) -> None:
    if output_format == "json":
        document = {
            "valid": report.valid,
            "errors": [error.to_json() for error in report.errors],
            "tenants": len(report.tenants.tenants) if report.tenants else 0,
            "files": len(report.files),
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    elif output_format == "github":
        for error in report.errors:
            click.echo(github_annotation(error))
        click.echo(_valid_line(report) if report.valid else _error_summary(report), err=True)
    elif report.valid:
        click.echo(_valid_line(report))
    else:
        for error in report.errors:
            click.echo(str(error), err=True)
        click.echo(_error_summary(report), err=True)


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text: FILE:LINE:COL: location: message lines on stderr; json: a report on stdout; "
    "github: workflow error annotations on stdout.",
)
@click.pass_context
def command(ctx: click.Context, paths: tuple[Path, ...], output_format: str) -> None:
    """Check tenant files offline: YAML, the JSON Schema and the cross-file rules.

    PATHS are tenant files or directories (searched recursively for *.yaml and *.yml).
    Every error is reported, each with its file, line and column. Exits 0 when all files are
    valid, 1 on any error. No service is contacted.
    """
    try:
        report = check_tenant_files(paths)
    except Exception as exc:  # never a traceback: one clear line, exit 1
        click.echo(f"dezkysync validate: internal error ({type(exc).__name__}): {exc}", err=True)
        ctx.exit(ExitCode.ERROR)
    _render(report, output_format)
    ctx.exit(ExitCode.OK if report.valid else ExitCode.ERROR)

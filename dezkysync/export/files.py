"""The files an export writes, checked before anything is written.

Every exported tenant file is validated together with the others (the same checks as
``dezkysync validate``), in a scratch directory, before the output directory is touched. Files
that exist are never overwritten without ``force``; each file is written atomically.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dezkysync.files import write_atomically
from dezkysync.tenants.errors import ValidationError
from dezkysync.tenants.loader import check_tenant_files

#: The unmanaged candidates: a name starting with '.' so that no command reads it as a tenant.
UNMANAGED_FILE = ".unmanaged.yaml"
FILE_MODE = 0o644


class ExportRefused(Exception):
    """The export would overwrite files, or its files do not validate; nothing was written."""

    def __init__(self, message: str, errors: tuple[ValidationError, ...] = ()) -> None:
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True)
class ExportFiles:
    """File name (inside the output directory) -> text, in writing order."""

    files: Mapping[str, str] = field(default_factory=dict)

    def targets(self, directory: Path) -> list[Path]:
        """Where the files go."""
        return [directory / name for name in self.files]


def tenant_file_name(slug: str) -> str:
    """``<slug>.yaml``."""
    return f"{slug}.yaml"


def validate(tenant_files: Mapping[str, str], shown_as: Path) -> tuple[ValidationError, ...]:
    """Validate tenant files (name -> text) together; errors name them as if in ``shown_as``."""
    if not tenant_files:
        return ()
    with tempfile.TemporaryDirectory(prefix="dezkysync-export-") as scratch:
        root = Path(scratch)
        for name, text in tenant_files.items():
            (root / name).write_text(text, encoding="utf-8")
        report = check_tenant_files([root / name for name in tenant_files])
        prefix = str(root)
        return tuple(
            ValidationError(
                error.file.replace(prefix, str(shown_as), 1),
                error.line,
                error.column,
                error.location,
                error.message,
            )
            for error in report.errors
        )


def write(export: ExportFiles, directory: Path, *, force: bool) -> list[Path]:
    """Write every file into ``directory`` (created when missing). Refuses, writing nothing,
    when a file exists and ``force`` is not given."""
    targets = export.targets(directory)
    if not force:
        existing = [str(path) for path in targets if path.exists()]
        if existing:
            raise ExportRefused(
                f"refusing to overwrite {', '.join(existing)}; pass --force to replace "
                f"{'it' if len(existing) == 1 else 'them'}"
            )
    for path in targets:
        if path.exists() and not path.is_file():
            raise ExportRefused(f"{path} exists and is not a file")
    for path, text in zip(targets, export.files.values(), strict=True):
        write_atomically(path, text.encode("utf-8"), mode=FILE_MODE)
    return targets


__all__ = [
    "FILE_MODE",
    "UNMANAGED_FILE",
    "ExportFiles",
    "ExportRefused",
    "tenant_file_name",
    "validate",
    "write",
]

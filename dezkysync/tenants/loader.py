"""``load_tenants``: from paths on the command line to a validated ``TenantSet``.

Steps: find the files (directories are searched recursively for ``*.yaml``/``*.yml``, in
sorted order, skipping hidden entries), read each one strictly, check it against the JSON
Schema, read its entries, then run the cross-file rules. Every error of every step is
collected; any error at all raises ``TenantFilesInvalid`` with all of them, sorted.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dezkysync.tenants.entries import TenantDraft, read_tenant
from dezkysync.tenants.errors import TenantFilesInvalid, ValidationError
from dezkysync.tenants.model import TenantSet
from dezkysync.tenants.rules import check_and_build
from dezkysync.tenants.schema import check_schema
from dezkysync.tenants.yamlfile import MAX_FILE_SIZE, FileUnreadable, read_document

TENANT_FILE_SUFFIXES = (".yaml", ".yml")


def find_tenant_files(paths: Sequence[str | Path]) -> tuple[list[Path], list[ValidationError]]:
    """The tenant files named by ``paths`` (as given, sorted) and errors for bad paths."""
    found: dict[Path, Path] = {}
    errors: list[ValidationError] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            inside = list(_walk(path))
            if not inside:
                errors.append(
                    ValidationError(
                        str(path), 1, 1, "", "no tenant files (*.yaml, *.yml) in this directory"
                    )
                )
            for file in inside:
                found.setdefault(file.resolve(), file)
        elif path.is_file():
            found.setdefault(path.resolve(), path)
        elif path.exists():
            errors.append(ValidationError(str(path), 1, 1, "", "not a regular file"))
        else:
            errors.append(ValidationError(str(path), 1, 1, "", "no such file or directory"))
    return sorted(found.values(), key=str), errors


def _walk(directory: Path) -> list[Path]:
    files: list[Path] = []
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files.extend(
            Path(root) / name
            for name in names
            if not name.startswith(".") and name.lower().endswith(TENANT_FILE_SUFFIXES)
        )
    return sorted(files, key=str)


@dataclass(frozen=True)
class LoadReport:
    """The outcome of checking tenant files: the files read, all errors, and the model."""

    files: tuple[Path, ...]  # every tenant file found, sorted
    errors: tuple[ValidationError, ...]  # every error of the run, sorted
    tenants: TenantSet | None  # None when there is any error

    @property
    def valid(self) -> bool:
        """Whether the files have no error at all."""
        return not self.errors


def check_tenant_files(
    paths: Sequence[str | Path], *, max_file_size: int = MAX_FILE_SIZE
) -> LoadReport:
    """Check the tenant files at ``paths`` and report, without raising for bad input."""
    if isinstance(paths, str | Path):
        raise TypeError("pass a sequence of paths, not a single path")
    if not paths:
        raise ValueError("at least one tenant file or directory is needed")
    files, errors = find_tenant_files(paths)
    drafts: list[TenantDraft] = []
    all_read = not errors
    for file in files:
        try:
            document = read_document(file, str(file), max_size=max_file_size)
        except FileUnreadable as exc:
            errors.extend(exc.errors)
            all_read = False
            continue
        schema = check_schema(document)
        errors.extend(schema.errors)
        draft, entry_errors = read_tenant(document, schema, file)
        errors.extend(entry_errors)
        drafts.append(draft)
    rule_errors, tenants = check_and_build(drafts, complete=all_read, clean=not errors)
    errors.extend(rule_errors)
    if errors:
        return LoadReport(tuple(files), tuple(sorted(set(errors))), None)
    tenant_set = TenantSet(
        tenants=tuple(sorted(tenants, key=lambda t: t.slug)), files=tuple(sorted(files))
    )
    return LoadReport(tenant_set.files, (), tenant_set)


def load_tenants(paths: Sequence[str | Path], *, max_file_size: int = MAX_FILE_SIZE) -> TenantSet:
    """Load and validate the tenant files at ``paths``; raises ``TenantFilesInvalid``.

    ``paths`` are files or directories. File names in errors and spots are the paths as given
    (relative stays relative).
    """
    report = check_tenant_files(paths, max_file_size=max_file_size)
    if report.tenants is None:
        raise TenantFilesInvalid(report.errors)
    return report.tenants

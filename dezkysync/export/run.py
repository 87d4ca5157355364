"""One ``export`` run: read the platform, build the files, check them, write them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dezkysync.config import Config
from dezkysync.drift.record import AppliedRecords, read_applied_records
from dezkysync.export.collect import collect
from dezkysync.export.files import (
    UNMANAGED_FILE,
    ExportFiles,
    ExportRefused,
    tenant_file_name,
    validate,
)
from dezkysync.export.unmanaged import find_unmanaged
from dezkysync.export.yamlout import DEFAULT_SCHEMA_REF, tenant_file, unmanaged_file
from dezkysync.http import RequestCounter, RetryPolicy
from dezkysync.live.model import LiveState
from dezkysync.services.reader import connect, read_live_state


@dataclass(frozen=True)
class ExportPlan:
    """The files to write, the tenants they hold, and notes for the operator."""

    files: ExportFiles
    tenants: tuple[str, ...]
    notes: tuple[str, ...]
    unmanaged: bool = False  # whether the candidates file is among the files


def read_platform(
    config: Config, *, counter: RequestCounter | None = None, retry: RetryPolicy | None = None
) -> tuple[LiveState, AppliedRecords]:
    """The live state of every service and the applied records (complete, or a
    :class:`dezkysync.http.ServiceError`). Read-only."""
    with connect(config, counter=counter, retry=retry) as clients:
        records = read_applied_records(clients.authentik)
        live = read_live_state(clients)
    return live, records


def build_export(
    live: LiveState,
    records: AppliedRecords,
    *,
    out: Path,
    tenant: str | None = None,
    include_unmanaged: bool = False,
    schema_ref: str = DEFAULT_SCHEMA_REF,
) -> ExportPlan:
    """The files an export into ``out`` writes (every managed tenant, or only ``tenant``).

    Every tenant's file is validated with all the others first: :class:`ExportRefused`
    (with the errors) when they do not validate, or when ``tenant`` has nothing on the services.
    """
    export = collect(live, records)
    if tenant is not None and tenant not in export.tenants:
        known = ", ".join(sorted(export.tenants)) or "none"
        raise ExportRefused(
            f"no object on the services is marked for tenant '{tenant}' (tenants found: {known})"
        )
    texts = {
        tenant_file_name(slug): tenant_file(item.document, item.notes, schema_ref=schema_ref)
        for slug, item in export.tenants.items()
    }
    errors = validate(texts, out)
    if errors:
        raise ExportRefused(
            "the exported tenant files do not validate, so none was written (the services "
            "hold something a tenant file cannot express; the errors say what)",
            errors,
        )
    chosen = [tenant] if tenant is not None else sorted(export.tenants)
    files = {tenant_file_name(slug): texts[tenant_file_name(slug)] for slug in chosen}
    notes = list(export.notes)
    for slug in chosen:
        notes.extend(f"{slug}: {note}" for note in export.tenants[slug].notes)
    wrote_unmanaged = False
    if include_unmanaged:
        candidates = find_unmanaged(live, export.domain_owner)
        if tenant is not None:
            candidates = candidates.only(tenant)
        files[UNMANAGED_FILE] = unmanaged_file(candidates.document())
        wrote_unmanaged = True
    return ExportPlan(
        files=ExportFiles(files),
        tenants=tuple(chosen),
        notes=tuple(notes),
        unmanaged=wrote_unmanaged,
    )


__all__ = ["ExportPlan", "build_export", "read_platform"]

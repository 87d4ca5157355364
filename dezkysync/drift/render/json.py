"""The JSON rendering: one document with every tenant's verdict and every drifted field."""

from __future__ import annotations

import json
from typing import Any

from dezkysync.drift.model import DriftedField, DriftReport, TenantDrift
from dezkysync.drift.pending import PendingChange

FORMAT_VERSION = 1
DOCUMENT_KIND = "dezkysync-drift"


def render_json(report: DriftReport) -> str:
    """The drift document, indented, ending with a newline."""
    return json.dumps(to_document(report), indent=2, ensure_ascii=False) + "\n"


def to_document(report: DriftReport) -> dict[str, Any]:
    """The JSON-able document of ``report``.

    ``drift`` lists every drifted field (tenant, service, object, field, recorded, live);
    ``tenants`` gives each tenant's status, its applied record's metadata, its drifted fields
    and its pending changes.
    """
    counts = report.counts()
    return {
        "format_version": FORMAT_VERSION,
        "kind": DOCUMENT_KIND,
        "read_at": report.read_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "shard": report.shard,
        "exit_code": int(report.exit_code()),
        "summary": {
            "tenants": len(report.tenants),
            **counts,
            "drifted_fields": len(report.drifted_fields),
            "pending_changes": sum(len(t.pending) for t in report.tenants),
        },
        "tenants": [_tenant(t) for t in report.tenants],
        "drift": [_drifted(d) for d in report.drifted_fields],
        "notes": list(report.notes),
    }


def _tenant(verdict: TenantDrift) -> dict[str, Any]:
    record = verdict.record
    return {
        "tenant": verdict.tenant,
        "status": verdict.status,
        "applied": None
        if record is None
        else {
            "applied_at": record.applied_at,
            "git_commit": record.git_commit,
            "desired_hash": record.desired_hash,
            "dezkysync_version": record.dezkysync_version,
        },
        "problem": verdict.problem,
        "drift": [_drifted(d) for d in verdict.drift],
        "pending": [_pending(p) for p in verdict.pending],
    }


def _drifted(item: DriftedField) -> dict[str, Any]:
    return {
        "tenant": item.tenant,
        "service": item.service,
        "object": item.object,
        "kind": item.kind,
        "key": item.key,
        "field": item.field,
        "recorded": item.recorded,
        "live": item.live,
        "change_id": item.change_id,
    }


def _pending(item: PendingChange) -> dict[str, Any]:
    return {
        "tenant": item.tenant,
        "object": item.object,
        "field": item.field,
        "recorded": item.recorded,
        "file": item.file,
    }

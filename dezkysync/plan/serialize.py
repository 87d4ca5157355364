"""The plan as a JSON document (``--format json`` and saved plans), and back.

The document is described by ``dezkysync/schemas/plan.schema.json``; ``format_version``
changes whenever a reader of version N could misread a document of version N+1.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from dezkysync.plan.model import (
    ACTIONS,
    Change,
    ComputedFrom,
    FieldChange,
    FileDigest,
    Finding,
    Plan,
    PlanOptions,
    ServiceSource,
    TenantDigest,
)

FORMAT_VERSION = 1
DOCUMENT_KIND = "dezkysync-plan"


def to_document(plan: Plan) -> dict[str, Any]:
    """The JSON-able document of ``plan``."""
    blocked = plan.blocked_ids
    return {
        "format_version": FORMAT_VERSION,
        "kind": DOCUMENT_KIND,
        "summary": summary(plan),
        "changes": [
            {
                "id": c.id,
                "service": c.service,
                "kind": c.kind,
                "action": c.action,
                "tenant": c.tenant,
                "key": c.key,
                "fields": [
                    {"name": f.name, "before": f.before, "after": f.after} for f in c.fields
                ],
                "live": c.live,
                "depends_on": list(c.depends_on),
                "object_ref": c.object_ref,
                "note": c.note,
                "blocked": c.id in blocked,
            }
            for c in plan.changes
        ],
        "findings": [
            {
                "code": f.code,
                "severity": f.severity,
                "message": f.message,
                "tenant": f.tenant,
                "change_id": f.change_id,
                "override": f.override,
            }
            for f in plan.findings
        ],
        "computed_from": _computed_from(plan.computed_from),
    }


def summary(plan: Plan) -> dict[str, Any]:
    """Counts: changes, per action, blocked, per tenant and service."""
    counts = plan.counts()
    per_tenant: dict[str, dict[str, int]] = {}
    for change in plan.changes:
        row = per_tenant.setdefault(change.tenant, {})
        row[change.service] = row.get(change.service, 0) + 1
    severities = Counter(f.severity for f in plan.findings)
    return {
        "changes": len(plan.changes),
        "actions": {action: counts[action] for action in ACTIONS},
        "blocked": counts["blocked"],
        "blocking_findings": severities.get("blocking", 0),
        "warnings": severities.get("warning", 0),
        "tenants": {
            tenant: dict(sorted(row.items())) for tenant, row in sorted(per_tenant.items())
        },
    }


def _computed_from(source: ComputedFrom) -> dict[str, Any]:
    return {
        "created_at": _timestamp(source.created_at),
        "max_age_seconds": int(source.max_age.total_seconds()),
        "expires_at": _timestamp(source.expires_at),
        "files": [{"path": f.path, "sha256": f.sha256} for f in source.files],
        "files_hash": source.files_hash,
        "tenants": [
            {"slug": t.slug, "state": t.state, "desired_hash": t.desired_hash}
            for t in source.tenants
        ],
        "git_commit": source.git_commit,
        "services": [
            {"name": s.name, "url": s.url, "identity": s.identity} for s in source.services
        ],
        "stalwart_enabled": source.stalwart_enabled,
        "options": {
            "adopt": source.options.adopt,
            "allow_deletes": source.options.allow_deletes,
        },
        "deletion": {
            "max_count": source.deletion_max_count,
            "max_percent": source.deletion_max_percent,
        },
        "live_objects": dict(source.live_objects),
    }


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def from_document(document: dict[str, Any]) -> Plan:
    """The plan of a document made by :func:`to_document` (validate it first: see
    :func:`dezkysync.plan.saved.load_plan`)."""
    changes = tuple(
        Change(
            id=c["id"],
            service=c["service"],
            kind=c["kind"],
            action=c["action"],
            tenant=c["tenant"],
            key=c["key"],
            fields=tuple(FieldChange(f["name"], f["before"], f["after"]) for f in c["fields"]),
            live=dict(c["live"]),
            depends_on=tuple(c["depends_on"]),
            object_ref=c["object_ref"],
            note=c["note"],
        )
        for c in document["changes"]
    )
    findings = tuple(
        Finding(
            code=f["code"],
            severity=f["severity"],
            message=f["message"],
            tenant=f["tenant"],
            change_id=f["change_id"],
            override=f["override"],
        )
        for f in document["findings"]
    )
    source = document["computed_from"]
    computed_from = ComputedFrom(
        created_at=_parse_timestamp(source["created_at"]),
        max_age=timedelta(seconds=source["max_age_seconds"]),
        files=tuple(FileDigest(f["path"], f["sha256"]) for f in source["files"]),
        files_hash=source["files_hash"],
        tenants=tuple(
            TenantDigest(t["slug"], t["state"], t["desired_hash"]) for t in source["tenants"]
        ),
        git_commit=source["git_commit"],
        services=tuple(
            ServiceSource(s["name"], s["url"], s["identity"]) for s in source["services"]
        ),
        stalwart_enabled=source["stalwart_enabled"],
        options=PlanOptions(
            adopt=source["options"]["adopt"], allow_deletes=source["options"]["allow_deletes"]
        ),
        deletion_max_count=source["deletion"]["max_count"],
        deletion_max_percent=float(source["deletion"]["max_percent"]),
        live_objects=dict(source["live_objects"]),
    )
    return Plan(changes=changes, findings=findings, computed_from=computed_from)

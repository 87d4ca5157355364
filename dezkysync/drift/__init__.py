"""Drift detection: tell changes made on the services out of band (drift) apart from changes
made in the tenant files and not applied yet (pending).

``apply`` leaves an **applied record** per tenant on the tenant's members group in authentik
(:mod:`dezkysync.drift.record`); ``drift`` compares the live state and the files with it
(:mod:`dezkysync.drift.detect`). Sharding (``--shard K/N``) lives in :mod:`dezkysync.plan.shard`.
"""

from dezkysync.drift.canonical import canonical_hash, tenant_from_canonical
from dezkysync.drift.detect import detect_drift, drifted_fields, restoring_plan
from dezkysync.drift.model import DriftedField, DriftReport, Status, TenantDrift
from dezkysync.drift.pending import PendingChange, pending_changes
from dezkysync.drift.record import (
    RECORD_FORMAT,
    RECORD_KEY,
    AppliedRecord,
    AppliedRecords,
    RecordRefused,
    WriteResult,
    build_applied_record,
    read_applied_records,
    records_from_groups,
    write_applied_record,
    write_applied_records,
)
from dezkysync.drift.render import FORMATS, OutputFormat, render
from dezkysync.drift.run import drift_against_services
from dezkysync.plan.shard import Shard, shard_plan

__all__ = [
    "FORMATS",
    "RECORD_FORMAT",
    "RECORD_KEY",
    "AppliedRecord",
    "AppliedRecords",
    "DriftReport",
    "DriftedField",
    "OutputFormat",
    "PendingChange",
    "RecordRefused",
    "Shard",
    "Status",
    "TenantDrift",
    "WriteResult",
    "build_applied_record",
    "canonical_hash",
    "detect_drift",
    "drift_against_services",
    "drifted_fields",
    "pending_changes",
    "read_applied_records",
    "records_from_groups",
    "render",
    "restoring_plan",
    "shard_plan",
    "tenant_from_canonical",
    "write_applied_record",
    "write_applied_records",
]

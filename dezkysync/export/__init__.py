"""Export: tenant files written from the live state, to bootstrap a repository from an
existing platform (``dezkysync export``).

Managed objects are grouped by the tenant their ownership marker names
(:mod:`dezkysync.export.collect`); unmanaged ones can be listed as candidates
(:mod:`dezkysync.export.unmanaged`). The files validate, and ``plan`` against the same live
state shows no change; they never hold a secret.
"""

from dezkysync.export.collect import Export, ExportedTenant, collect
from dezkysync.export.files import UNMANAGED_FILE, ExportFiles, ExportRefused, write
from dezkysync.export.run import ExportPlan, build_export, read_platform
from dezkysync.export.unmanaged import Unmanaged, find_unmanaged
from dezkysync.export.yamlout import DEFAULT_SCHEMA_REF

__all__ = [
    "DEFAULT_SCHEMA_REF",
    "UNMANAGED_FILE",
    "Export",
    "ExportFiles",
    "ExportPlan",
    "ExportRefused",
    "ExportedTenant",
    "Unmanaged",
    "build_export",
    "collect",
    "find_unmanaged",
    "read_platform",
    "write",
]

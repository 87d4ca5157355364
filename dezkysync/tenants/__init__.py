"""Tenant files: loading with line-accurate errors, schema and cross-file rules, the model.

``load_tenants(paths)`` returns a ``TenantSet`` or raises ``TenantFilesInvalid`` listing every
``ValidationError`` of the run (each with file, line, column, document location and message).
"""

from dezkysync.tenants.errors import TenantFilesInvalid, ValidationError
from dezkysync.tenants.loader import (
    LoadReport,
    check_tenant_files,
    find_tenant_files,
    load_tenants,
)
from dezkysync.tenants.model import (
    Dmarc,
    DmarcPolicy,
    Domain,
    MailingList,
    Member,
    MemberState,
    Role,
    SourceSpot,
    Tenant,
    TenantSet,
    TenantState,
)
from dezkysync.tenants.quota import format_quota, parse_quota

__all__ = [
    "Dmarc",
    "DmarcPolicy",
    "Domain",
    "LoadReport",
    "MailingList",
    "Member",
    "MemberState",
    "Role",
    "SourceSpot",
    "Tenant",
    "TenantFilesInvalid",
    "TenantSet",
    "TenantState",
    "ValidationError",
    "check_tenant_files",
    "find_tenant_files",
    "format_quota",
    "load_tenants",
    "parse_quota",
]

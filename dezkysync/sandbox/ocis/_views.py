"""JSON views of the state, shaped like the libregraph models OCIS marshals.

Where the real server differs by code path, the view says so: a user read through the list or
``GET /users/{id}`` always carries ``accountEnabled`` (the disable mechanism fills it in), while
the object returned by ``POST``/``PATCH`` and the group member objects come straight from the
LDAP entry and carry it only when the attribute was ever written.
"""

from __future__ import annotations

from typing import Any, Literal

from dezkysync.sandbox.ocis._state import (
    APPLICATION_NAME,
    DISK_FREE,
    ROLES,
    Directory,
    Drive,
    Group,
    RoleAssignment,
    User,
)

MAX_INT64 = 2**63 - 1
MANAGER_UNIFIED_ROLE = "312c0871-5ef7-4b3a-85b6-0e4074c64049"

EnabledMode = Literal["resolved", "attribute"]


def user_view(user: User, enabled: EnabledMode = "resolved") -> dict[str, Any]:
    """A user as the graph service returns it."""
    view: dict[str, Any] = {
        "id": user.id,
        "displayName": user.display_name,
        "onPremisesSamAccountName": user.username,
        "surname": user.surname,
        "userType": user.user_type,
    }
    if user.mail:
        view["mail"] = user.mail
    if user.given_name:
        view["givenName"] = user.given_name
    if user.identities:
        view["identities"] = [
            {"issuer": issuer, "issuerAssignedId": assigned} for issuer, assigned in user.identities
        ]
    if enabled == "resolved":
        view["accountEnabled"] = user.enabled
    elif user.enabled_attr is not None:
        view["accountEnabled"] = user.enabled_attr
    return view


def reduced_user_view(user: User, *, show_mail: bool) -> dict[str, Any]:
    """What a non-admin sees of other users (``OCIS_SHOW_USER_EMAIL_IN_RESULTS``)."""
    view: dict[str, Any] = {
        "id": user.id,
        "displayName": user.display_name,
        "userType": user.user_type,
    }
    if show_mail and user.mail:
        view["mail"] = user.mail
    return view


def group_view(group: Group) -> dict[str, Any]:
    """A group (``createGroupModelFromLDAP``)."""
    return {
        "id": group.id,
        "displayName": group.name,
        "groupTypes": ["ReadOnly"] if group.read_only else [],
    }


def assignment_view(directory: Directory, assignment: RoleAssignment) -> dict[str, Any]:
    """An appRoleAssignment (``assignmentToAppRoleAssignment``)."""
    return {
        "id": assignment.id,
        "appRoleId": assignment.role_id,
        "principalId": assignment.user_id,
        "principalType": "User",
        "resourceId": directory.application_id,
        "resourceDisplayName": APPLICATION_NAME,
    }


def application_view(directory: Directory) -> dict[str, Any]:
    """The single application OCIS lists, with its role definitions."""
    return {
        "id": directory.application_id,
        "displayName": APPLICATION_NAME,
        "appRoles": [{"id": role_id, "displayName": name} for role_id, name in ROLES.items()],
    }


def quota_state(total: int, used: int) -> str:
    """``calculateQuotaState`` (a zero total compares like Go's NaN/Inf: exceeded)."""
    if total == 0:
        return "exceeded"
    percent = used / total * 100
    if percent <= 75:
        return "normal"
    if percent <= 90:
        return "nearing"
    if percent <= 99:
        return "critical"
    return "exceeded"


def quota_view(drive: Drive) -> dict[str, Any]:
    """``getDriveQuota`` for an enabled drive; ``total: 0`` means unlimited."""
    total = min(drive.quota_total, MAX_INT64)
    if total:
        remaining = max(total - drive.used, 0)
        reference = total
    else:
        remaining = max(DISK_FREE - drive.used, 0)
        reference = remaining
    return {
        "remaining": remaining,
        "state": quota_state(reference, drive.used),
        "total": total,
        "used": drive.used,
    }


def drive_view(
    directory: Directory, drive: Drive, base_url: str, *, beta: bool = False
) -> dict[str, Any]:
    """A drive (``cs3StorageSpaceToDrive`` + ``formatDrives``)."""
    drive_id = directory.drive_id(drive)
    root: dict[str, Any] = {
        "id": drive_id,
        "eTag": drive.etag,
        "webDavUrl": f"{base_url}/dav/spaces/{drive_id}",
    }
    if drive.trashed:
        root["deleted"] = {"state": "trashed"}
    permissions = _permissions(directory, drive, beta=beta)
    if permissions:
        root["permissions"] = permissions
    view: dict[str, Any] = {
        "id": drive_id,
        "name": drive.name,
        "driveType": drive.drive_type,
        "driveAlias": drive.alias,
        "owner": {"user": {"displayName": "", "id": drive.owner_id}},
        "lastModifiedDateTime": drive.modified,
        "root": root,
        "webUrl": f"{base_url}/f/{drive_id}",
    }
    if drive.description is not None:
        view["description"] = drive.description
    if drive.trashed:
        # A disabled drive cannot be accessed: only the configured total is known.
        view["quota"] = {"total": min(drive.quota_total, MAX_INT64)}
    else:
        view["quota"] = quota_view(drive)
    return view


def _permissions(directory: Directory, drive: Drive, *, beta: bool) -> list[dict[str, Any]]:
    grants: list[dict[str, Any]] = []
    for user_id in drive.managers:
        user = directory.users.get(user_id)
        identity = {"displayName": user.display_name if user else "", "id": user_id}
        if beta:
            grants.append({"grantedToV2": {"user": identity}, "roles": [MANAGER_UNIFIED_ROLE]})
        else:
            grants.append({"grantedToIdentities": [{"user": identity}], "roles": ["manager"]})
    return grants

"""``/graph/v1.0/drives`` (and the ``v1beta1`` aliases): list, get, create, update, disable,
restore and purge.

Personal drives are never created through this API: they appear at a user's first
authenticated request (:func:`create_home`). Deleting is two-step — ``DELETE`` disables
(trashes) a drive, ``DELETE`` with ``Purge: T`` removes a disabled one (an enabled one is 400) —
and ``PATCH`` with ``Restore: T`` brings a disabled drive back.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from dezkysync.sandbox._wsgi import Response
from dezkysync.sandbox.ocis._bodies import BodyError, decode
from dezkysync.sandbox.ocis._context import Call
from dezkysync.sandbox.ocis._errors import GraphError, invalid_request, json_response, not_found
from dezkysync.sandbox.ocis._odata import Tok
from dezkysync.sandbox.ocis._state import (
    DEFAULT_PROJECT_QUOTA,
    Directory,
    Drive,
    User,
    now_rfc3339_nano,
)
from dezkysync.sandbox.ocis._validation import go_parse_bool, space_name_error
from dezkysync.sandbox.ocis._views import drive_view

_UINT64 = 2**64


def new_etag() -> str:
    """A quoted root eTag."""
    return f'"{secrets.token_hex(16)}"'


def create_home(directory: Directory, user: User) -> Drive | None:
    """The proxy's CreateHome: the user's personal drive, created on first use (None when it
    already existed)."""
    if directory.personal_drive_of(user.id) is not None:
        return None
    drive = Drive(
        space_id=user.id,
        drive_type="personal",
        name=user.display_name,
        alias=f"personal/{user.username.lower()}",
        owner_id=user.id,
        etag=new_etag(),
        modified=now_rfc3339_nano(),
    )
    directory.add_drive(drive)
    return drive


def _drive_not_found() -> GraphError:
    return not_found("drive not found")


def _can_see(call: Call, drive: Drive) -> bool:
    if call.can_manage_spaces:
        return True
    if drive.drive_type == "personal":
        return drive.owner_id == call.caller.id
    return call.caller.id in drive.managers


def _visible(call: Call, drive_id: str) -> Drive:
    drive = call.directory.find_drive(drive_id)
    if drive is None or not _can_see(call, drive):
        raise _drive_not_found()
    return drive


def _list(call: Call, *, everyone: bool) -> Response:
    query = call.odata()
    drives = list(call.directory.drives.values())
    if not (everyone and call.can_manage_spaces):
        mine = call.caller.id
        drives = [
            d
            for d in drives
            if (d.drive_type == "personal" and d.owner_id == mine)
            or (d.drive_type != "personal" and mine in d.managers)
        ]
    if query.filter is not None:
        # generateCs3Filters: a single `eq` on driveType or id; `eq` on anything else is no
        # filter at all; any other operator is 501.
        root = query.filter
        if root.token.value != "eq":
            raise GraphError("notSupported", f"unsupported filter operand: {root.token.value}", 501)
        prop, operand = root.children
        value = operand.token.value.strip("'") if operand.token.type != Tok.LIST_EXPR else ""
        if prop.token.value == "driveType":
            drives = [d for d in drives if d.drive_type == value]
        elif prop.token.value == "id":
            drives = [d for d in drives if call.directory.drive_id(d) == value]
    if len(query.orderby) == 1:
        order = query.orderby[0]
        if order.field == "name":
            drives = sorted(drives, key=lambda d: d.name.lower(), reverse=order.descending)
        elif order.field == "lastModifiedDateTime":
            drives = sorted(drives, key=lambda d: d.modified, reverse=order.descending)
        else:
            raise invalid_request(f"we do not support <{order.field}> as a order parameter")
    views = [drive_view(call.directory, d, call.base_url, beta=call.beta) for d in drives]
    return json_response(200, {"value": views})


def list_drives(call: Call) -> Response:
    """``GET /drives``: every drive the caller may list (admins and space admins: all)."""
    return _list(call, everyone=True)


def list_my_drives(call: Call) -> Response:
    """``GET /me/drives``: the caller's own drives."""
    return _list(call, everyone=False)


def get_drive(call: Call, drive_id: str) -> Response:
    """``GET /drives/{id}``."""
    drive = _visible(call, drive_id)
    return json_response(200, drive_view(call.directory, drive, call.base_url, beta=call.beta))


def create_drive(call: Call) -> Response:
    """``POST /drives``: a project drive (default quota 1 GB); the caller becomes manager."""
    if not call.can_manage_spaces:
        raise GraphError("notAllowed", "insufficient permissions to create a space.", 403)
    try:
        body = decode(call.request.body, "Drive")
    except BodyError as exc:
        raise invalid_request("invalid body schema definition") from exc
    name = str(body.get("name", "")).strip()
    problem = space_name_error(name)
    if problem is not None:
        raise invalid_request(f"invalid spacename: {problem}")
    if body.get("driveType", "") not in ("", "project"):
        raise invalid_request("drives of this type cannot be created via this api")
    quota: dict[str, Any] = body.get("quota") or {}
    space_id = str(uuid.uuid4())
    drive = Drive(
        space_id=space_id,
        drive_type="project",
        name=name,
        alias=body.get("driveAlias") or "project/" + name.replace(" ", "-").lower(),
        owner_id=space_id,
        etag=new_etag(),
        modified=now_rfc3339_nano(),
        quota_total=_quota_bytes(quota["total"]) if "total" in quota else DEFAULT_PROJECT_QUOTA,
        description=body.get("description"),
        managers=[call.caller.id],
    )
    call.directory.add_drive(drive)
    return json_response(201, drive_view(call.directory, drive, call.base_url, beta=call.beta))


def _quota_bytes(total: int) -> int:
    # The total is converted to uint64: a negative value wraps around.
    return total % _UINT64


def update_drive(call: Call, drive_id: str) -> Response:
    """``PATCH /drives/{id}``: name, description, alias, quota; ``Restore: T`` re-enables."""
    try:
        body = decode(call.request.body, "DriveUpdate")
    except BodyError as exc:
        raise invalid_request(f"invalid request body: error: {exc.detail}") from exc
    restore = go_parse_bool(call.request.headers.get("restore"))
    name = str(body.get("name", "")).strip()
    if body.get("name"):
        problem = space_name_error(name)
        if problem is not None:
            raise GraphError("generalException", problem, 400)
    quota: dict[str, Any] = body.get("quota") or {}
    if "total" in quota and not call.can_manage_spaces:
        raise GraphError("notAllowed", "user is not allowed to set the space quota", 403)
    drive = _visible(call, drive_id)
    if drive.trashed and not restore:
        raise _drive_not_found()
    if restore:
        drive.trashed = False
    if body.get("name"):
        drive.name = name
    if "description" in body:
        drive.description = body["description"]
    if "driveAlias" in body:
        drive.alias = body["driveAlias"]
    if "total" in quota:
        drive.quota_total = _quota_bytes(quota["total"])
    drive.modified = now_rfc3339_nano()
    return json_response(200, drive_view(call.directory, drive, call.base_url, beta=call.beta))


def delete_drive(call: Call, drive_id: str) -> Response:
    """``DELETE /drives/{id}``: disable; with ``Purge: T`` remove a disabled drive."""
    purge = go_parse_bool(call.request.headers.get("purge"))
    drive = call.directory.find_drive(drive_id)
    if drive is None or not _may_delete(call, drive):
        raise _drive_not_found()
    if purge:
        if not drive.trashed:
            raise invalid_request("error: bad request: can't purge enabled space")
        call.directory.remove_drive(drive)
    else:
        drive.trashed = True
        drive.modified = now_rfc3339_nano()
    return Response.empty(204)


def _may_delete(call: Call, drive: Drive) -> bool:
    if call.is_admin:
        return True
    if drive.drive_type == "personal":
        return False
    return call.caller.id in drive.managers or call.can_manage_spaces

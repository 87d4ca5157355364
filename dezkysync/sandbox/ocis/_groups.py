"""``/graph/v1.0/groups``: list, get, create, rename, delete and membership.

Quirks kept from the real server (groups.go and the LDAP backend): the member list is a bare
JSON array; ``PATCH`` answers 204; ``GET``/membership lookups accept the id or the name, but
``DELETE``, rename and member removal need the id; member references are resolved by user id
only (a username in ``@odata.id`` is a 404); adding an existing member is a silent no-op; a
user named twice inside one ``members@odata.bind`` is stored, and listed, twice (#5855).
"""

from __future__ import annotations

import uuid
from typing import Any

from dezkysync.sandbox._wsgi import Response
from dezkysync.sandbox.ocis._bodies import BodyError, decode
from dezkysync.sandbox.ocis._context import Call
from dezkysync.sandbox.ocis._errors import (
    GraphError,
    backend_error,
    invalid_request,
    json_response,
    not_found,
)
from dezkysync.sandbox.ocis._odata import ODataError
from dezkysync.sandbox.ocis._state import Group, User
from dezkysync.sandbox.ocis._user_filter import find_group
from dezkysync.sandbox.ocis._validation import member_ref
from dezkysync.sandbox.ocis._views import group_view, user_view

MEMBER_REFS_LIMIT = 20


def _group_by_id(call: Call, group_id: str) -> Group:
    group = call.directory.groups.get(group_id)
    if group is None:
        raise not_found()
    return group


def _group_by_name_or_id(call: Call, name_or_id: str) -> Group:
    group = find_group(call.directory, name_or_id)
    if group is None:
        raise not_found()
    return group


def _members(call: Call, group: Group) -> list[dict[str, Any]]:
    return [user_view(user, enabled="attribute") for user in call.directory.member_list(group)]


def _with_members(call: Call, group: Group, expand: bool) -> dict[str, Any]:
    view = group_view(group)
    if expand:
        view["members"] = _members(call, group)
    return view


def list_groups(call: Call) -> Response:
    """``GET /groups``: ``$search`` on name or id, ``$orderby=displayName``, ``$expand=members``
    (``$filter`` parses but is not applied, as on the real server)."""
    query = call.odata()
    try:
        term = query.search_value()
        expand = query.expand_values()
    except ODataError as exc:
        raise backend_error(exc) from exc
    if not call.is_admin:
        if query.filter is not None or query.expand:
            raise GraphError("accessDenied", "filter and expand are not allowed for regular users")
        if len(term) < call.settings.search_min_length:
            raise GraphError("accessDenied", "search term too short", 403)
    groups = list(call.directory.groups.values())
    if term:
        needle = term.lower()
        groups = [g for g in groups if needle in g.name.lower() or needle in g.id.lower()]
    if len(query.orderby) == 1:
        order = query.orderby[0]
        if order.field != "displayName":
            raise invalid_request(f"we do not support <{order.field}> as a order parameter")
        groups = sorted(groups, key=lambda g: g.name.lower(), reverse=order.descending)
    show_members = "members" in expand or "members" in query.select
    return json_response(200, {"value": [_with_members(call, g, show_members) for g in groups]})


def get_group(call: Call, group_id: str) -> Response:
    """``GET /groups/{id-or-name}``."""
    query = call.odata()
    group = _group_by_name_or_id(call, group_id)
    expand = [item.path[0] for item in query.expand]
    show_members = "members" in expand or "members" in query.select
    return json_response(200, _with_members(call, group, show_members))


def _decode_group(call: Call, struct: str = "Group") -> dict[str, Any]:
    try:
        return decode(call.request.body, struct)
    except BodyError as exc:
        raise invalid_request(exc.detail) from exc


def create_group(call: Call) -> Response:
    """``POST /groups`` (admin): 201; a taken name (case-insensitive) is 409."""
    body = _decode_group(call)
    if "displayName" not in body:
        raise invalid_request("Missing Required Attribute")
    if "id" in body:
        raise invalid_request("group id is a read-only attribute")
    name = body["displayName"]
    if not name.strip():
        raise invalid_request("Invalid displayName")
    if name.lower() in call.directory.group_by_name:
        raise GraphError("nameAlreadyExists", "group already exists", 409)
    group = Group(id=str(uuid.uuid4()), name=name)
    call.directory.add_group(group)
    return json_response(201, group_view(group))


def update_group(call: Call, group_id: str) -> Response:
    """``PATCH /groups/{id}`` (admin): rename and/or ``members@odata.bind``; 204."""
    body = _decode_group(call)
    refs: list[str | None] | None = body.get("members@odata.bind")
    if "displayName" in body:
        name = body["displayName"]
        if not name.strip():
            raise invalid_request("Invalid displayName")
        group = _group_by_id(call, group_id)
        if group.read_only:
            raise GraphError("notAllowed", "group is read-only", 405)
        if name != group.name:
            clash = call.directory.group_by_name.get(name.lower())
            if clash is not None and clash != group.id:
                raise GraphError("nameAlreadyExists", "Group name already in use", 409)
            call.directory.rename_group(group, name)
    if refs is not None:
        if len(refs) > MEMBER_REFS_LIMIT:
            raise invalid_request(f"Request is limited to {MEMBER_REFS_LIMIT} members")
        user_ids: list[str] = []
        for ref in refs:
            parsed = member_ref(ref or "")
            if parsed is None:
                raise invalid_request("Error parsing member@odata.bind values")
            kind, user_id = parsed
            if kind != "users":
                raise invalid_request("Only user are allowed as group members")
            user_ids.append(user_id)
        _add_members(call, group_id, user_ids)
    return Response.empty(204)


def _add_members(call: Call, group_ref: str, user_ids: list[str]) -> None:
    """``AddMembersToGroup``: all lookups first, then one LDAP modify."""
    group = _group_by_name_or_id(call, group_ref)
    if group.read_only:
        raise GraphError("notAllowed", "group is read-only", 405)
    current = set(call.directory.members[group.id])
    new: list[User] = []
    for user_id in user_ids:
        user = call.directory.find_user_by_id(user_id)
        if user is None:
            raise not_found()
        if user.id not in current:
            new.append(user)
    # Existing members are skipped, but a user named twice in this request is stored twice
    # by the built-in IDM and then listed twice (ocis issue #5855).
    for user in new:
        call.directory.add_member(group, user)


def delete_group(call: Call, group_id: str) -> Response:
    """``DELETE /groups/{id}`` (admin; by id only)."""
    group = _group_by_id(call, group_id)
    if group.read_only:
        raise GraphError("notAllowed", "group is read-only", 405)
    call.directory.remove_group(group)
    return Response.empty(204)


def list_members(call: Call, group_id: str) -> Response:
    """``GET /groups/{id}/members`` (admin): a *bare* JSON array of users."""
    query = call.odata()
    try:
        expand = query.expand_values()
        term = query.search_value().lower()
    except ODataError as exc:
        raise backend_error(exc) from exc
    group = _group_by_name_or_id(call, group_id)
    result: list[dict[str, Any]] = []
    for user in call.directory.member_list(group):
        if term and not (
            term in user.username.lower()
            or term in (user.mail or "").lower()
            or term in user.display_name.lower()
        ):
            continue
        view = user_view(user, enabled="attribute")
        if "memberOf" in expand:
            view["memberOf"] = [group_view(g) for g in call.directory.groups_of(user)]
        result.append(view)
    return json_response(200, result)


def add_member_ref(call: Call, group_id: str) -> Response:
    """``POST /groups/{id}/members/$ref`` (admin) with ``{"@odata.id": ".../users/<id>"}``."""
    body = _decode_group(call, "MemberReference")
    ref = body.get("@odata.id")
    if ref is None:
        raise invalid_request("@odata.id reference is missing")
    parsed = member_ref(ref)
    if parsed is None:
        raise invalid_request("Error parsing @odata.id url")
    kind, user_id = parsed
    if kind != "users":
        raise invalid_request("Only user are allowed as group members")
    _add_members(call, group_id, [user_id])
    return Response.empty(204)


def remove_member_ref(call: Call, group_id: str, member_id: str) -> Response:
    """``DELETE /groups/{gid}/members/{uid}/$ref`` (admin; ids only)."""
    group = _group_by_id(call, group_id)
    if group.read_only:
        raise GraphError("notAllowed", "group is read-only", 405)
    user = call.directory.find_user_by_id(member_id)
    if user is None or user.id not in call.directory.members[group.id]:
        raise not_found()
    call.directory.remove_member(group, user)
    return Response.empty(204)

"""``/graph/v1.0/users`` and ``/graph/v1.0/me``: list, get, create, update, delete.

Behaviour follows services/graph/pkg/service/v0/users.go and the LDAP identity backend: no
paging (``$top``/``$skip``/``$count`` parse but do nothing), usernames unique and matched
case-insensitively, duplicate mail accepted, ``surname`` defaulting to the username, the
``user`` role assigned to new users, and a delete that purges the personal drive and every
membership.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
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
from dezkysync.sandbox.ocis._odata import ODataError, Query
from dezkysync.sandbox.ocis._state import ROLE_USER, User, hash_secret
from dezkysync.sandbox.ocis._user_filter import UserFilter
from dezkysync.sandbox.ocis._validation import (
    check_username,
    valid_email,
    valid_user_type,
)
from dezkysync.sandbox.ocis._views import (
    assignment_view,
    drive_view,
    group_view,
    reduced_user_view,
    user_view,
)

_SORT_KEYS: dict[str, Callable[[User], str]] = {
    "displayName": lambda user: user.display_name.lower(),
    "mail": lambda user: (user.mail or "").lower(),
    "onPremisesSamAccountName": lambda user: user.username.lower(),
}


def _search_matcher(term: str) -> Callable[[User], bool]:
    """The LDAP filter ``(|(uid=*t*)(mail=*t*)(displayName=*t*))``, case-insensitive."""
    if not term:
        return lambda _user: True
    needle = term.lower()
    return lambda user: (
        needle in user.username.lower()
        or needle in (user.mail or "").lower()
        or needle in user.display_name.lower()
    )


def _check_regular_user_query(call: Call, query: Query, term: str) -> None:
    """What a non-admin may ask: a long enough search, and no $filter/$expand."""
    if call.is_admin:
        return
    raw = call.request.query
    if query.filter is not None or query.expand or "$apply" in raw:
        raise GraphError("accessDenied", "filter and expand are not allowed for regular users")
    if len(term) < call.settings.search_min_length:
        raise GraphError("accessDenied", "search term too short", 403)


# -- list -----------------------------------------------------------------------------------


def list_users(call: Call) -> Response:
    """``GET /users``: the whole (filtered) result, never paged."""
    query = call.odata()
    try:
        term = query.search_value()
        expand = query.expand_values()
    except ODataError as exc:
        raise backend_error(exc) from exc
    _check_regular_user_query(call, query, term)
    matches = _search_matcher(term)
    if query.filter is not None:
        users = UserFilter(call.directory, matches).apply(query.filter)
    else:
        users = [user for user in call.directory.users.values() if matches(user)]
    if len(query.orderby) == 1:
        order = query.orderby[0]
        key = _SORT_KEYS.get(order.field)
        if key is None:
            raise invalid_request(f"we do not support <{order.field}> as a order parameter")
        users = sorted(users, key=key, reverse=order.descending)
    if not call.is_admin:
        show = call.settings.show_user_email
        return json_response(200, {"value": [reduced_user_view(u, show_mail=show) for u in users]})
    return json_response(200, {"value": [_expanded(call, user, expand) for user in users]})


def _expanded(call: Call, user: User, expand: list[str]) -> dict[str, Any]:
    view = user_view(user)
    if "memberOf" in expand:
        view["memberOf"] = [group_view(group) for group in call.directory.groups_of(user)]
    if "appRoleAssignments" in expand:
        view["appRoleAssignments"] = [
            assignment_view(call.directory, assignment)
            for assignment in call.directory.assignments_of(user.id)
        ]
    return view


# -- get ------------------------------------------------------------------------------------


def get_user(call: Call, user_id: str) -> Response:
    """``GET /users/{id-or-username}`` with ``$expand=memberOf|drive|drives|appRoleAssignments``."""
    query = call.odata()
    try:
        expand = query.expand_values()
    except ODataError as exc:
        raise invalid_request(exc.message) from exc
    user = call.directory.find_user(user_id)
    if user is None:
        raise not_found()
    if not call.is_admin and user.id != call.caller.id:
        return json_response(200, reduced_user_view(user, show_mail=call.settings.show_user_email))
    view = _expanded(call, user, expand)
    if not call.settings.show_user_email:
        # OCIS 6.x-8.0 drop mail from single-user reads, even for admins, unless
        # OCIS_SHOW_USER_EMAIL_IN_RESULTS=true (ocis-api.md §2.1; test-user-get-by-id.json).
        view.pop("mail", None)
    if "drive" in expand:
        personal = call.directory.personal_drive_of(user.id)
        view["drive"] = (
            drive_view(call.directory, personal, call.base_url) if personal else {"name": ""}
        )
    if "drives" in expand:
        view["drives"] = [
            drive_view(call.directory, drive, call.base_url)
            for drive in call.directory.drives.values()
            if drive.drive_type != "personal" and user.id in drive.managers
        ]
    return json_response(200, view)


def get_user_drive(call: Call, user_id: str) -> Response:
    """``GET /users/{id}/drive`` (not in the spec): the personal drive, filtered by owner id."""
    if not call.can_manage_spaces and user_id != call.caller.id:
        raise not_found("no drive returned from storage")
    drive = call.directory.personal_drive_of(user_id)
    if drive is None:
        raise not_found("no drive returned from storage")
    return json_response(200, drive_view(call.directory, drive, call.base_url))


# -- create ---------------------------------------------------------------------------------


def _decode_user(call: Call) -> dict[str, Any]:
    try:
        return decode(call.request.body, "User")
    except BodyError as exc:
        raise invalid_request(f"invalid request body: {exc.detail}") from exc


def _identities(raw: list[dict[str, Any] | None]) -> list[list[str]]:
    pairs: list[list[str]] = []
    for item in raw:
        issuer = (item or {}).get("issuer", "")
        assigned = (item or {}).get("issuerAssignedId", "")
        if not issuer or not assigned:
            raise GraphError("generalException", "missing Attribute for objectIdentity", 500)
        pairs.append([issuer, assigned])
    return pairs


def create_user(call: Call) -> Response:
    """``POST /users`` (admin): 201 with the created entry."""
    body = _decode_user(call)
    if "displayName" not in body:
        raise invalid_request("missing required Attribute: 'displayName'")
    if "onPremisesSamAccountName" not in body:
        raise invalid_request("missing required Attribute: 'onPremisesSamAccountName'")
    username = body["onPremisesSamAccountName"]
    check_username(username, call.settings.username_match)
    mail = body.get("mail")
    if mail is not None and not valid_email(mail):
        raise invalid_request(f"{mail} is not a valid email address")
    if "id" in body:
        raise invalid_request("user id is a read-only attribute")
    user_type = body.get("userType", "Member")
    if not valid_user_type(user_type):
        raise invalid_request("invalid userType attribute, valid options are 'Member' or 'Guest'")
    identities = _identities(body.get("identities", []))
    directory = call.directory
    if username.lower() in directory.user_by_name:
        raise GraphError("nameAlreadyExists", "a user with that name already exists", 409)
    password = (body.get("passwordProfile") or {}).get("password")
    user = User(
        id=str(uuid.uuid4()),
        username=username,
        display_name=body["displayName"],
        surname=body.get("surname") or username,
        user_type=user_type,
        mail=mail,
        given_name=body.get("givenName") or None,
        enabled_attr=body.get("accountEnabled"),
        identities=identities,
        password_hash=hash_secret(password) if password else None,
    )
    directory.add_user(user)
    if call.settings.assign_default_role:
        directory.assign_role(user.id, ROLE_USER)
    return json_response(201, user_view(user, enabled="attribute"))


# -- update ---------------------------------------------------------------------------------


def update_user(call: Call, user_id: str) -> Response:
    """``PATCH /users/{id-or-username}`` (admin): 200 with the entry, 204 for ``{}``."""
    body = _decode_user(call)
    mail = body.get("mail")
    if mail is not None and not valid_email(mail):
        raise invalid_request(f"'{mail}' is not a valid email address")
    if "userType" in body and not valid_user_type(body["userType"]):
        raise invalid_request("invalid userType attribute, valid options are 'Member' or 'Guest'")
    if "onPremisesSamAccountName" in body:
        check_username(body["onPremisesSamAccountName"], call.settings.username_match)
    directory = call.directory
    user = directory.find_user(user_id)
    if user is None:
        raise not_found()
    if body.get("id") and body["id"] != user.id:
        raise GraphError("notAllowed", "changing the UserId is not allowed", 405)
    identities = _identities(body["identities"]) if "identities" in body else None
    new_name = body.get("onPremisesSamAccountName")
    if new_name and new_name != user.username:
        clash = directory.user_by_name.get(new_name.lower())
        if clash is not None and clash != user.id:
            raise GraphError("nameAlreadyExists", "a user with that name already exists", 409)
        directory.rename_user(user, new_name)
    # Empty strings are ignored: LDAP attributes cannot be cleared through the graph API.
    if body.get("displayName"):
        user.display_name = body["displayName"]
    if mail:
        user.mail = mail
    if body.get("surname"):
        user.surname = body["surname"]
    if body.get("givenName"):
        user.given_name = body["givenName"]
    if body.get("userType"):
        user.user_type = body["userType"]
    password = (body.get("passwordProfile") or {}).get("password")
    if password:
        user.password_hash = hash_secret(password)
    if identities is not None:
        user.identities = identities
    if "accountEnabled" in body:
        user.enabled_attr = body["accountEnabled"]
    if not body:
        return Response.empty(204)
    return json_response(200, user_view(user, enabled="attribute"))


# -- delete ---------------------------------------------------------------------------------


def delete_user(call: Call, user_id: str) -> Response:
    """``DELETE /users/{id-or-username}`` (admin): purges the personal drive and memberships."""
    call.odata()
    directory = call.directory
    user = directory.find_user(user_id)
    if user is None:
        raise not_found()
    if user.id == call.caller.id:
        raise GraphError("notAllowed", "self deletion forbidden", 403)
    personal = directory.personal_drive_of(user.id)
    if personal is not None:
        directory.remove_drive(personal)
    directory.remove_user(user)
    return Response.empty(204)


# -- me -------------------------------------------------------------------------------------


def get_me(call: Call) -> Response:
    """``GET /me``: the caller (from the token's user), ``$expand=memberOf|appRoleAssignments``."""
    query = call.odata()
    try:
        expand = query.expand_values()
    except ODataError as exc:
        raise invalid_request(exc.message) from exc
    user = call.caller
    view: dict[str, Any] = {
        "id": user.id,
        "displayName": user.display_name,
        "onPremisesSamAccountName": user.username,
        "userType": user.user_type,
    }
    if user.mail:
        view["mail"] = user.mail
    if "memberOf" in expand:
        view["memberOf"] = [group_view(group) for group in call.directory.groups_of(user)]
    if "appRoleAssignments" in expand:
        view["appRoleAssignments"] = [
            assignment_view(call.directory, a) for a in call.directory.assignments_of(user.id)
        ]
    return json_response(200, view)


def get_my_drive(call: Call) -> Response:
    """``GET /me/drive``: the caller's personal drive."""
    return get_user_drive(call, call.caller.id)

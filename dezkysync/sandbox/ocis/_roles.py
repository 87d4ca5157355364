"""``/graph/v1.0/applications`` and ``/users/{id}/appRoleAssignments`` (the settings service's
roles: admin, space admin, user, user light; one role per user)."""

from __future__ import annotations

from dezkysync.sandbox._wsgi import Response
from dezkysync.sandbox.ocis._bodies import BodyError, decode
from dezkysync.sandbox.ocis._context import Call
from dezkysync.sandbox.ocis._errors import GraphError, invalid_request, json_response, not_found
from dezkysync.sandbox.ocis._state import ROLES
from dezkysync.sandbox.ocis._views import application_view, assignment_view


def list_applications(call: Call) -> Response:
    """``GET /applications``: the one OCIS application with its role definitions."""
    return json_response(200, {"value": [application_view(call.directory)]})


def get_application(call: Call, application_id: str) -> Response:
    """``GET /applications/{id}``."""
    expected = call.directory.application_id
    if application_id != expected:
        raise not_found(
            f"requested id {application_id} does not match expected application id {expected}"
        )
    return json_response(200, application_view(call.directory))


def list_assignments(call: Call, user_id: str) -> Response:
    """``GET /users/{id}/appRoleAssignments`` (admin; the settings service does not check that
    the user exists)."""
    assignments = call.directory.assignments_of(user_id)
    return json_response(200, {"value": [assignment_view(call.directory, a) for a in assignments]})


def create_assignment(call: Call, user_id: str) -> Response:
    """``POST /users/{id}/appRoleAssignments`` (admin): replaces the user's role; 201."""
    try:
        body = decode(call.request.body, "AppRoleAssignment")
    except BodyError as exc:
        raise invalid_request(f"invalid request body: {exc.detail}") from exc
    principal = body.get("principalId", "")
    if principal != user_id:
        raise invalid_request(f"user id {user_id} does not match principal id {principal}")
    application_id = call.directory.application_id
    if body.get("resourceId", "") != application_id:
        raise invalid_request(
            f"resource id {user_id} does not match expected application id {application_id}"
        )
    role_id = body.get("appRoleId", "")
    if role_id not in ROLES:
        raise GraphError("generalException", f"role {role_id} not found", 500)
    assignment = call.directory.assign_role(user_id, role_id)
    return json_response(201, assignment_view(call.directory, assignment))


def delete_assignment(call: Call, user_id: str, assignment_id: str) -> Response:
    """``DELETE /users/{id}/appRoleAssignments/{assignment-id}`` (admin)."""
    for assignment in call.directory.assignments_of(user_id):
        if assignment.id == assignment_id:
            call.directory.remove_assignment(assignment)
            return Response.empty(204)
    raise not_found(f"appRoleAssignment {assignment_id} not found for user {user_id}")

"""Applications and app role assignments (the settings service's roles)."""

from __future__ import annotations

from dezkysync.sandbox.ocis._state import ROLE_ADMIN, ROLE_SPACE_ADMIN, ROLE_USER, ROLE_USER_LIGHT
from tests.sandbox.ocis.helpers import V1, Graph, error_of


def test_the_application_lists_the_four_roles(graph: Graph) -> None:
    [application] = graph.get(f"{V1}/applications").json()["value"]
    assert application["displayName"] == "ownCloud Infinite Scale"
    roles = {role["displayName"]: role["id"] for role in application["appRoles"]}
    assert roles == {
        "Admin": ROLE_ADMIN,
        "Space Admin": ROLE_SPACE_ADMIN,
        "User": ROLE_USER,
        "User Light": ROLE_USER_LIGHT,
    }
    assert graph.get(f"{V1}/applications/{application['id']}").json() == application
    status, code, message = error_of(graph.get(f"{V1}/applications/other"))
    assert (status, code) == (404, "itemNotFound") and message.startswith("requested id other")


def test_new_users_get_the_user_role(graph: Graph) -> None:
    user = graph.create_user("alice")
    [assignment] = graph.get(f"{V1}/users/{user['id']}/appRoleAssignments").json()["value"]
    assert (assignment["appRoleId"], assignment["principalId"], assignment["principalType"]) == (
        ROLE_USER,
        user["id"],
        "User",
    )


def test_assigning_a_role_replaces_the_previous_one(graph: Graph) -> None:
    user = graph.create_user("alice")
    application_id = graph.get(f"{V1}/applications").json()["value"][0]["id"]
    body = {"principalId": user["id"], "resourceId": application_id, "appRoleId": ROLE_SPACE_ADMIN}
    response = graph.post(f"{V1}/users/{user['id']}/appRoleAssignments", json=body)
    assert response.status_code == 201
    created = response.json()
    assert created["appRoleId"] == ROLE_SPACE_ADMIN
    assignments = graph.get(f"{V1}/users/{user['id']}/appRoleAssignments").json()["value"]
    assert [a["id"] for a in assignments] == [created["id"]]
    deleted = graph.delete(f"{V1}/users/{user['id']}/appRoleAssignments/{created['id']}")
    assert deleted.status_code == 204
    assert graph.get(f"{V1}/users/{user['id']}/appRoleAssignments").json() == {"value": []}


def test_assignment_errors(graph: Graph) -> None:
    user = graph.create_user("alice")
    application_id = graph.get(f"{V1}/applications").json()["value"][0]["id"]
    path = f"{V1}/users/{user['id']}/appRoleAssignments"
    mismatch = {"principalId": "other", "resourceId": application_id, "appRoleId": ROLE_USER}
    assert (
        error_of(graph.post(path, json=mismatch))[2]
        == f"user id {user['id']} does not match principal id other"
    )
    wrong_app = {"principalId": user["id"], "resourceId": "x", "appRoleId": ROLE_USER}
    assert error_of(graph.post(path, json=wrong_app))[0] == 400
    unknown_role = {"principalId": user["id"], "resourceId": application_id, "appRoleId": "x"}
    assert error_of(graph.post(path, json=unknown_role))[:2] == (500, "generalException")
    assert (
        error_of(graph.post(path, json={"extra": 1}))[2]
        == 'invalid request body: json: unknown field "extra"'
    )
    assert error_of(graph.delete(f"{path}/nope"))[:2] == (404, "itemNotFound")

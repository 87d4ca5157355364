"""Groups: CRUD, filters, include flags, memberships through add_user/remove_user."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from dezkysync.sandbox.authentik import AuthentikEmulator

GROUPS = "/api/v3/core/groups/"


def create(api: httpx.Client, **body: Any) -> dict[str, Any]:
    response = api.post(GROUPS, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [g["name"] for g in response.json()["results"]]


def test_create_shape(api: httpx.Client) -> None:
    group = create(api, name="tenant-beta", attributes={"tenant": "beta", "plan": {"tier": "pro"}})
    assert group["num_pk"] > 0
    assert group["users"] == [] and group["users_obj"] == []
    assert group["parents"] == [] and group["parents_obj"] is None
    assert group["children"] == [] and group["children_obj"] is None
    assert group["inherited_roles_obj"] is None
    assert list(group["attributes"]) == ["tenant", "plan"]
    stored = api.get(f"{GROUPS}{group['pk']}/").json()
    assert list(stored["attributes"]) == ["plan", "tenant"]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"attributes": {}}, {"name": ["This field is required."]}),
        ({"name": "authentik Admins"}, {"name": ["Group with this name already exists."]}),
        (
            {"name": "g", "users": [999999]},
            {"users": ['Invalid pk "999999" - object does not exist.']},
        ),
        (
            {"name": "g", "users": ["x"]},
            {"users": ["Incorrect type. Expected pk value, received str."]},
        ),
        (
            {"name": "g", "attributes": []},
            {"attributes": ["Value must be a dictionary, and not have any duplicate keys."]},
        ),
        ({"name": "g", "parents": ["nope"]}, {"parents": ["“nope” is not a valid UUID."]}),
    ],
)
def test_create_validation(api: httpx.Client, body: dict[str, Any], errors: dict[str, Any]) -> None:
    response = api.post(GROUPS, json=body)
    assert response.status_code == 400
    assert response.json() == errors


def test_add_and_remove_user_are_idempotent(api: httpx.Client, emulator: AuthentikEmulator) -> None:
    alice = emulator.add_user("alice")
    group = create(api, name="tenant-acme")
    add = f"{GROUPS}{group['pk']}/add_user/"
    remove = f"{GROUPS}{group['pk']}/remove_user/"
    for _ in range(2):
        response = api.post(add, json={"pk": alice})
        assert response.status_code == 204 and response.content == b""
    got = api.get(f"{GROUPS}{group['pk']}/", params={"include_users": "true"}).json()
    assert got["users"] == [alice]
    assert got["users_obj"][0]["username"] == "alice"
    for _ in range(2):
        assert api.post(remove, json={"pk": alice}).status_code == 204
    assert api.get(f"{GROUPS}{group['pk']}/").json()["users"] == []


@pytest.mark.parametrize(
    ("body", "status", "answer"),
    [
        ({"pk": 999999}, 404, {"detail": "Not found."}),
        ({}, 400, {"pk": ["This field is required."]}),
        ({"pk": "abc"}, 400, {"pk": ["A valid integer is required."]}),
    ],
)
def test_membership_errors(
    api: httpx.Client, body: dict[str, Any], status: int, answer: dict[str, Any]
) -> None:
    group = create(api, name="g")
    for action in ("add_user", "remove_user"):
        response = api.post(f"{GROUPS}{group['pk']}/{action}/", json=body)
        assert response.status_code == status
        assert response.json() == answer


def test_unknown_and_malformed_group(api: httpx.Client) -> None:
    unknown = "00000000-0000-0000-0000-000000000000"
    assert api.post(f"{GROUPS}{unknown}/add_user/", json={"pk": 3}).json() == {
        "detail": "No Group matches the given query."
    }
    assert api.get(f"{GROUPS}{unknown}/").json() == {"detail": "No Group matches the given query."}
    assert api.get(f"{GROUPS}not-a-uuid/").json() == {"detail": "Not found."}


def test_patch_rename_put_and_delete(api: httpx.Client, emulator: AuthentikEmulator) -> None:
    bob = emulator.add_user("bob")
    beta = create(api, name="tenant-beta", users=[bob], attributes={"a": 1})
    url = f"{GROUPS}{beta['pk']}/"
    patched = api.patch(url, json={"attributes": {"tenant": "beta"}})
    assert patched.json()["attributes"] == {"tenant": "beta"}
    assert patched.json()["users"] == [bob]
    conflict = api.patch(url, json={"name": "authentik Admins"})
    assert conflict.status_code == 400
    assert conflict.json() == {"name": ["Group with this name already exists."]}
    assert api.patch(url, json={"name": "tenant-beta"}).status_code == 200
    put = api.put(url, json={"name": "tenant-beta-2"})
    assert put.json()["users"] == [] and put.json()["attributes"] == {"tenant": "beta"}
    assert api.delete(url).status_code == 204
    again = api.delete(url)
    assert again.status_code == 404
    assert again.json() == {"detail": "No Group matches the given query."}
    user = api.get(f"/api/v3/core/users/{bob}/").json()
    assert user["groups"] == []


def test_filters_and_include_flags(api: httpx.Client, emulator: AuthentikEmulator) -> None:
    bob = emulator.add_user("bob")
    emulator.add_user("carol")
    create(api, name="tenant-acme", attributes={"tenant": "acme"}, users=[bob])
    create(api, name="tenant-beta", attributes={"tenant": "beta"})
    assert names(api.get(GROUPS)) == ["authentik Admins", "tenant-acme", "tenant-beta"]
    assert names(api.get(GROUPS, params={"name": "tenant-acme"})) == ["tenant-acme"]
    assert names(api.get(GROUPS, params={"name": "tenant-none"})) == []
    assert names(api.get(GROUPS, params={"members_by_username": "bob"})) == ["tenant-acme"]
    assert names(api.get(GROUPS, params={"members_by_username": "carol"})) == []
    assert names(api.get(GROUPS, params={"members_by_pk": bob})) == ["tenant-acme"]
    assert names(api.get(GROUPS, params={"attributes": json.dumps({"tenant": "beta"})})) == [
        "tenant-beta"
    ]
    assert names(api.get(GROUPS, params={"is_superuser": "true"})) == ["authentik Admins"]
    assert names(api.get(GROUPS, params={"search": "ACME"})) == ["tenant-acme"]
    unknown = api.get(GROUPS, params={"members_by_username": "nobody"})
    assert unknown.status_code == 400
    assert unknown.json() == {
        "members_by_username": [
            "Select a valid choice. nobody is not one of the available choices."
        ]
    }
    lean = api.get(GROUPS, params={"include_users": "false"}).json()["results"]
    assert all(g["users_obj"] is None for g in lean)
    assert any(g["users"] for g in lean)
    page = api.get(GROUPS, params={"page_size": 2, "page": 2}).json()
    assert page["pagination"]["previous"] == 1 and names_of(page) == ["tenant-beta"]
    past = api.get(GROUPS, params={"page_size": 2, "page": 3})
    assert past.status_code == 404 and past.json() == {"detail": "Invalid page."}


def test_hierarchy_and_inherited_superuser(api: httpx.Client, emulator: AuthentikEmulator) -> None:
    eve = emulator.add_user("eve")
    admins = api.get(GROUPS, params={"name": "authentik Admins"}).json()["results"][0]
    child = create(api, name="ops", parents=[admins["pk"]], users=[eve])
    user = api.get(f"/api/v3/core/users/{eve}/").json()
    assert user["is_superuser"] is True
    shown = api.get(
        f"{GROUPS}{admins['pk']}/", params={"include_children": "true", "include_parents": "true"}
    ).json()
    assert shown["children"] == [child["pk"]]
    assert shown["children_obj"][0]["name"] == "ops"
    assert shown["parents_obj"] == []
    assert (
        api.get("/api/v3/core/users/", params={"is_superuser": "true", "username": "eve"}).json()[
            "results"
        ]
        == []
    )


def names_of(body: dict[str, Any]) -> list[str]:
    return [g["name"] for g in body["results"]]

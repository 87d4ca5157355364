"""Users: list/filters/pagination, create, retrieve, PUT, PATCH, DELETE and the user actions."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from dezkysync.sandbox.authentik import AuthentikEmulator
from tests.sandbox.authentik.conftest import ClientFactory, SignIn

USERS = "/api/v3/core/users/"


def create(api: httpx.Client, **body: Any) -> dict[str, Any]:
    response = api.post(USERS, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def usernames(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [u["username"] for u in response.json()["results"]]


def test_fresh_install_lists_system_users_and_the_service_identity(api: httpx.Client) -> None:
    body = api.get(USERS).json()
    users = {u["username"]: u for u in body["results"]}
    assert set(users) == {"akadmin", "dezkysync", next(n for n in users if n.startswith("ak-o"))}
    assert users["akadmin"]["pk"] == 3 and users["akadmin"]["is_superuser"] is True
    outpost = next(u for n, u in users.items() if n.startswith("ak-outpost-"))
    assert outpost["pk"] == 4
    assert outpost["type"] == "internal_service_account"
    assert outpost["path"] == "goauthentik.io/outposts"
    assert outpost["roles_obj"][0]["name"] == "ak-managed-role--user-4"
    service = users["dezkysync"]
    assert service["type"] == "service_account"
    assert service["path"] == "goauthentik.io/service-accounts"
    assert service["is_superuser"] is True
    assert [g["name"] for g in service["groups_obj"]] == ["authentik Admins"]
    assert body["autocomplete"]["current_model"] == "authentik_core.user"


def test_create_minimal_user_gets_the_model_defaults(api: httpx.Client) -> None:
    user = create(api, username="alice", name="Alice")
    assert user["email"] == ""
    assert user["path"] == "users"
    assert user["type"] == "internal"
    assert user["attributes"] == {}
    assert user["groups"] == [] and user["groups_obj"] == []
    assert user["last_login"] is None
    assert user["is_active"] is True
    assert user["date_joined"].endswith("Z") and "." in user["date_joined"]
    assert len(user["uid"]) == 64


def test_create_reports_every_field_error_at_once(api: httpx.Client) -> None:
    response = api.post(
        USERS,
        json={
            "username": "b",
            "name": "b",
            "path": "/x/",
            "type": "weird",
            "email": "notanemail",
            "groups": ["00000000-0000-0000-0000-000000000000"],
            "attributes": "str",
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "groups": ['Invalid pk "00000000-0000-0000-0000-000000000000" - object does not exist.'],
        "email": ["Enter a valid email address."],
        "attributes": ["Value must be a dictionary, and not have any duplicate keys."],
        "path": ["No leading or trailing slashes allowed."],
        "type": ['"weird" is not a valid choice.'],
    }
    assert api.get(USERS, params={"username": "b"}).json()["pagination"]["count"] == 0


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"username": ["This field is required."], "name": ["This field is required."]}),
        ({"username": "", "name": "x"}, {"username": ["This field may not be blank."]}),
        (
            {"username": "x" * 151, "name": "x"},
            {"username": ["Ensure this field has no more than 150 characters."]},
        ),
        (
            {"username": "x", "name": "x", "groups": ["nope"]},
            {"groups": ["“nope” is not a valid UUID."]},
        ),
        (
            {"username": "x", "name": "x", "path": "a//b"},
            {"path": ["No empty segments in user path allowed."]},
        ),
        ({"username": "x", "name": "x", "path": ""}, {"path": ["This field may not be blank."]}),
        (
            {"username": "x", "name": "x", "type": "internal_service_account"},
            {"type": ["Setting a user to internal service account is not allowed."]},
        ),
        (
            {"username": "x", "name": "x", "is_active": "maybe"},
            {"is_active": ["Must be a valid boolean."]},
        ),
        ({"username": "x", "name": None}, {"name": ["This field may not be null."]}),
        ({"username": ["x"], "name": "x"}, {"username": ["Not a valid string."]}),
    ],
)
def test_create_validation_messages(
    api: httpx.Client, body: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    response = api.post(USERS, json=body)
    assert response.status_code == 400
    assert response.json() == errors


def test_username_is_unique_and_case_sensitive(api: httpx.Client) -> None:
    create(api, username="alice", name="A")
    duplicate = api.post(USERS, json={"username": "alice", "name": "Other"})
    assert duplicate.status_code == 400
    assert duplicate.json() == {"username": ["This field must be unique."]}
    assert api.post(USERS, json={"username": "Alice", "name": "Other"}).status_code == 201


def test_name_may_be_blank_and_fields_are_trimmed(api: httpx.Client) -> None:
    user = create(api, username="  carol  ", name="")
    assert user["username"] == "carol"
    assert user["name"] == ""


def test_retrieve_unknown_and_malformed_ids(api: httpx.Client) -> None:
    assert api.get(f"{USERS}999999/").json() == {"detail": "No User matches the given query."}
    malformed = api.get(f"{USERS}abc/")
    assert malformed.status_code == 404
    assert malformed.json() == {"detail": "Not found."}


def test_patch_replaces_attributes_and_ignores_unknown_and_read_only(api: httpx.Client) -> None:
    user = create(api, username="alice", name="A", attributes={"tenant": "acme", "x": {"y": 1}})
    url = f"{USERS}{user['pk']}/"
    patched = api.patch(url, json={"attributes": {"tenant": "beta"}, "foo": 1, "pk": 1, "uid": "y"})
    assert patched.status_code == 200
    assert patched.json()["attributes"] == {"tenant": "beta"}
    assert patched.json()["pk"] == user["pk"]
    assert patched.json()["uid"] == user["uid"]
    again = api.patch(url, json={"is_superuser": True})
    assert again.json()["is_superuser"] is False
    assert again.json()["last_updated"] >= patched.json()["last_updated"]


def test_stored_attributes_come_back_in_jsonb_key_order(api: httpx.Client) -> None:
    user = create(api, username="alice", name="A", attributes={"tenant": "acme", "role": "x"})
    assert list(user["attributes"]) == ["tenant", "role"]  # the write echoes the request
    stored = api.get(f"{USERS}{user['pk']}/").json()
    assert list(stored["attributes"]) == ["role", "tenant"]


def test_put_without_groups_clears_them_but_keeps_other_fields(api: httpx.Client) -> None:
    group = api.post("/api/v3/core/groups/", json={"name": "tenant-acme"}).json()
    user = create(
        api,
        username="bob",
        name="Bob",
        email="bob@example.test",
        path="tenants/acme",
        attributes={"tenant": "acme"},
        groups=[group["pk"]],
    )
    put = api.put(f"{USERS}{user['pk']}/", json={"username": "bob", "name": "Bob Put"})
    assert put.status_code == 200
    body = put.json()
    assert body["groups"] == []
    assert (body["email"], body["path"], body["attributes"]) == (
        "bob@example.test",
        "tenants/acme",
        {"tenant": "acme"},
    )
    missing = api.put(f"{USERS}{user['pk']}/", json={"name": "x"})
    assert missing.status_code == 400
    assert missing.json() == {"username": ["This field is required."]}


def test_internal_service_account_cannot_be_modified(api: httpx.Client) -> None:
    response = api.patch(f"{USERS}4/", json={"name": "x"})
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Can't modify internal service account users"]}
    retype = api.patch(f"{USERS}4/", json={"type": "internal"})
    assert retype.json() == {"type": ["Can't change internal service account to other user type."]}


def test_delete_is_hard_and_cascades(
    api: httpx.Client, emulator: AuthentikEmulator, sign_in: SignIn
) -> None:
    group = api.post("/api/v3/core/groups/", json={"name": "g"}).json()
    user = create(api, username="carol", name="C", groups=[group["pk"]])
    api.post(f"{USERS}{user['pk']}/set_password/", json={"password": "pw-carol-1"})
    assert sign_in("carol", "pw-carol-1") is not None
    assert api.delete(f"{USERS}{user['pk']}/").status_code == 204
    again = api.delete(f"{USERS}{user['pk']}/")
    assert again.status_code == 404
    assert again.json() == {"detail": "No User matches the given query."}
    assert api.get(f"/api/v3/core/groups/{group['pk']}/").json()["users"] == []
    sessions = api.get("/api/v3/core/authenticated_sessions/").json()
    assert all(s["user"] != user["pk"] for s in sessions["results"])


def test_delete_response_has_no_content_type(api: httpx.Client) -> None:
    user = create(api, username="dave", name="D")
    response = api.delete(f"{USERS}{user['pk']}/")
    assert response.status_code == 204
    assert "content-type" not in response.headers
    assert response.content == b""


# -- list: pagination ------------------------------------------------------------------------
def test_pagination_object_and_page_numbers(api: httpx.Client, emulator: AuthentikEmulator) -> None:
    for name in ("alice", "bob", "carol"):
        emulator.add_user(name)
    first = api.get(USERS, params={"page_size": 2}).json()["pagination"]
    assert first == {
        "next": 2,
        "previous": 0,
        "count": 6,
        "current": 1,
        "total_pages": 3,
        "start_index": 1,
        "end_index": 2,
    }
    last = api.get(USERS, params={"page_size": 2, "page": 3}).json()["pagination"]
    assert (last["next"], last["previous"], last["start_index"], last["end_index"]) == (0, 2, 5, 6)
    past = api.get(USERS, params={"page_size": 2, "page": 4})
    assert past.status_code == 404
    assert past.json() == {"detail": "Invalid page."}
    assert api.get(USERS, params={"page": "x"}).json() == {"detail": "Invalid page."}
    assert api.get(USERS, params={"page": 0}).status_code == 404


def test_page_size_default_cap_and_bad_values(
    api: httpx.Client, emulator: AuthentikEmulator
) -> None:
    for i in range(120):
        emulator.add_user(f"u{i:03d}", path="filler")
    assert len(api.get(USERS).json()["results"]) == 20
    capped = api.get(USERS, params={"page_size": 500, "path": "filler"}).json()
    assert len(capped["results"]) == 100
    assert capped["pagination"]["total_pages"] == 2
    assert len(api.get(USERS, params={"page_size": "-3"}).json()["results"]) == 20
    assert len(api.get(USERS, params={"page_size": "abc"}).json()["results"]) == 20


def test_empty_result_shape(api: httpx.Client) -> None:
    body = api.get(USERS, params={"username": "nobody"}).json()
    assert body["results"] == []
    assert body["pagination"] == {
        "next": 0,
        "previous": 0,
        "count": 0,
        "current": 1,
        "total_pages": 1,
        "start_index": 0,
        "end_index": 0,
    }


# -- list: filters -------------------------------------------------------------------------
@pytest.fixture
def people(api: httpx.Client, emulator: AuthentikEmulator) -> dict[str, Any]:
    acme = api.post("/api/v3/core/groups/", json={"name": "tenant-acme"}).json()
    beta = api.post("/api/v3/core/groups/", json={"name": "tenant-beta"}).json()
    made = {
        "alice": create(api, username="alice", name="Alice A", email="alice@acme.test"),
        "bob": create(
            api,
            username="bob",
            name="Bob B",
            email="bob@acme.test",
            path="tenants/acme",
            groups=[acme["pk"]],
            attributes={"tenant": "acme", "profile": {"dept": "eng", "level": 2}},
        ),
        "carol": create(
            api,
            username="carol",
            name="Carol C",
            email="carol@beta.test",
            path="tenants/beta",
            groups=[beta["pk"]],
            attributes={"tenant": "beta", "flag": True},
        ),
        "dave": create(
            api,
            username="dave",
            name="Dave D",
            is_active=False,
            groups=[acme["pk"], beta["pk"]],
            attributes={"tenant": "acme", "profile": {"dept": "ops"}},
        ),
        "ext": create(api, username="ext", name="External", type="external"),
    }
    return {"users": made, "acme": acme, "beta": beta}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"username": "alice"}, ["alice"]),
        ({"username": "ALICE"}, []),
        ({"username": ""}, None),
        ({"email": "bob@acme.test"}, ["bob"]),
        ({"name": "Carol C"}, ["carol"]),
        ({"is_active": "false"}, ["dave"]),
        ({"is_active": "0"}, ["dave"]),
        ({"is_active": "maybe"}, None),
        ({"path": "tenants/acme"}, ["bob"]),
        ({"path_startswith": "tenants/"}, ["bob", "carol"]),
        ({"type": ["external", "service_account"]}, ["dezkysync", "ext"]),
        ({"groups_by_name": "tenant-acme"}, ["bob", "dave"]),
        ({"groups_by_name": ["tenant-acme", "tenant-beta"]}, ["bob", "carol", "dave"]),
        ({"attributes": json.dumps({"tenant": "acme"})}, ["bob", "dave"]),
        ({"attributes": json.dumps({"profile__dept": "eng"})}, ["bob"]),
        ({"attributes": json.dumps({"profile__level": 2})}, ["bob"]),
        ({"attributes": json.dumps({"profile__level": "2"})}, []),
        ({"attributes": json.dumps({"flag": True})}, ["carol"]),
        ({"attributes": json.dumps({"tenant__in": ["beta", "x"]})}, ["carol"]),
        ({"attributes": json.dumps({"tenant__icontains": "ACM"})}, ["bob", "dave"]),
        ({"attributes": json.dumps({"profile__isnull": False})}, ["bob", "dave"]),
        ({"attributes": json.dumps({"tenant__isnull": "yes"})}, None),
        ({"attributes": json.dumps({"tenant": "nope"})}, []),
        ({"is_superuser": "true"}, ["akadmin", "dezkysync"]),
        (
            {"groups_by_name": "tenant-acme", "attributes": '{"tenant": "acme"}', "is_active": "1"},
            ["bob"],
        ),
        ({"search": "acme.test"}, ["alice", "bob"]),
        ({"search": "carol beta"}, ["carol"]),
        ({"user_pk": "1"}, None),
    ],
)
def test_list_filters(
    api: httpx.Client, people: dict[str, Any], params: dict[str, Any], expected: list[str] | None
) -> None:
    everyone = usernames(api.get(USERS, params={"page_size": 100}))
    found = usernames(api.get(USERS, params={**params, "page_size": 100}))
    assert found == (everyone if expected is None else expected)


def test_uuid_and_group_pk_filters(api: httpx.Client, people: dict[str, Any]) -> None:
    bob = people["users"]["bob"]
    assert usernames(api.get(USERS, params={"uuid": bob["uuid"]})) == ["bob"]
    assert usernames(api.get(USERS, params={"groups_by_pk": people["beta"]["pk"]})) == [
        "carol",
        "dave",
    ]
    bad = api.get(USERS, params={"uuid": "nope"})
    assert bad.status_code == 400 and bad.json() == {"uuid": ["Enter a valid UUID."]}


@pytest.mark.parametrize(
    ("params", "status", "body"),
    [
        (
            {"groups_by_name": "no-such-group"},
            400,
            {
                "groups_by_name": [
                    "Select a valid choice. no-such-group is not one of the available choices."
                ]
            },
        ),
        ({"attributes": "not-json"}, 400, ["filter: failed to parse JSON"]),
        ({"attributes": '["x"]'}, 400, ["filter: value must be key:value mapping"]),
        (
            {"type": "robot"},
            400,
            {"type": ["Select a valid choice. robot is not one of the available choices."]},
        ),
        (
            {"groups_by_pk": "00000000-0000-0000-0000-000000000000"},
            400,
            {
                "groups_by_pk": [
                    "Select a valid choice. 00000000-0000-0000-0000-000000000000 "
                    "is not one of the available choices."
                ]
            },
        ),
        ({"date_joined__gt": "yesterday"}, 400, {"date_joined__gt": ["Enter a valid date/time."]}),
    ],
)
def test_invalid_filters(
    api: httpx.Client, people: dict[str, Any], params: dict[str, str], status: int, body: Any
) -> None:
    response = api.get(USERS, params=params)
    assert response.status_code == status
    assert response.json() == body


def test_include_flags_shape_results(api: httpx.Client, people: dict[str, Any]) -> None:
    body = api.get(
        USERS, params={"username": "bob", "include_groups": "false", "include_roles": "False"}
    ).json()
    bob = body["results"][0]
    assert bob["groups_obj"] is None and bob["roles_obj"] is None
    assert bob["groups"] == [people["acme"]["pk"]]


def test_ordering(api: httpx.Client, people: dict[str, Any]) -> None:
    names = usernames(api.get(USERS, params={"ordering": "-username", "type": "internal"}))
    assert names == ["dave", "carol", "bob", "alice", "akadmin"]
    by_email = usernames(api.get(USERS, params={"ordering": "email,username", "type": "internal"}))
    assert by_email == ["dave", "akadmin", "alice", "bob", "carol"]
    fallback = usernames(api.get(USERS, params={"ordering": "nonsense", "type": "internal"}))
    assert fallback == ["akadmin", "alice", "bob", "carol", "dave"]


def test_date_filters(api: httpx.Client, people: dict[str, Any]) -> None:
    joined = people["users"]["ext"]["date_joined"]
    assert "ext" not in usernames(api.get(USERS, params={"date_joined__lt": joined}))
    assert usernames(api.get(USERS, params={"date_joined": joined})) == [
        u["username"]
        for u in api.get(USERS, params={"page_size": 100}).json()["results"]
        if u["date_joined"] == joined
    ]
    assert usernames(api.get(USERS, params={"last_login__isnull": "false"})) == []


# -- actions ---------------------------------------------------------------------------------
def test_me_shows_the_service_identity(api: httpx.Client) -> None:
    me = api.get(f"{USERS}me/").json()
    assert set(me) == {"user"}
    assert me["user"]["username"] == "dezkysync"
    assert me["user"]["is_superuser"] is True
    assert me["user"]["groups"][0]["name"] == "authentik Admins"
    assert "view_system_info" in me["user"]["system_permissions"]


def test_set_password_rules(
    api: httpx.Client, emulator: AuthentikEmulator, sign_in: SignIn
) -> None:
    user = create(api, username="erin", name="E")
    url = f"{USERS}{user['pk']}/set_password/"
    before = api.get(f"{USERS}{user['pk']}/").json()["password_change_date"]
    ok = api.post(url, json={"password": "A-long-one-time-pw-1"})
    assert ok.status_code == 204 and ok.content == b"" and "content-type" not in ok.headers
    assert api.get(f"{USERS}{user['pk']}/").json()["password_change_date"] >= before
    assert sign_in("erin", "A-long-one-time-pw-1") is not None
    assert api.post(url, json={"password": ""}).json() == {
        "password": ["This field may not be blank."]
    }
    assert api.post(url, json={}).json() == {"password": ["This field is required."]}
    unknown = api.post(f"{USERS}999999/set_password/", json={"password": "x-y-z-1"})
    assert unknown.json() == {"detail": "No User matches the given query."}


def test_set_password_strips_surrounding_whitespace(
    api: httpx.Client, emulator: AuthentikEmulator, sign_in: SignIn
) -> None:
    user = create(api, username="frank", name="F")
    api.post(f"{USERS}{user['pk']}/set_password/", json={"password": "  padded-pw  "})
    assert sign_in("frank", "padded-pw") is not None
    assert sign_in("frank", "  padded-pw  ") is None


def test_service_account_creates_an_app_password_token(
    api: httpx.Client, make_client: ClientFactory
) -> None:
    response = api.post(
        f"{USERS}service_account/",
        json={"name": "svc-x", "create_group": False, "expiring": False},
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"username", "user_uid", "user_pk", "token"}
    user = api.get(f"{USERS}{body['user_pk']}/").json()
    assert user["type"] == "service_account"
    assert user["path"] == "goauthentik.io/service-accounts"
    assert user["attributes"] == {"goauthentik.io/user/token-expires": False}
    denied = make_client(token=body["token"]).get(f"{USERS}me/")
    assert denied.status_code == 403
    assert denied.json() == {"detail": "Token invalid/expired"}
    again = api.post(f"{USERS}service_account/", json={"name": "svc-x"})
    assert again.json() == {"name": ["This field must be unique."]}


def test_service_account_with_group(api: httpx.Client) -> None:
    body = api.post(f"{USERS}service_account/", json={"name": "svc-g", "create_group": True}).json()
    group = api.get(f"/api/v3/core/groups/{body['group_pk']}/").json()
    assert group["name"] == "svc-g" and group["users"] == [body["user_pk"]]


def test_recovery_without_a_flow(api: httpx.Client) -> None:
    response = api.post(f"{USERS}3/recovery/", json={})
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": "No recovery flow set."}


def test_paths(api: httpx.Client, people: dict[str, Any]) -> None:
    paths = api.get(f"{USERS}paths/").json()["paths"]
    assert paths == sorted(set(paths))
    assert {"users", "tenants/acme", "goauthentik.io/outposts"} <= set(paths)

"""Users: list, search, filter, order, get, create, update, delete — with the real server's
quirks (no paging, quoted search terms, strict bodies, username rules)."""

from __future__ import annotations

import pytest

from dezkysync.sandbox.ocis import OcisEmulator
from dezkysync.sandbox.ocis._state import ROLE_ADMIN, ROLE_SPACE_ADMIN, ROLE_USER
from tests.sandbox.ocis.helpers import V1, Graph, error_of, in_process

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _names(response_json: dict[str, list[dict[str, str]]]) -> list[str]:
    return [user["onPremisesSamAccountName"] for user in response_json["value"]]


# -- list -----------------------------------------------------------------------------------


def test_fresh_install_lists_only_the_service_admin(graph: Graph) -> None:
    response = graph.get(f"{V1}/users")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    [admin] = response.json()["value"]
    assert admin["onPremisesSamAccountName"] == "dezkysync"
    assert admin["accountEnabled"] is True


def test_list_is_never_paged(graph: Graph) -> None:
    for index in range(5):
        graph.create_user(f"user{index}")
    response = graph.get(f"{V1}/users", params={"$top": "2", "$skip": "1", "$count": "true"})
    assert response.status_code == 200
    payload = response.json()
    assert set(payload) == {"value"}  # no @odata.nextLink, no @odata.count
    assert len(payload["value"]) == 6


def test_list_rejects_unknown_and_repeated_query_parameters(graph: Graph) -> None:
    status, code, message = error_of(graph.get(f"{V1}/users", params={"page": "2"}))
    assert (status, code) == (400, "invalidRequest")
    assert (
        message
        == "Query parameter 'page' is not supported. Cause: Query parameter 'page' is not supported"
    )
    status, _code, message = error_of(graph.get(f"{V1}/users?$top=1&$top=2"))
    assert status == 400 and "cannot be specified more than once" in message
    status, _code, _message = error_of(graph.get(f"{V1}/users", params={"$top": "many"}))
    assert status == 400


def test_list_without_token_is_a_bare_401(graph: Graph) -> None:
    response = graph.get(f"{V1}/users", headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.content == b""
    assert "www-authenticate" not in response.headers


def test_list_entries_carry_account_state_and_user_type(graph: Graph) -> None:
    graph.create_user("alice", "Alice Hansen", mail="alice@example.org")
    created = graph.create_user("brian", "Brian Murphy", mail="brian@example.org")
    assert (
        graph.patch(f"{V1}/users/{created['id']}", json={"accountEnabled": False}).status_code
        == 200
    )
    users = {u["onPremisesSamAccountName"]: u for u in graph.get(f"{V1}/users").json()["value"]}
    assert users["alice"]["accountEnabled"] is True
    assert users["brian"]["accountEnabled"] is False
    assert users["brian"]["mail"] == "brian@example.org"
    assert {u["userType"] for u in users.values()} == {"Member"}


# -- search ---------------------------------------------------------------------------------


@pytest.fixture
def people(graph: Graph) -> dict[str, str]:
    ids = {}
    for username, name, mail in [
        ("alice", "Alice Hansen", "alice@example.org"),
        ("brian", "Brian Murphy", "brian@example.org"),
        ("carol", "Carol King", "carol-k@example.org"),
    ]:
        ids[username] = graph.create_user(username, name, mail=mail)["id"]
    return ids


def test_search_is_a_case_insensitive_substring_on_name_mail_and_username(
    graph: Graph, people: dict[str, str]
) -> None:
    assert _names(graph.get(f"{V1}/users", params={"$search": "HANSEN"}).json()) == ["alice"]
    assert _names(graph.get(f"{V1}/users", params={"$search": "bri"}).json()) == ["brian"]
    assert _names(graph.get(f"{V1}/users", params={"$search": "nobody"}).json()) == []


def test_search_for_a_mail_address_must_be_quoted(graph: Graph, people: dict[str, str]) -> None:
    quoted = graph.get(f"{V1}/users", params={"$search": '"alice@example.org"'})
    assert _names(quoted.json()) == ["alice"]
    status, code, message = error_of(
        graph.get(f"{V1}/users", params={"$search": "alice@example.org"})
    )
    assert (status, code, message) == (400, "invalidRequest", "Token '@example.org' is invalid")
    status, _code, message = error_of(
        graph.get(f"{V1}/users", params={"$search": "Alice-From-Wonderland"})
    )
    assert (status, message) == (400, "Token '-From-Wonderland' is invalid")
    # A dot is not a word character either.
    status, _code, message = error_of(graph.get(f"{V1}/users", params={"$search": "carol.king"}))
    assert (status, message) == (400, "Token '.king' is invalid")


def test_complex_search_is_not_implemented(graph: Graph, people: dict[str, str]) -> None:
    status, code, message = error_of(graph.get(f"{V1}/users", params={"$search": "alice OR brian"}))
    assert (status, code, message) == (
        501,
        "generalException",
        "complex search queries are not supported",
    )
    status, _code, message = error_of(graph.get(f"{V1}/users", params={"$search": "alice brian"}))
    assert (status, message) == (400, "invalid expression")


# -- filter ---------------------------------------------------------------------------------


@pytest.fixture
def teams(graph: Graph, people: dict[str, str]) -> dict[str, str]:
    tea = graph.create_group("tea-lover")["id"]
    coffee = graph.create_group("coffee-lover")["id"]
    graph.add_member(tea, people["alice"])
    graph.add_member(tea, people["brian"])
    graph.add_member(coffee, people["brian"])
    return {"tea": tea, "coffee": coffee}


def test_filter_member_of_one_group_quoted_or_not(graph: Graph, teams: dict[str, str]) -> None:
    for operand in (f"'{teams['tea']}'", teams["tea"]):
        response = graph.get(
            f"{V1}/users", params={"$filter": f"memberOf/any(m:m/id eq {operand})"}
        )
        assert response.status_code == 200
        assert sorted(_names(response.json())) == ["alice", "brian"]


def test_filter_member_of_combined_with_and_or(graph: Graph, teams: dict[str, str]) -> None:
    tea, coffee = teams["tea"], teams["coffee"]
    both = f"memberOf/any(m:m/id eq '{tea}') and memberOf/any(m:m/id eq '{coffee}')"
    either = f"memberOf/any(m:m/id eq '{tea}') or memberOf/any(m:m/id eq '{coffee}')"
    assert _names(graph.get(f"{V1}/users", params={"$filter": both}).json()) == ["brian"]
    assert sorted(_names(graph.get(f"{V1}/users", params={"$filter": either}).json())) == [
        "alice",
        "brian",
    ]


def test_filter_by_role_alone_and_with_a_group(
    graph: Graph, emulator: OcisEmulator, teams: dict[str, str], people: dict[str, str]
) -> None:
    emulator.directory.assign_role(people["brian"], ROLE_SPACE_ADMIN)
    emulator.directory.assign_role(people["carol"], ROLE_SPACE_ADMIN)
    by_role = f"appRoleAssignments/any(m:m/appRoleId eq '{ROLE_SPACE_ADMIN}')"
    assert sorted(_names(graph.get(f"{V1}/users", params={"$filter": by_role}).json())) == [
        "brian",
        "carol",
    ]
    combined = f"{by_role} and memberOf/any(m:m/id eq '{teams['tea']}')"
    assert _names(graph.get(f"{V1}/users", params={"$filter": combined}).json()) == ["brian"]
    admins = f"appRoleAssignments/any(m:m/appRoleId eq {ROLE_ADMIN})"
    assert _names(graph.get(f"{V1}/users", params={"$filter": admins}).json()) == ["dezkysync"]


def test_filter_user_type_and_display_name_functions(graph: Graph, people: dict[str, str]) -> None:
    members = graph.get(f"{V1}/users", params={"$filter": "userType eq 'Member'"}).json()
    assert len(members["value"]) == 4
    assert graph.get(f"{V1}/users", params={"$filter": "userType eq 'Guest'"}).json() == {
        "value": []
    }
    starts = graph.get(f"{V1}/users", params={"$filter": "startswith(displayName,'al')"})
    assert _names(starts.json()) == ["alice"]
    contains = graph.get(f"{V1}/users", params={"$filter": "contains(displayName,'MURPH')"})
    assert _names(contains.json()) == ["brian"]
    # Any other property quietly matches nothing.
    other = graph.get(f"{V1}/users", params={"$filter": "startswith(mail,'alice')"})
    assert other.json() == {"value": []}


@pytest.mark.parametrize(
    "expression",
    [
        "mail eq 'alice@example.org'",
        "onPremisesSamAccountName eq 'alice'",
        "id eq 'x'",
        "memberOf/all(m:m/id eq 'x')",
        "memberOf/any(m:m/id ne 'x')",
        "memberOf/any(m:m/id eq 1)",
        "memberOf/any(m:m/name eq 'x')",
        "drives/any(d:d/id eq 'x')",
        "userType eq 'unsupported'",
        "endswith(displayName,'x')",
        "true",
    ],
)
def test_unsupported_filters_are_501(graph: Graph, expression: str) -> None:
    status, code, message = error_of(graph.get(f"{V1}/users", params={"$filter": expression}))
    assert (status, code, message) == (501, "generalException", "unsupported filter")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("invalid", "Value must be a boolean expression"),
        ("memberOf/any(m:m/id eq 'x'", "parse error. Mismatched parenthesis."),
        ("mail eq 'x' )", "Parse error. Mismatched parenthesis."),
        ("mail ~ 'x'", "Token '~ 'x'' is invalid"),
    ],
)
def test_malformed_filters_are_400(graph: Graph, expression: str, message: str) -> None:
    status, code, text = error_of(graph.get(f"{V1}/users", params={"$filter": expression}))
    assert (status, code, text) == (400, "invalidRequest", message)


def test_filter_on_an_unknown_group_is_404(graph: Graph) -> None:
    expression = "memberOf/any(m:m/id eq '6040aa17-9c64-4fef-9bd0-77234d71bad0')"
    status, code, _message = error_of(graph.get(f"{V1}/users", params={"$filter": expression}))
    assert (status, code) == (404, "itemNotFound")


# -- order and expand -----------------------------------------------------------------------


def test_orderby_supported_fields_and_rejects_others(graph: Graph, people: dict[str, str]) -> None:
    desc = graph.get(f"{V1}/users", params={"$orderby": "displayName desc"}).json()
    assert _names(desc) == ["dezkysync", "carol", "brian", "alice"]
    by_mail = graph.get(f"{V1}/users", params={"$orderby": "mail"}).json()
    assert _names(by_mail) == ["dezkysync", "alice", "brian", "carol"]  # no mail sorts first
    status, code, message = error_of(graph.get(f"{V1}/users", params={"$orderby": "surname"}))
    assert (status, code, message) == (
        400,
        "invalidRequest",
        "we do not support <surname> as a order parameter",
    )


def test_expand_member_of_and_app_role_assignments(graph: Graph, teams: dict[str, str]) -> None:
    response = graph.get(f"{V1}/users", params={"$expand": "memberOf,appRoleAssignments"})
    users = {u["onPremisesSamAccountName"]: u for u in response.json()["value"]}
    assert [g["displayName"] for g in users["brian"]["memberOf"]] == ["tea-lover", "coffee-lover"]
    assert users["carol"]["memberOf"] == []
    [assignment] = users["carol"]["appRoleAssignments"]
    assert assignment["appRoleId"] == ROLE_USER
    assert assignment["principalId"] == users["carol"]["id"]


def test_expand_with_options_is_not_implemented(graph: Graph) -> None:
    status, code, message = error_of(
        graph.get(f"{V1}/users", params={"$expand": "memberOf($select=id)"})
    )
    assert (status, code, message) == (501, "generalException", "options for $expand not supported")
    status, code, _message = error_of(
        graph.get(f"{V1}/users/dezkysync", params={"$expand": "memberOf/id"})
    )
    assert (status, code) == (400, "invalidRequest")


# -- get ------------------------------------------------------------------------------------


def test_get_by_id_or_case_insensitive_username(graph: Graph, people: dict[str, str]) -> None:
    by_id = graph.get(f"{V1}/users/{people['alice']}").json()
    by_name = graph.get(f"{V1}/users/ALICE").json()
    assert by_id == by_name
    assert by_id["accountEnabled"] is True
    status, code, message = error_of(graph.get(f"{V1}/users/alice@example.org"))  # not by mail
    assert (status, code, message) == (404, "itemNotFound", "not found")


def test_single_get_drops_mail_unless_configured(graph: Graph, people: dict[str, str]) -> None:
    assert "mail" not in graph.get(f"{V1}/users/alice").json()
    [listed] = graph.get(f"{V1}/users", params={"$search": "alice"}).json()["value"]
    assert listed["mail"] == "alice@example.org"
    configured = OcisEmulator(show_user_email=True)
    with in_process(configured) as client:
        client.create_user("alice", mail="alice@example.org")
        assert client.get(f"{V1}/users/alice").json()["mail"] == "alice@example.org"


def test_get_expand_member_of_is_an_empty_list_without_groups(
    graph: Graph, people: dict[str, str]
) -> None:
    user = graph.get(f"{V1}/users/carol", params={"$expand": "memberOf"}).json()
    assert user["memberOf"] == []


def test_trailing_slash_is_ignored(graph: Graph, people: dict[str, str]) -> None:
    assert graph.get(f"{V1}/users/").status_code == 200
    assert graph.get(f"{V1}/users/alice/").json()["id"] == people["alice"]


# -- create ---------------------------------------------------------------------------------


def test_create_returns_201_with_defaults(graph: Graph, emulator: OcisEmulator) -> None:
    response = graph.post(
        f"{V1}/users",
        json={
            "onPremisesSamAccountName": "alice@tenant.example",
            "displayName": "Alice Example",
            "mail": "alice@tenant.example",
            "identities": [
                {"issuer": "https://auth.example/application/o/ocis/", "issuerAssignedId": "sub-1"}
            ],
            "passwordProfile": {"password": "s3cret-Password"},
        },
    )
    assert response.status_code == 201
    user = response.json()
    assert set(user) == {
        "id",
        "displayName",
        "onPremisesSamAccountName",
        "mail",
        "surname",
        "userType",
        "identities",
    }
    assert user["surname"] == "alice@tenant.example"
    assert user["userType"] == "Member"
    assert "accountEnabled" not in user  # echoed only when sent
    assert user["identities"] == [
        {"issuer": "https://auth.example/application/o/ocis/", "issuerAssignedId": "sub-1"}
    ]
    assert emulator.directory.has_role(user["id"], ROLE_USER)
    # The password is never returned and stored only as a salted hash.
    assert "s3cret-Password" not in response.text
    assert "s3cret-Password" not in str(emulator.snapshot())


def test_create_echoes_account_enabled_when_sent(graph: Graph) -> None:
    user = graph.create_user("dora", accountEnabled=False)
    assert user["accountEnabled"] is False
    listed = graph.get(f"{V1}/users/dora").json()
    assert listed["accountEnabled"] is False


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"onPremisesSamAccountName": "x"}, "missing required Attribute: 'displayName'"),
        ({"displayName": "X"}, "missing required Attribute: 'onPremisesSamAccountName'"),
        (
            {"displayName": "X", "onPremisesSamAccountName": None},
            "missing required Attribute: 'onPremisesSamAccountName'",
        ),
        (
            {"displayName": "X", "onPremisesSamAccountName": "x", "mail": "not-an-address"},
            "not-an-address is not a valid email address",
        ),
        (
            {"displayName": "X", "onPremisesSamAccountName": "x", "id": "1"},
            "user id is a read-only attribute",
        ),
        (
            {"displayName": "X", "onPremisesSamAccountName": "x", "userType": "Admin"},
            "invalid userType attribute, valid options are 'Member' or 'Guest'",
        ),
        (
            {"displayName": "X", "onPremisesSamAccountName": "x", "nickname": "y"},
            'invalid request body: json: unknown field "nickname"',
        ),
        (
            {"displayName": "X", "onPremisesSamAccountName": "x", "passwordProfile": {"pwd": "y"}},
            'invalid request body: json: unknown field "pwd"',
        ),
        (
            {"displayName": 7, "onPremisesSamAccountName": "x"},
            "invalid request body: json: cannot unmarshal number into Go struct field "
            "User.displayName of type string",
        ),
    ],
)
def test_create_rejects_bad_bodies(graph: Graph, body: dict[str, object], message: str) -> None:
    status, code, text = error_of(graph.post(f"{V1}/users", json=body))
    assert (status, code, text) == (400, "invalidRequest", message)


@pytest.mark.parametrize(
    "username",
    ["nameWithCharacters(*:!;_+-&)", "name with space", "123456789", "0.0", "", "1alice"],
)
def test_create_rejects_usernames_the_default_rule_refuses(graph: Graph, username: str) -> None:
    status, code, message = error_of(
        graph.post(f"{V1}/users", json={"displayName": "X", "onPremisesSamAccountName": username})
    )
    assert (status, code) == (400, "invalidRequest")
    assert message == f"username {username} must be at least the local part of an email"


@pytest.mark.parametrize(
    "username",
    ["alice@tenant.example", "name.with.dots", "nameWithNumbers0123456", "_svc", "o'brien"],
)
def test_create_accepts_usernames_the_default_rule_allows(graph: Graph, username: str) -> None:
    assert graph.create_user(username)["onPremisesSamAccountName"] == username


def test_username_match_none_accepts_anything() -> None:
    with in_process(OcisEmulator(username_match="none")) as client:
        assert client.create_user("1248Bob")["onPremisesSamAccountName"] == "1248Bob"


def test_create_duplicate_username_is_409_case_insensitively(graph: Graph) -> None:
    graph.create_user("Alice")
    status, code, message = error_of(
        graph.post(
            f"{V1}/users", json={"displayName": "Other", "onPremisesSamAccountName": "alice"}
        )
    )
    assert (status, code, message) == (
        409,
        "nameAlreadyExists",
        "a user with that name already exists",
    )


def test_duplicate_mail_is_accepted(graph: Graph) -> None:
    graph.create_user("alice", mail="shared@example.org")
    assert graph.create_user("brian", mail="shared@example.org")["mail"] == "shared@example.org"


def test_identity_without_both_parts_is_a_500(graph: Graph) -> None:
    body = {
        "displayName": "X",
        "onPremisesSamAccountName": "x",
        "identities": [{"issuer": "https://idp"}],
    }
    status, code, message = error_of(graph.post(f"{V1}/users", json=body))
    assert (status, code, message) == (
        500,
        "generalException",
        "missing Attribute for objectIdentity",
    )


def test_malformed_json_is_400(graph: Graph) -> None:
    response = graph.post(
        f"{V1}/users", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    status, code, message = error_of(response)
    assert (status, code) == (400, "invalidRequest")
    assert message.startswith("invalid request body: invalid character")
    status, _code, message = error_of(graph.post(f"{V1}/users", content=b""))
    assert (status, message) == (400, "invalid request body: EOF")


# -- update ---------------------------------------------------------------------------------


def test_patch_returns_the_updated_user(graph: Graph, people: dict[str, str]) -> None:
    response = graph.patch(
        f"{V1}/users/{people['alice']}", json={"displayName": "Alice H.", "givenName": "Alice"}
    )
    assert response.status_code == 200
    user = response.json()
    assert (user["displayName"], user["givenName"]) == ("Alice H.", "Alice")
    assert "accountEnabled" not in user  # straight from the LDAP entry: never written yet


def test_patch_suspend_and_resume(graph: Graph, people: dict[str, str]) -> None:
    suspended = graph.patch(f"{V1}/users/{people['brian']}", json={"accountEnabled": False})
    assert (suspended.status_code, suspended.json()["accountEnabled"]) == (200, False)
    assert graph.get(f"{V1}/users/{people['brian']}").json()["accountEnabled"] is False
    resumed = graph.patch(f"{V1}/users/brian", json={"accountEnabled": True})
    assert resumed.json()["accountEnabled"] is True


def test_patch_empty_strings(graph: Graph, people: dict[str, str]) -> None:
    ignored = graph.patch(f"{V1}/users/alice", json={"displayName": ""})
    assert (ignored.status_code, ignored.json()["displayName"]) == (200, "Alice Hansen")
    status, _code, message = error_of(graph.patch(f"{V1}/users/alice", json={"mail": ""}))
    assert (status, message) == (400, "'' is not a valid email address")
    status, _code, _message = error_of(
        graph.patch(f"{V1}/users/alice", json={"onPremisesSamAccountName": ""})
    )
    assert status == 400
    status, _code, message = error_of(
        graph.patch(f"{V1}/users/alice", json={"mail": "invalidEmail"})
    )
    assert (status, message) == (400, "'invalidEmail' is not a valid email address")


def test_patch_empty_object_is_204(graph: Graph, people: dict[str, str]) -> None:
    response = graph.patch(f"{V1}/users/alice", json={})
    assert (response.status_code, response.content) == (204, b"")


def test_patch_rename_and_clash(graph: Graph, people: dict[str, str]) -> None:
    renamed = graph.patch(
        f"{V1}/users/{people['alice']}", json={"onPremisesSamAccountName": "alice2"}
    )
    assert renamed.json()["onPremisesSamAccountName"] == "alice2"
    assert graph.get(f"{V1}/users/alice2").json()["id"] == people["alice"]
    assert graph.get(f"{V1}/users/alice").status_code == 404
    status, code, _message = error_of(
        graph.patch(f"{V1}/users/alice2", json={"onPremisesSamAccountName": "Brian"})
    )
    assert (status, code) == (409, "nameAlreadyExists")


def test_patch_duplicate_mail_is_accepted(graph: Graph, people: dict[str, str]) -> None:
    response = graph.patch(f"{V1}/users/carol", json={"mail": "alice@example.org"})
    assert (response.status_code, response.json()["mail"]) == (200, "alice@example.org")


def test_patch_id_and_unknown_user(graph: Graph, people: dict[str, str]) -> None:
    same = graph.patch(f"{V1}/users/alice", json={"id": people["alice"]})
    assert same.status_code == 200
    status, code, message = error_of(graph.patch(f"{V1}/users/alice", json={"id": people["brian"]}))
    assert (status, code, message) == (405, "notAllowed", "changing the UserId is not allowed")
    status, code, _message = error_of(graph.patch(f"{V1}/users/nobody", json={"displayName": "X"}))
    assert (status, code) == (404, "itemNotFound")


def test_patch_replaces_identities(graph: Graph, people: dict[str, str]) -> None:
    identity = {"issuer": "https://idp", "issuerAssignedId": "sub"}
    user = graph.patch(f"{V1}/users/alice", json={"identities": [identity]}).json()
    assert user["identities"] == [identity]
    cleared = graph.patch(f"{V1}/users/alice", json={"identities": []}).json()
    assert "identities" not in cleared


# -- delete ---------------------------------------------------------------------------------


def test_delete_purges_drive_and_memberships(
    graph: Graph, emulator: OcisEmulator, teams: dict[str, str], people: dict[str, str]
) -> None:
    emulator.login("brian")
    response = graph.delete(f"{V1}/users/Brian")  # username, any case
    assert (response.status_code, response.content) == (204, b"")
    assert graph.get(f"{V1}/users/{people['brian']}").status_code == 404
    members = graph.get(f"{V1}/groups/{teams['tea']}/members").json()
    assert [m["onPremisesSamAccountName"] for m in members] == ["alice"]
    personal = graph.get(f"{V1}/drives", params={"$filter": "driveType eq 'personal'"}).json()
    assert all(d["owner"]["user"]["id"] != people["brian"] for d in personal["value"])
    assert emulator.directory.assignments_of(people["brian"]) == []


def test_delete_self_is_forbidden_and_unknown_is_404(graph: Graph) -> None:
    status, code, message = error_of(graph.delete(f"{V1}/users/dezkysync"))
    assert (status, code, message) == (403, "notAllowed", "self deletion forbidden")
    status, code, _message = error_of(graph.delete(f"{V1}/users/nobody"))
    assert (status, code) == (404, "itemNotFound")


def test_recreating_a_deleted_username_gets_a_new_id(graph: Graph) -> None:
    first = graph.create_user("eve")
    assert graph.delete(f"{V1}/users/eve").status_code == 204
    second = graph.create_user("eve")
    assert second["id"] != first["id"]

"""Groups: CRUD, the bare member array, member references and their quirks."""

from __future__ import annotations

import pytest

from tests.sandbox.ocis.helpers import V1, Graph, error_of


@pytest.fixture
def team(graph: Graph) -> dict[str, str]:
    group = graph.create_group("team")
    alice = graph.create_user("alice", "Alice", mail="alice@example.org")
    brian = graph.create_user("brian", "Brian")
    return {"group": group["id"], "alice": alice["id"], "brian": brian["id"]}


def test_create_returns_201_with_group_types(graph: Graph) -> None:
    response = graph.post(f"{V1}/groups", json={"displayName": "Finance (NP)"})
    assert response.status_code == 201
    group = response.json()
    assert set(group) == {"id", "displayName", "groupTypes"}
    assert (group["displayName"], group["groupTypes"]) == ("Finance (NP)", [])


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 400, "Missing Required Attribute"),
        ({"displayName": ""}, 400, "Invalid displayName"),
        ({"displayName": "x", "id": "y"}, 400, "group id is a read-only attribute"),
        ({"displayName": "x", "mail": "y"}, 400, 'json: unknown field "mail"'),
    ],
)
def test_create_rejects_bad_bodies(
    graph: Graph, body: dict[str, str], status: int, message: str
) -> None:
    got_status, code, text = error_of(graph.post(f"{V1}/groups", json=body))
    assert (got_status, code, text) == (status, "invalidRequest", message)


def test_create_duplicate_name_is_409(graph: Graph) -> None:
    graph.create_group("mygroup")
    status, code, message = error_of(graph.post(f"{V1}/groups", json={"displayName": "MyGroup"}))
    assert (status, code, message) == (409, "nameAlreadyExists", "group already exists")


def test_list_search_order_and_expand(graph: Graph, team: dict[str, str]) -> None:
    graph.create_group("alpha")
    names = [
        g["displayName"]
        for g in graph.get(f"{V1}/groups", params={"$orderby": "displayName desc"}).json()["value"]
    ]
    assert names == ["team", "alpha"]
    found = graph.get(f"{V1}/groups", params={"$search": "TEA"}).json()["value"]
    assert [g["id"] for g in found] == [team["group"]]
    by_id = graph.get(f"{V1}/groups", params={"$search": team["group"][:8]}).json()["value"]
    assert [g["id"] for g in by_id] == [team["group"]]
    graph.add_member(team["group"], team["alice"])
    expanded = graph.get(f"{V1}/groups", params={"$expand": "members"}).json()["value"]
    members = {
        g["displayName"]: [m["onPremisesSamAccountName"] for m in g["members"]] for g in expanded
    }
    assert members == {"team": ["alice"], "alpha": []}
    status, _code, message = error_of(graph.get(f"{V1}/groups", params={"$orderby": "id"}))
    assert (status, message) == (400, "we do not support <id> as a order parameter")


def test_get_by_id_or_name(graph: Graph, team: dict[str, str]) -> None:
    assert graph.get(f"{V1}/groups/{team['group']}").json()["displayName"] == "team"
    assert graph.get(f"{V1}/groups/TEAM").json()["id"] == team["group"]
    status, code, message = error_of(graph.get(f"{V1}/groups/nope"))
    assert (status, code, message) == (404, "itemNotFound", "not found")


def test_members_is_a_bare_array(graph: Graph, team: dict[str, str]) -> None:
    graph.add_member(team["group"], team["alice"])
    graph.add_member(team["group"], team["brian"])
    response = graph.get(f"{V1}/groups/{team['group']}/members")
    assert response.status_code == 200
    members = response.json()
    assert isinstance(members, list)
    assert [m["onPremisesSamAccountName"] for m in members] == ["alice", "brian"]
    assert members[0]["mail"] == "alice@example.org"
    assert "accountEnabled" not in members[0]  # the LDAP entry never had the attribute
    searched = graph.get(f"{V1}/groups/{team['group']}/members", params={"$search": "bri"}).json()
    assert [m["id"] for m in searched] == [team["brian"]]


def test_add_member_ref_is_idempotent_and_resolves_ids_only(
    graph: Graph, team: dict[str, str]
) -> None:
    graph.add_member(team["group"], team["alice"])
    graph.add_member(team["group"], team["alice"])  # silent no-op
    assert len(graph.get(f"{V1}/groups/{team['group']}/members").json()) == 1
    by_name = {"@odata.id": "https://ocis.example/graph/v1.0/users/brian"}
    status, code, _message = error_of(
        graph.post(f"{V1}/groups/{team['group']}/members/$ref", json=by_name)
    )
    assert (status, code) == (404, "itemNotFound")


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({}, 400, "@odata.id reference is missing"),
        ({"@odata.id": "users/x"}, 400, "Error parsing @odata.id url"),
        (
            {"@odata.id": "https://h/graph/v1.0/groups/x"},
            400,
            "Only user are allowed as group members",
        ),
        (
            {"@odata.id": "https://h/graph/v1.0/users/7a20f238-8a22-4458-902d-47674c317e5f"},
            404,
            "not found",
        ),
    ],
)
def test_add_member_ref_errors(
    graph: Graph, team: dict[str, str], body: dict[str, str], status: int, message: str
) -> None:
    got, _code, text = error_of(graph.post(f"{V1}/groups/{team['group']}/members/$ref", json=body))
    assert (got, text) == (status, message)


def test_add_member_ref_to_unknown_group_is_404(graph: Graph, team: dict[str, str]) -> None:
    ref = {"@odata.id": f"https://h/graph/v1.0/users/{team['alice']}"}
    status, code, _message = error_of(graph.post(f"{V1}/groups/unknown/members/$ref", json=ref))
    assert (status, code) == (404, "itemNotFound")


def test_remove_member_ref(graph: Graph, team: dict[str, str]) -> None:
    graph.add_member(team["group"], team["alice"])
    response = graph.delete(f"{V1}/groups/{team['group']}/members/{team['alice']}/$ref")
    assert (response.status_code, response.content) == (204, b"")
    assert graph.get(f"{V1}/groups/{team['group']}/members").json() == []
    status, code, _message = error_of(
        graph.delete(f"{V1}/groups/{team['group']}/members/{team['alice']}/$ref")
    )
    assert (status, code) == (404, "itemNotFound")  # no longer a member
    status, _code, _message = error_of(
        graph.delete(f"{V1}/groups/nope/members/{team['alice']}/$ref")
    )
    assert status == 404


def test_patch_rename_is_204_and_clash_is_409(graph: Graph, team: dict[str, str]) -> None:
    response = graph.patch(f"{V1}/groups/{team['group']}", json={"displayName": "crew"})
    assert (response.status_code, response.content) == (204, b"")
    assert graph.get(f"{V1}/groups/{team['group']}").json()["displayName"] == "crew"
    graph.create_group("other")
    status, code, message = error_of(
        graph.patch(f"{V1}/groups/{team['group']}", json={"displayName": "OTHER"})
    )
    assert (status, code, message) == (409, "nameAlreadyExists", "Group name already in use")


def test_patch_members_bind(graph: Graph, team: dict[str, str]) -> None:
    refs = [
        f"https://anyhost/graph/v1.0/users/{team['alice']}",
        f"https://anyhost/graph/v1.0/users/{team['brian']}",
    ]
    response = graph.patch(f"{V1}/groups/{team['group']}", json={"members@odata.bind": refs})
    assert response.status_code == 204
    assert len(graph.get(f"{V1}/groups/{team['group']}/members").json()) == 2
    # Already present: skipped.
    assert (
        graph.patch(
            f"{V1}/groups/{team['group']}", json={"members@odata.bind": refs[:1]}
        ).status_code
        == 204
    )


def test_patch_members_bind_limits_and_errors(graph: Graph, team: dict[str, str]) -> None:
    url = f"https://h/graph/v1.0/users/{team['alice']}"
    status, _code, message = error_of(
        graph.patch(f"{V1}/groups/{team['group']}", json={"members@odata.bind": [url] * 21})
    )
    assert (status, message) == (400, "Request is limited to 20 members")
    status, _code, message = error_of(
        graph.patch(f"{V1}/groups/{team['group']}", json={"members@odata.bind": ["users/x"]})
    )
    assert (status, message) == (400, "Error parsing member@odata.bind values")
    status, _code, message = error_of(
        graph.patch(
            f"{V1}/groups/{team['group']}", json={"members@odata.bind": ["https://h/x/groups/y"]}
        )
    )
    assert (status, message) == (400, "Only user are allowed as group members")


def test_the_same_user_twice_in_one_bind_is_listed_twice(
    graph: Graph, team: dict[str, str]
) -> None:
    """ocis issue #5855 (open): the built-in IDM stores the member value twice."""
    url = f"https://h/graph/v1.0/users/{team['alice']}"
    assert (
        graph.patch(
            f"{V1}/groups/{team['group']}", json={"members@odata.bind": [url, url]}
        ).status_code
        == 204
    )
    members = graph.get(f"{V1}/groups/{team['group']}/members").json()
    assert [m["id"] for m in members] == [team["alice"], team["alice"]]
    memberships = graph.get(f"{V1}/users/alice", params={"$expand": "memberOf"}).json()["memberOf"]
    assert [g["id"] for g in memberships] == [team["group"]]
    # One removal drops the user from the group entirely.
    assert (
        graph.delete(f"{V1}/groups/{team['group']}/members/{team['alice']}/$ref").status_code == 204
    )
    assert graph.get(f"{V1}/groups/{team['group']}/members").json() == []


def test_delete_by_id_only(graph: Graph, team: dict[str, str]) -> None:
    status, _code, _message = error_of(graph.delete(f"{V1}/groups/team"))
    assert status == 404
    graph.add_member(team["group"], team["alice"])
    assert graph.delete(f"{V1}/groups/{team['group']}").status_code == 204
    assert graph.get(f"{V1}/groups").json() == {"value": []}
    alice = graph.get(f"{V1}/users/alice", params={"$expand": "memberOf"}).json()
    assert alice["memberOf"] == []


def test_patch_with_nothing_to_do_looks_nothing_up(graph: Graph) -> None:
    response = graph.patch(f"{V1}/groups/6040aa17-9c64-4fef-9bd0-77234d71bad0", json={})
    assert (response.status_code, response.content) == (204, b"")


def test_group_filter_parses_but_is_not_applied(graph: Graph, team: dict[str, str]) -> None:
    graph.create_group("other")
    listed = graph.get(f"{V1}/groups", params={"$filter": "displayName eq 'team'"}).json()["value"]
    assert sorted(g["displayName"] for g in listed) == ["other", "team"]
    assert error_of(graph.get(f"{V1}/groups", params={"$filter": "team"}))[0] == 400

"""Drives: personal drives appear at first login; list/get/patch; disable, restore, purge."""

from __future__ import annotations

import re

import pytest

from dezkysync.sandbox.ocis import OcisEmulator
from tests.sandbox.ocis.helpers import V1, Graph, error_of, in_process

SPACE_ID = re.compile(r"[0-9a-f-]{36}\$[0-9a-f-]{36}")


@pytest.fixture
def alice(graph: Graph) -> dict[str, str]:
    return graph.create_user("Alice", "Alice Hansen")


def test_no_personal_drive_until_first_login(
    graph: Graph, emulator: OcisEmulator, alice: dict[str, str]
) -> None:
    status, code, message = error_of(graph.get(f"{V1}/users/{alice['id']}/drive"))
    assert (status, code, message) == (404, "itemNotFound", "no drive returned from storage")
    expanded = graph.get(f"{V1}/users/{alice['id']}", params={"$expand": "drive"}).json()
    assert expanded["drive"] == {"name": ""}
    emulator.login("alice")
    drive = graph.get(f"{V1}/users/{alice['id']}/drive").json()
    assert SPACE_ID.fullmatch(drive["id"])
    assert drive["id"].endswith("$" + alice["id"])
    assert (drive["driveType"], drive["driveAlias"], drive["name"]) == (
        "personal",
        "personal/alice",
        "Alice Hansen",
    )
    assert drive["owner"] == {"user": {"displayName": "", "id": alice["id"]}}
    assert drive["quota"]["state"] == "normal" and drive["quota"]["total"] == 0
    assert drive["root"]["webDavUrl"] == f"http://ocis.test/dav/spaces/{drive['id']}"
    assert drive["webUrl"] == f"http://ocis.test/f/{drive['id']}"
    assert (
        graph.get(f"{V1}/users/{alice['id']}", params={"$expand": "drive"}).json()["drive"] == drive
    )


def test_user_drive_is_looked_up_by_id_only(
    graph: Graph, emulator: OcisEmulator, alice: dict[str, str]
) -> None:
    emulator.login("alice")
    assert graph.get(f"{V1}/users/alice/drive").status_code == 404


def test_any_authenticated_request_creates_the_callers_home(
    emulator: OcisEmulator, graph: Graph, alice: dict[str, str]
) -> None:
    token = emulator.issue_token("alice")
    with in_process(emulator, token=token) as as_alice:
        mine = as_alice.get(f"{V1}/me/drive")
        assert mine.status_code == 200
        assert mine.json()["owner"]["user"]["id"] == alice["id"]


def test_list_personal_drives_as_admin(
    graph: Graph, emulator: OcisEmulator, alice: dict[str, str]
) -> None:
    emulator.login("alice")
    graph.create_project("Marketing")
    personal = graph.get(f"{V1}/drives/", params={"$filter": "driveType eq 'personal'"}).json()[
        "value"
    ]
    owners = sorted(d["owner"]["user"]["id"] for d in personal)
    admin_id = graph.get(f"{V1}/me").json()["id"]
    assert owners == sorted([alice["id"], admin_id])
    everything = graph.get(f"{V1}/drives").json()["value"]
    assert {d["driveType"] for d in everything} == {"personal", "project"}


@pytest.mark.parametrize(
    ("expression", "status", "code", "message"),
    [
        (
            "driveType eq 'personal' and name eq 'x'",
            501,
            "notSupported",
            "unsupported filter operand: and",
        ),
        (
            "contains(driveType,personal)",
            501,
            "notSupported",
            "unsupported filter operand: contains",
        ),
        ("driveType", 400, "invalidRequest", "Value must be a boolean expression"),
    ],
)
def test_drive_filter_errors(
    graph: Graph, expression: str, status: int, code: str, message: str
) -> None:
    assert error_of(graph.get(f"{V1}/drives", params={"$filter": expression})) == (
        status,
        code,
        message,
    )


def test_drive_filter_eq_on_other_property_filters_nothing(graph: Graph) -> None:
    graph.create_project("Moon")
    response = graph.get(f"{V1}/drives", params={"$filter": "name eq 'nothing-matches'"})
    assert len(response.json()["value"]) == 2  # the admin's home and Moon


def test_drive_orderby(graph: Graph) -> None:
    graph.create_project("b-project")
    graph.create_project("a-project")
    names = [
        d["name"]
        for d in graph.get(f"{V1}/drives", params={"$orderby": "name desc"}).json()["value"]
    ]
    assert names == ["dezkysync", "b-project", "a-project"]
    status, code, message = error_of(graph.get(f"{V1}/drives", params={"$orderby": "owner asc"}))
    assert (status, code, message) == (
        400,
        "invalidRequest",
        "we do not support <owner> as a order parameter",
    )


def test_create_project_defaults_and_validation(graph: Graph) -> None:
    drive = graph.create_project("Project Moon", description="Team space")
    assert (drive["driveType"], drive["driveAlias"], drive["description"]) == (
        "project",
        "project/project-moon",
        "Team space",
    )
    assert drive["quota"]["total"] == 1_000_000_000
    [grant] = drive["root"]["permissions"]
    assert grant["roles"] == ["manager"]
    assert grant["grantedToIdentities"][0]["user"]["displayName"] == "dezkysync"
    assert error_of(graph.post(f"{V1}/drives", json={"name": "a/b"}))[2] == (
        'invalid spacename: spacenames must not contain [/ \\ . : ? * " > < |]'
    )
    assert error_of(graph.post(f"{V1}/drives", json={"name": "x", "driveType": "personal"}))[2] == (
        "drives of this type cannot be created via this api"
    )
    assert (
        error_of(graph.post(f"{V1}/drives", json={"name": "x", "color": "red"}))[2]
        == "invalid body schema definition"
    )


def test_patch_quota_and_name(graph: Graph, emulator: OcisEmulator, alice: dict[str, str]) -> None:
    drive_id = emulator.login("alice")["id"]
    response = graph.patch(
        f"{V1}/drives/{drive_id}", json={"quota": {"total": 5_368_709_120}, "name": "Alice"}
    )
    assert response.status_code == 200
    drive = response.json()
    assert drive["quota"] == {
        "remaining": 5_368_709_120,
        "state": "normal",
        "total": 5_368_709_120,
        "used": 0,
    }
    assert drive["name"] == "Alice"
    emulator.set_drive_usage(drive_id, 5_000_000_000)
    assert graph.get(f"{V1}/drives/{drive_id}").json()["quota"]["state"] == "critical"
    unlimited = graph.patch(f"{V1}/drives/{drive_id}", json={"quota": {"total": 0}}).json()
    assert unlimited["quota"]["total"] == 0
    assert error_of(graph.patch(f"{V1}/drives/{drive_id}", json={"name": "a:b"}))[:2] == (
        400,
        "generalException",
    )
    status, _code, message = error_of(
        graph.patch(f"{V1}/drives/{drive_id}", json={"owner": {"user": {"id": "x", "nick": "y"}}})
    )
    assert (status, message) == (400, 'invalid request body: error: json: unknown field "nick"')


def test_disable_restore_purge(graph: Graph) -> None:
    drive_id = graph.create_project("Marketing")["id"]
    status, code, message = error_of(
        graph.delete(f"{V1}/drives/{drive_id}", headers={"Purge": "T"})
    )
    assert (status, code, message) == (
        400,
        "invalidRequest",
        "error: bad request: can't purge enabled space",
    )
    disabled = graph.delete(f"{V1}/drives/{drive_id}")
    assert (disabled.status_code, disabled.content) == (204, b"")
    listed = graph.get(f"{V1}/drives/{drive_id}").json()
    assert listed["root"]["deleted"] == {"state": "trashed"}
    assert listed["quota"] == {"total": 1_000_000_000}
    assert graph.delete(f"{V1}/drives/{drive_id}").status_code == 204  # again: still disabled
    restored = graph.patch(f"{V1}/drives/{drive_id}", json={}, headers={"Restore": "T"})
    assert restored.status_code == 200
    assert "deleted" not in restored.json()["root"]
    assert graph.delete(f"{V1}/drives/{drive_id}").status_code == 204
    assert graph.delete(f"{V1}/drives/{drive_id}", headers={"Purge": "true"}).status_code == 204
    assert error_of(graph.get(f"{V1}/drives/{drive_id}"))[:2] == (404, "itemNotFound")
    assert error_of(graph.delete(f"{V1}/drives/{drive_id}"))[2] == "drive not found"


def test_patch_of_a_disabled_drive_needs_restore(graph: Graph) -> None:
    drive_id = graph.create_project("Marketing")["id"]
    graph.delete(f"{V1}/drives/{drive_id}")
    assert error_of(graph.patch(f"{V1}/drives/{drive_id}", json={"name": "New"}))[:2] == (
        404,
        "itemNotFound",
    )


def test_purge_header_values(graph: Graph) -> None:
    for value in ("1", "t", "TRUE", "True"):
        drive_id = graph.create_project(f"P{value}")["id"]
        graph.delete(f"{V1}/drives/{drive_id}")
        assert graph.delete(f"{V1}/drives/{drive_id}", headers={"Purge": value}).status_code == 204
    drive_id = graph.create_project("Pyes")["id"]
    graph.delete(f"{V1}/drives/{drive_id}")
    # "yes" is not a Go boolean: a plain disable again.
    assert graph.delete(f"{V1}/drives/{drive_id}", headers={"Purge": "yes"}).status_code == 204
    assert graph.get(f"{V1}/drives/{drive_id}").status_code == 200


def test_unknown_drive_ids(graph: Graph) -> None:
    for drive_id in ("nope", "x$y", "storage-users-1$535aa42d-a3c7-4329-9eba-5ef48fcaa3ff"):
        assert error_of(graph.get(f"{V1}/drives/{drive_id}"))[:2] == (404, "itemNotFound")


def test_percent_encoded_drive_id(graph: Graph) -> None:
    drive_id = graph.create_project("Enc")["id"]
    encoded = drive_id.replace("$", "%24")
    assert graph.get(f"{V1}/drives/{encoded}").json()["id"] == drive_id


def test_beta_drives_use_unified_roles(graph: Graph) -> None:
    drive_id = graph.create_project("Beta")["id"]
    drive = graph.get(f"/graph/v1beta1/drives/{drive_id}").json()
    [grant] = drive["root"]["permissions"]
    assert grant["roles"] == ["312c0871-5ef7-4b3a-85b6-0e4074c64049"]
    assert grant["grantedToV2"]["user"]["displayName"] == "dezkysync"


def test_expand_drives_lists_project_drives_only(graph: Graph, emulator: OcisEmulator) -> None:
    graph.create_project("Team")
    me = graph.get(f"{V1}/users/dezkysync", params={"$expand": "drives"}).json()
    assert [d["name"] for d in me["drives"]] == ["Team"]

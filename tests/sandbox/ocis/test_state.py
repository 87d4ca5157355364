"""Persistence (snapshot/restore through JSON), the sandbox runtime, and a large directory."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from dezkysync.sandbox._wsgi import Emulator
from dezkysync.sandbox.ocis import OcisEmulator
from dezkysync.sandbox.ocis._state import ROLE_USER, User
from tests.sandbox.ocis.helpers import ADMIN_TOKEN, V1, Graph, in_process


def _populate(graph: Graph, emulator: OcisEmulator) -> dict[str, str]:
    alice = graph.create_user(
        "alice", "Alice", mail="alice@example.org", passwordProfile={"password": "pw-Secret-1"}
    )
    group = graph.create_group("team")
    graph.add_member(group["id"], alice["id"])
    emulator.login("alice")
    project = graph.create_project("Moon")
    graph.delete(f"{V1}/drives/{project['id']}")
    return {"alice": alice["id"], "group": group["id"], "project": project["id"]}


def test_snapshot_round_trips_through_json(graph: Graph, emulator: OcisEmulator) -> None:
    ids = _populate(graph, emulator)
    bob_token = emulator.issue_token("alice")
    data = json.loads(json.dumps(emulator.snapshot()))
    assert "pw-Secret-1" not in json.dumps(data)
    assert ADMIN_TOKEN not in json.dumps(data) and bob_token not in json.dumps(data)

    copy = OcisEmulator(token=ADMIN_TOKEN)
    copy.restore(data)
    assert copy.snapshot() == emulator.snapshot()
    with in_process(copy) as restored:
        members = restored.get(f"{V1}/groups/{ids['group']}/members").json()
        assert [m["id"] for m in members] == [ids["alice"]]
        assert restored.get(f"{V1}/drives/{ids['project']}").json()["root"]["deleted"] == {
            "state": "trashed"
        }
        assert restored.get(f"{V1}/users/{ids['alice']}/drive").status_code == 200
    with in_process(copy, token=bob_token) as as_alice:
        assert as_alice.get(f"{V1}/me").json()["id"] == ids["alice"]


def test_restore_keeps_the_constructor_token_for_the_service_user(emulator: OcisEmulator) -> None:
    data = emulator.snapshot()
    rotated = OcisEmulator(token="rotated-token")
    rotated.restore(data)
    with in_process(rotated, token="rotated-token") as client:
        assert client.get(f"{V1}/me").json()["onPremisesSamAccountName"] == "dezkysync"


def test_fresh_installs_are_independent() -> None:
    first, second = OcisEmulator(), OcisEmulator()
    with in_process(first) as client:
        client.create_user("alice")
    with in_process(second) as client:
        assert [
            u["onPremisesSamAccountName"] for u in client.get(f"{V1}/users").json()["value"]
        ] == ["dezkysync"]


def test_state_persists_on_every_write_like_the_sandbox_runtime(tmp_path: Path) -> None:
    """The runtime's contract: ``on_write`` after each writing request (and after the admin
    login helper), ``restore`` into a fresh emulator with the same token."""
    state = tmp_path / "ocis.json"
    emulator = OcisEmulator(token="sandbox-ocis-abc")

    def persist(emu: Emulator) -> None:
        state.write_text(json.dumps(emu.snapshot()))

    emulator.on_write = persist
    with in_process(emulator, token="sandbox-ocis-abc") as client:
        client.create_user("alice")
        assert client.post("/_emulator/ocis/login/alice").status_code == 200
        assert client.post("/_emulator/ocis/login/nobody").status_code == 404
        token = client.post("/_emulator/ocis/tokens/alice").json()["token"]
    reopened = OcisEmulator(token="sandbox-ocis-abc")
    reopened.restore(json.loads(state.read_text()))
    with in_process(reopened, token=token) as as_alice:
        assert as_alice.get(f"{V1}/me/drive").json()["driveAlias"] == "personal/alice"


def test_twenty_thousand_users(emulator: OcisEmulator) -> None:
    directory = emulator.directory
    group_ids = []
    with in_process(emulator) as client:
        for index in range(3):
            group_ids.append(client.create_group(f"g{index}")["id"])
    for index in range(20_000):
        user = User(
            id=str(uuid.uuid4()),
            username=f"user{index:05d}",
            display_name=f"User {index}",
            surname="x",
        )
        directory.add_user(user)
        directory.assign_role(user.id, ROLE_USER)
        directory.add_member(directory.groups[group_ids[index % 3]], user)
    with in_process(emulator) as client:
        everyone = client.get(f"{V1}/users").json()["value"]
        assert len(everyone) == 20_001  # no paging, whatever the size
        one = client.get(f"{V1}/users/USER12345").json()
        assert one["displayName"] == "User 12345"
        searched = client.get(f"{V1}/users", params={"$search": "user1999"}).json()["value"]
        assert [u["onPremisesSamAccountName"] for u in searched] == [
            f"user1999{d}" for d in range(10)
        ]
        members = client.get(
            f"{V1}/users", params={"$filter": f"memberOf/any(m:m/id eq '{group_ids[1]}')"}
        ).json()
        assert len(members["value"]) == 6_667
        ordered = client.get(
            f"{V1}/users",
            params={"$orderby": "onPremisesSamAccountName desc", "$search": "user0000"},
        ).json()
        assert [u["onPremisesSamAccountName"] for u in ordered["value"]][:2] == [
            "user00009",
            "user00008",
        ]


def test_reads_by_the_service_identity_do_not_change_the_state(emulator: OcisEmulator) -> None:
    before = emulator.snapshot()
    with in_process(emulator) as client:
        client.get(f"{V1}/users")
        client.get(f"{V1}/me/drive")
        client.get(f"{V1}/drives")
    assert emulator.snapshot() == before
    assert emulator.log.summary()["writes"] == 0

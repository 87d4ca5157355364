"""A 20,000-user install: lists, filters and pagination stay correct (indexed state)."""

from __future__ import annotations

import json

import httpx
import pytest

from dezkysync.sandbox._wsgi import SandboxTransport
from dezkysync.sandbox.authentik import AuthentikEmulator
from tests.sandbox.authentik.conftest import TOKEN
from tests.sandbox.authentik.spec_check import validating_client

COUNT = 20_000
USERS = "/api/v3/core/users/"


@pytest.fixture(scope="module")
def big() -> tuple[AuthentikEmulator, httpx.Client]:
    emulator = AuthentikEmulator(token=TOKEN)
    emulator.add_group("tenant-big", attributes={"tenant": "big"})
    for index in range(COUNT):
        emulator.add_user(
            f"member-{index:05d}@big.test",
            email=f"member-{index:05d}@big.test",
            groups=["tenant-big"] if index % 4 == 0 else (),
            attributes={"tenant": "big", "n": index % 10},
            is_active=index % 100 != 0,
        )
    return emulator, validating_client(SandboxTransport(emulator), base_url="http://x", token=TOKEN)


def test_walks_every_page(big: tuple[AuthentikEmulator, httpx.Client]) -> None:
    _, api = big
    total = COUNT + 3
    first = api.get(USERS, params={"page_size": 100}).json()["pagination"]
    assert first["count"] == total and first["total_pages"] == 201
    last = api.get(USERS, params={"page_size": 100, "page": 201}).json()
    assert len(last["results"]) == 3 and last["pagination"]["next"] == 0
    assert api.get(USERS, params={"page_size": 100, "page": 202}).status_code == 404
    seen = []
    for page in (1, 2, 100):
        body = api.get(USERS, params={"page_size": 100, "page": page}).json()
        seen += [u["username"] for u in body["results"]]
    assert seen == sorted(seen) and len(set(seen)) == 300


def test_filters_over_the_big_install(big: tuple[AuthentikEmulator, httpx.Client]) -> None:
    _, api = big
    tenant = api.get(USERS, params={"groups_by_name": "tenant-big", "page_size": 100}).json()
    assert tenant["pagination"]["count"] == COUNT // 4
    one = api.get(USERS, params={"username": "member-12345@big.test"}).json()
    assert [u["email"] for u in one["results"]] == ["member-12345@big.test"]
    inactive = api.get(USERS, params={"is_active": "false"}).json()
    assert inactive["pagination"]["count"] == COUNT // 100
    sevens = api.get(USERS, params={"attributes": json.dumps({"n": 7})}).json()
    assert sevens["pagination"]["count"] == COUNT // 10
    by_email = api.get(USERS, params={"email": "member-00004@big.test"}).json()
    assert by_email["results"][0]["groups_obj"][0]["name"] == "tenant-big"


def test_reads_500_objects(big: tuple[AuthentikEmulator, httpx.Client]) -> None:
    emulator, api = big
    listed: list[str] = []
    for page in range(1, 6):
        body = api.get(
            USERS, params={"page_size": 100, "page": page, "path": "users", "type": "internal"}
        ).json()
        listed += [u["username"] for u in body["results"]]
    assert len(listed) == 500 and len(set(listed)) == 500
    for index in range(0, COUNT, COUNT // 50):
        user = emulator.store.user_by_username(f"member-{index:05d}@big.test")
        assert user is not None
        assert api.get(f"{USERS}{user.pk}/").json()["username"] == user.username

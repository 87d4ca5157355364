"""The authentik client: full pagination checked against count/total_pages, system users."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from dezkysync.http import IncompleteRead, RequestCounter, ServiceClient, UnexpectedResponse
from dezkysync.live.model import Ownership
from dezkysync.services.authentik import AuthentikClient

Tamper = Callable[[str, int, dict[str, Any]], httpx.Response | None]


def user(pk: int, username: str, **extra: Any) -> dict[str, Any]:
    return {
        "pk": pk,
        "username": username,
        "name": extra.pop("name", username),
        "email": extra.pop("email", ""),
        "is_active": extra.pop("is_active", True),
        "type": extra.pop("type", "internal"),
        "path": extra.pop("path", "users"),
        "attributes": extra.pop("attributes", {}),
        "uuid": f"uuid-{pk}",
        "groups": extra.pop("groups", []),
        **extra,
    }


class FakeAuthentik:
    def __init__(
        self,
        users: list[dict[str, Any]],
        groups: list[dict[str, Any]],
        tamper: Tamper | None = None,
    ):
        self.users = users
        self.groups = groups
        self.tamper = tamper
        self.pages: list[tuple[str, int]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v3/core/users/me/":
            return httpx.Response(200, json={"user": {"pk": 2, "username": "dezkysync"}})
        items = {"/api/v3/core/users/": self.users, "/api/v3/core/groups/": self.groups}[path]
        page = int(request.url.params.get("page", "1"))
        size = min(int(request.url.params.get("page_size", "20")), 100)
        self.pages.append((path, page))
        if self.tamper:
            replaced = self.tamper(path, page, {})
            if replaced is not None:
                return replaced
        total_pages = max(1, math.ceil(len(items) / size))
        if page > total_pages:
            return httpx.Response(404, json={"detail": "Invalid page."})
        chunk = items[(page - 1) * size : page * size]
        body = {
            "pagination": {
                "next": page + 1 if page < total_pages else 0,
                "previous": page - 1 if page > 1 else 0,
                "count": len(items),
                "current": page,
                "total_pages": total_pages,
                "start_index": (page - 1) * size + 1 if chunk else 0,
                "end_index": (page - 1) * size + len(chunk),
            },
            "results": chunk,
            "autocomplete": {},
        }
        return httpx.Response(200, json=body)


def make(fake: FakeAuthentik) -> tuple[AuthentikClient, RequestCounter]:
    counter = RequestCounter()
    http = ServiceClient(
        "authentik", "http://sso.test", "tok", transport=httpx.MockTransport(fake), counter=counter
    )
    return AuthentikClient(http, concurrency=4), counter


def members(count: int) -> list[dict[str, Any]]:
    return [user(100 + n, f"user{n}@acme.example") for n in range(count)]


def test_reads_users_groups_and_me() -> None:
    users = [
        user(2, "dezkysync", type="service_account", path="goauthentik.io/service-accounts"),
        user(4, "ak-outpost-1", type="internal_service_account", path="goauthentik.io/outposts"),
        user(
            5,
            "Alice@Acme.Example",
            attributes={"dezkysync": {"managed": True, "tenant": "acme"}},
            is_active=False,
            groups=["g2", "g1"],
        ),
        user(6, "bob@acme.example"),
    ]
    groups: list[dict[str, Any]] = [
        {
            "pk": "g1",
            "name": "tenant-acme",
            "users": [6, 5],
            "attributes": {"dezkysync": {"managed": True, "tenant": "acme", "role": "members"}},
        },
        {
            "pk": "g2",
            "name": "authentik Admins",
            "users": [3],
            "is_superuser": True,
            "attributes": {},
        },
    ]
    client, counter = make(FakeAuthentik(users, groups))
    state = client.read_state()
    assert counter.requests() == 3
    assert state.me.username == "dezkysync" and state.me.id == "2"
    assert [u.username for u in state.system_users] == ["ak-outpost-1", "dezkysync"]
    assert [i.login for i in state.identities] == ["alice@acme.example", "bob@acme.example"]
    alice = state.identity_by_login["alice@acme.example"]
    assert alice.owner == Ownership("acme") and not alice.is_active and alice.groups == ("g1", "g2")
    assert state.group_by_name["tenant-acme"].owner == Ownership("acme", "members")
    assert state.group_by_name["tenant-acme"].members == (5, 6)
    assert state.group_by_name["authentik Admins"].is_superuser
    assert state.user_by_pk[4].username == "ak-outpost-1"


def test_requests_grow_with_pages() -> None:
    fake = FakeAuthentik(members(1234), [])
    client, counter = make(fake)
    state = client.read_state()
    assert len(state.identities) == 1234
    assert counter.requests() == 1 + 13 + 1  # me, 13 user pages, 1 group page
    assert sorted(p for path, p in fake.pages if path.endswith("users/")) == list(range(1, 14))


def test_an_empty_list() -> None:
    client, _ = make(FakeAuthentik([], []))
    state = client.read_state()
    assert state.identities == () and state.groups == ()


def _page_body(
    count: int, current: int, total_pages: int, results: list[dict[str, Any]]
) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "pagination": {
                "count": count,
                "current": current,
                "total_pages": total_pages,
                "next": 0,
                "previous": 0,
                "start_index": 1,
                "end_index": 1,
            },
            "results": results,
            "autocomplete": {},
        },
    )


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (
            lambda path, page, _: (
                httpx.Response(404, json={"detail": "Invalid page."}) if page == 3 else None
            ),
            "page is gone",
        ),
        (
            lambda path, page, _: _page_body(501, 3, 5, members(100)) if page == 3 else None,
            "changed while reading",
        ),
        (
            lambda path, page, _: _page_body(500, 3, 5, members(99)) if page == 3 else None,
            "99 objects where 100",
        ),
        (
            lambda path, page, _: (
                _page_body(500, 2, 5, members(100)) if page == 3 and "users" in path else None
            ),
            "got page 2",
        ),
        (
            lambda path, page, _: (
                _page_body(500, 3, 5, members(100)[:1] * 100) if page == 3 else None
            ),
            "listed twice",
        ),
    ],
)
def test_a_bad_page_is_an_incomplete_read(tamper: Tamper, message: str) -> None:
    client, _ = make(FakeAuthentik(members(500), [], tamper))
    with pytest.raises(IncompleteRead, match=message) as caught:
        client.read_state()
    assert "page=3" in str(caught.value)


def test_a_server_error_on_a_page_fails_the_read() -> None:
    def fail(path: str, page: int, _: dict[str, Any]) -> httpx.Response | None:
        return (
            httpx.Response(500, json={"detail": "boom"}) if page == 3 and "users" in path else None
        )

    client, _ = make(FakeAuthentik(members(500), [], fail))
    with pytest.raises(UnexpectedResponse, match=r"page=3.*HTTP 500"):
        client.read_state()


def test_not_a_paginated_list() -> None:
    def flat(path: str, page: int, _: dict[str, Any]) -> httpx.Response | None:
        return httpx.Response(200, json=[]) if "groups" in path else None

    client, _ = make(FakeAuthentik(members(3), [], flat))
    with pytest.raises(UnexpectedResponse, match="not a paginated list"):
        client.read_state()

"""The authentik and OCIS writers against the emulators over loopback."""

from __future__ import annotations

import httpx
import pytest

from dezkysync.apply.passwords import generate_password
from dezkysync.http import ServiceClient
from dezkysync.services.authentik import AuthentikClient
from dezkysync.services.ownership import read_authentik_marker
from dezkysync.services.writers import AuthentikWriter, OcisWriter, WriteRefused
from tests.apply.support import Endpoints, Stack


def authentik(stack: Stack) -> AuthentikWriter:
    return AuthentikWriter(stack.clients().authentik)


def ocis(stack: Stack) -> OcisWriter:
    return OcisWriter(stack.clients().ocis)


def test_user_gets_marker_and_a_password_that_logs_in(stack: Stack) -> None:
    w = authentik(stack)
    ends = Endpoints.of_stack(stack)
    pk = w.create_user(
        username="alice@acme.test",
        name="Alice",
        email="alice@acme.test",
        active=True,
        tenant="acme",
    )
    assert ends.sso_login("alice@acme.test", "anything") is None  # no usable password yet
    password = generate_password()
    w.set_password(pk, password)
    assert ends.sso_login("alice@acme.test", password) is not None
    with stack.api("authentik") as api:
        user = api.get(f"/api/v3/core/users/{pk}/").json()
    owner = read_authentik_marker(user["attributes"], group=False)
    assert owner is not None and owner.tenant == "acme"


def test_adopting_keeps_other_attributes(stack: Stack) -> None:
    w = authentik(stack)
    with stack.api("authentik") as api:
        created = api.post(
            "/api/v3/core/users/",
            json={"username": "eve@acme.test", "name": "Eve", "attributes": {"team": "ops"}},
        ).json()
    w.mark_user(created["pk"], "acme", {"name": "Eve Example"})
    with stack.api("authentik") as api:
        user = api.get(f"/api/v3/core/users/{created['pk']}/").json()
    assert user["attributes"]["team"] == "ops"
    assert user["attributes"]["dezkysync"] == {"managed": True, "tenant": "acme"}
    assert user["name"] == "Eve Example"


def test_force_logout_ends_only_the_targets_sessions(stack: Stack) -> None:
    """The emulator, like authentik, ignores ``?user=``: the filter must be on the client."""
    w = authentik(stack)
    ends = Endpoints.of_stack(stack)
    passwords = {}
    pks = {}
    for login in ("alice@acme.test", "bob@acme.test", "alice@acme.test.evil"):
        pks[login] = w.create_user(
            username=login, name=login, email="x@acme.test", active=True, tenant="acme"
        )
        passwords[login] = generate_password()
        w.set_password(pks[login], passwords[login])
    cookies = {
        login: [ends.sso_login(login, passwords[login], agent=f"ua-{n}") for n in range(2)]
        for login in passwords
    }
    with stack.api("authentik") as api:
        everyone = api.get(
            "/api/v3/core/authenticated_sessions/", params={"user": pks["alice@acme.test"]}
        )
    assert everyone.json()["pagination"]["count"] == 6  # the server really ignores ?user=
    assert w.end_sessions(pks["alice@acme.test"], "alice@acme.test") == 2
    for login, browser_cookies in cookies.items():
        for cookie in browser_cookies:
            assert cookie is not None
            assert ends.session_alive(cookie) is (login != "alice@acme.test"), login
    assert w.end_sessions(pks["alice@acme.test"], "alice@acme.test") == 0


def test_force_logout_refuses_an_empty_username(stack: Stack) -> None:
    with pytest.raises(WriteRefused):
        authentik(stack).end_sessions(5, " ")


def test_deactivation_ends_sessions_and_blocks_logins(stack: Stack) -> None:
    w = authentik(stack)
    ends = Endpoints.of_stack(stack)
    pk = w.create_user(
        username="bob@acme.test", name="Bob", email="b@acme.test", active=True, tenant="acme"
    )
    password = generate_password()
    w.set_password(pk, password)
    cookie = ends.sso_login("bob@acme.test", password)
    assert cookie is not None and ends.session_alive(cookie)
    w.set_active(pk, False)
    assert not ends.session_alive(cookie)
    assert ends.sso_login("bob@acme.test", password) is None
    w.set_active(pk, True)
    assert ends.sso_login("bob@acme.test", password) is not None


def test_groups_memberships_and_deletes_are_idempotent(stack: Stack) -> None:
    w = authentik(stack)
    group = w.create_group("tenant-acme", "acme", "members")
    user = w.create_user(
        username="c@acme.test", name="C", email="c@acme.test", active=True, tenant="acme"
    )
    w.add_member(group, user)
    w.add_member(group, user)
    with stack.api("authentik") as api:
        found = api.get(f"/api/v3/core/groups/{group}/").json()
    assert found["users"] == [user]
    assert found["attributes"]["dezkysync"] == {
        "managed": True,
        "tenant": "acme",
        "role": "members",
    }
    w.remove_member(group, user)
    w.remove_member(group, user)
    w.rename_group(group, "tenant-acme2")
    assert w.delete_group(group) is True
    assert w.delete_group(group) is False
    assert w.delete_user(user) is True
    assert w.delete_user(user) is False


def test_ocis_user_lifecycle(stack: Stack) -> None:
    w = ocis(stack)
    ends = Endpoints.of_stack(stack)
    ident = w.create_user(
        username="alice@acme.test", display_name="Alice", mail="alice@acme.test", enabled=True
    )
    assert ends.files_login("alice@acme.test") == 200
    w.update_user(ident, {"displayName": "Alice Example", "mail": "a@acme.test"})
    w.set_enabled(ident, False)
    assert ends.files_login("alice@acme.test") == 401
    w.set_enabled(ident, True)
    assert ends.files_login("alice@acme.test") == 200
    with stack.api("ocis") as api:
        users = api.get("/graph/v1.0/users").json()["value"]
    alice = next(u for u in users if u["id"] == ident)
    assert alice["displayName"] == "Alice Example" and alice["mail"] == "a@acme.test"
    assert w.delete_user(ident) is True
    assert w.delete_user(ident) is False
    with pytest.raises(ValueError):
        w.update_user(ident, {"surname": "x"})


class _IgnoresUsernameFilter(httpx.BaseTransport):
    """A server that ignores every session filter (as it does ``?user=``)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/authenticated_sessions/"):
            kept = [(k, v) for k, v in request.url.params.multi_items() if k != "user__username"]
            request.url = request.url.copy_with(params=kept)
        return self.inner.handle_request(request)


def test_force_logout_filters_by_pk_even_when_the_server_filters_nothing(stack: Stack) -> None:
    w = authentik(stack)
    ends = Endpoints.of_stack(stack)
    pks, cookies = {}, {}
    for login in ("alice@acme.test", "bob@acme.test"):
        pks[login] = w.create_user(
            username=login, name=login, email=login, active=True, tenant="acme"
        )
        password = generate_password()
        w.set_password(pks[login], password)
        cookies[login] = ends.sso_login(login, password)
    blind = ServiceClient(
        "authentik",
        stack.url("authentik"),
        stack.tokens["authentik"],
        transport=_IgnoresUsernameFilter(),
    )
    try:
        ended = AuthentikWriter(AuthentikClient(blind)).end_sessions(
            pks["bob@acme.test"], "bob@acme.test"
        )
    finally:
        blind.close()
    assert ended == 1
    assert cookies["alice@acme.test"] is not None and ends.session_alive(cookies["alice@acme.test"])
    assert cookies["bob@acme.test"] is not None and not ends.session_alive(cookies["bob@acme.test"])

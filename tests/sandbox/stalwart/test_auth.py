"""Logging in as users: Basic passwords, suspension through permissions, user rights."""

from __future__ import annotations

from tests.sandbox.stalwart.conftest import STRONG, FakeClock, Jmap, basic, make_user

SUSPEND = {
    "permissions": {
        "@type": "Merge",
        "enabledPermissions": {},
        "disabledPermissions": {"authenticate": True},
    }
}


def session_status(jmap: Jmap, login: str, password: str) -> int:
    return jmap.client.get("/jmap/session", headers=basic(login, password)).status_code


def test_user_logs_in_with_the_right_password_only(live: Jmap, domain: str) -> None:
    ident = make_user(live, domain)
    session = live.client.get("/jmap/session", headers=basic("Alice@Example.org ", STRONG))
    assert session.status_code == 200
    body = session.json()
    assert body["username"] == "alice@example.org"
    assert body["primaryAccounts"]["urn:stalwart:jmap"] == ident
    assert body["accounts"][ident]["name"] == "alice@example.org"
    wrong = live.client.get("/jmap/session", headers=basic("alice@example.org", "wrong-Password-1"))
    assert wrong.status_code == 401
    assert wrong.headers.get_list("www-authenticate")[1] == 'Basic realm="Stalwart Server"'
    assert session_status(live, "nobody@example.org", STRONG) == 401


def test_suspension_through_permissions_and_back(jmap: Jmap, domain: str) -> None:
    ident = make_user(jmap, domain)
    assert jmap.update("Account", ident, SUSPEND)["updated"] == {ident: None}
    suspended = jmap.client.get("/jmap/session", headers=basic("alice@example.org", STRONG))
    assert suspended.status_code == 403
    assert suspended.json() == {
        "type": "about:blank",
        "status": 403,
        "title": "Forbidden",
        "detail": "You do not have enough permissions to access this resource.",
    }
    user = jmap.as_user("alice@example.org", STRONG)
    assert user.post({"using": [], "methodCalls": []}).status_code == 403
    credentials = jmap.get("Account", ident, ["credentials"])["credentials"]
    assert credentials["0"]["credentialId"] == "a"  # the password is untouched
    jmap.update("Account", ident, {"permissions": {"@type": "Inherit"}})
    assert session_status(jmap, "alice@example.org", STRONG) == 200


def test_replace_without_authenticate_also_suspends(jmap: Jmap, domain: str) -> None:
    ident = make_user(jmap, domain)
    replaced = {
        "@type": "Replace",
        "enabledPermissions": {"emailReceive": True},
        "disabledPermissions": {},
    }
    jmap.update("Account", ident, {"permissions": replaced})
    assert session_status(jmap, "alice@example.org", STRONG) == 403


def test_ordinary_users_cannot_manage(jmap: Jmap, domain: str) -> None:
    make_user(jmap, domain)
    user = jmap.as_user("alice@example.org", STRONG)
    responses = user.call(
        ["x:Domain/get", {"ids": None}, "0"],
        ["x:Account/query", {}, "1"],
        ["x:Domain/set", {"create": {"d": {"name": "example.net"}}}, "2"],
        ["Core/echo", {"ok": True}, "3"],
    )
    assert responses[0] == [
        "error",
        {"type": "forbidden", "description": "You are not authorized to perform this action"},
        "0",
    ]
    assert responses[1][1]["type"] == "forbidden"
    assert responses[2][1] == {
        "type": "forbidden",
        "description": "You are not authorized to create, update or destroy objects of this type",
    }
    assert responses[3] == ["Core/echo", {"ok": True}, "3"]


def test_merged_permissions_grant_admin_calls(jmap: Jmap, domain: str) -> None:
    ident = make_user(jmap, domain)
    grant = {
        "@type": "Merge",
        "enabledPermissions": {"sysDomainGet": True},
        "disabledPermissions": {},
    }
    jmap.update("Account", ident, {"permissions": grant})
    user = jmap.as_user("alice@example.org", STRONG)
    [[name, result, _]] = user.call(
        ["x:Domain/get", {"ids": [domain], "properties": ["name"]}, "0"]
    )
    assert name == "x:Domain/get"
    assert result["accountId"] == ident
    assert result["list"] == [{"name": "example.org", "id": domain}]


def test_admin_role_users_manage(jmap: Jmap, domain: str) -> None:
    ident = make_user(jmap, domain, "boss")
    jmap.update("Account", ident, {"roles": {"@type": "Admin"}})
    boss = jmap.as_user("boss@example.org", STRONG)
    assert boss.one("x:Domain/query", {})["ids"] == [domain]


def test_bare_login_uses_the_default_domain(jmap: Jmap, domain: str) -> None:
    make_user(jmap, domain)
    assert session_status(jmap, "alice", STRONG) == 401
    jmap.update("SystemSettings", "singleton", {"defaultDomainId": domain})
    assert session_status(jmap, "alice", STRONG) == 200


def test_expired_password_keeps_only_password_change_rights(
    jmap: Jmap, domain: str, clock: FakeClock
) -> None:
    ident = make_user(jmap, domain)
    jmap.update("Account", ident, {"credentials/0/expiresAt": "2026-07-08T00:00:02Z"})
    user = jmap.as_user("alice@example.org", STRONG)
    assert user.call(["Core/echo", {}, "e"])[0][0] == "Core/echo"
    clock.advance(3)
    assert user.call(["Core/echo", {}, "e"])[0][1]["type"] == "forbidden"
    assert session_status(jmap, "alice@example.org", STRONG) == 200


def test_groups_and_passwordless_users_cannot_log_in(jmap: Jmap, domain: str) -> None:
    jmap.create("Account", {"@type": "Group", "name": "staff", "domainId": domain})
    jmap.create("Account", {"@type": "User", "name": "nopw", "domainId": domain})
    assert session_status(jmap, "staff@example.org", STRONG) == 401
    assert session_status(jmap, "nopw@example.org", "") == 401


def test_alias_logins_need_authenticate_with_alias(jmap: Jmap, domain: str) -> None:
    ident = make_user(jmap, domain)
    jmap.update("Account", ident, {"aliases/0": {"name": "ally", "domainId": domain}})
    assert session_status(jmap, "ally@example.org", STRONG) == 200
    no_alias = {
        "@type": "Merge",
        "enabledPermissions": {},
        "disabledPermissions": {"authenticateWithAlias": True},
    }
    jmap.update("Account", ident, {"permissions": no_alias})
    assert session_status(jmap, "ally@example.org", STRONG) == 403
    assert session_status(jmap, "alice@example.org", STRONG) == 200

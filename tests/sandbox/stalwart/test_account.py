"""x:Account: users and groups, credentials, aliases, uniqueness, foreign keys, patches."""

from __future__ import annotations

import base64
import hashlib

import pytest

from tests.sandbox.stalwart.conftest import STRONG, Jmap

NEW_PASSWORD = "Quiet-Meadow-58-river"


def user(domain: str, name: str = "alice", **extra: object) -> dict[str, object]:
    return {"@type": "User", "name": name, "domainId": domain, **extra}


def with_password(domain: str, name: str = "alice", secret: str = STRONG) -> dict[str, object]:
    return user(domain, name, credentials={"0": {"@type": "Password", "secret": secret}})


def refused(jmap: Jmap, value: dict[str, object]) -> dict[str, object]:
    result = jmap.one("x:Account/set", {"create": {"u": value}})
    assert "u" in result.get("notCreated", {}), result
    error: dict[str, object] = result["notCreated"]["u"]
    return error


def test_user_reads_back_like_the_live_server(jmap: Jmap, domain: str) -> None:
    ident = jmap.create(
        "Account",
        user(domain, "pizza", description="PIZZA!", quotas={"maxDiskQuota": 15000}),
    )
    entry = jmap.get("Account", ident)
    created_at = entry.pop("createdAt")
    assert created_at.endswith("Z")
    assert entry == {
        "name": "pizza",
        "domainId": domain,
        "credentials": {},
        "memberGroupIds": {},
        "memberTenantId": None,
        "roles": {"@type": "User"},
        "permissions": {"@type": "Inherit"},
        "quotas": {"maxDiskQuota": 15000},
        "aliases": {},
        "description": "PIZZA!",
        "locale": "en_US",
        "timeZone": None,
        "encryptionAtRest": {"@type": "Disabled"},
        "@type": "User",
        "usedDiskQuota": 0,
        "emailAddress": "pizza@example.org",
        "id": ident,
    }


def test_password_is_masked_with_a_credential_id(jmap: Jmap, domain: str) -> None:
    ident = jmap.create("Account", with_password(domain))
    credentials = jmap.get("Account", ident, ["credentials"])["credentials"]
    assert credentials == {
        "0": {
            "credentialId": "a",
            "secret": "****",
            "expiresAt": None,
            "allowedIps": {},
            "@type": "Password",
        }
    }
    assert (
        STRONG
        not in jmap.client.post(
            "/jmap",
            json={"using": [], "methodCalls": [["x:Account/get", {}, "g"]]},
            headers=jmap.auth,
        ).text
    )


@pytest.mark.parametrize(
    ("secret", "description"),
    [
        ("12345", "Password must be at least 8 characters long."),
        (
            "12345678",
            "Password is too weak. This is a top-10 common password. "
            "Add another word or two. Uncommon words are better.",
        ),
    ],
)
def test_weak_passwords_are_refused(jmap: Jmap, domain: str, secret: str, description: str) -> None:
    assert refused(jmap, with_password(domain, secret=secret)) == {
        "type": "invalidProperties",
        "description": description,
        "properties": ["secret"],
    }


@pytest.mark.parametrize("variant", ["AppPassword", "ApiKey"])
def test_secondary_credentials_cannot_be_set(jmap: Jmap, domain: str, variant: str) -> None:
    value = user(domain, credentials={"0": {"@type": variant, "description": "x"}})
    assert refused(jmap, value) == {
        "type": "invalidProperties",
        "description": "Secondary credentials cannot be set directly.",
        "properties": ["credentials"],
    }


def test_one_password_only(jmap: Jmap, domain: str) -> None:
    two = {
        "0": {"@type": "Password", "secret": STRONG},
        "1": {"@type": "Password", "secret": STRONG},
    }
    assert refused(jmap, user(domain, credentials=two))["description"] == (
        "Only one password credential is allowed."
    )
    ident = jmap.create("Account", with_password(domain))
    extra = jmap.update(
        "Account", ident, {"credentials/1": {"@type": "Password", "secret": STRONG}}
    )
    assert extra["notUpdated"][ident]["description"] == "Only one password credential is allowed."


def test_prehashed_secrets_are_stored_as_given(jmap: Jmap, domain: str) -> None:
    salt = b"NaCl1234"
    digest = hashlib.sha1(b"weak" + salt).digest()
    ssha = "{SSHA}" + base64.b64encode(digest + salt).decode()
    ident = jmap.create("Account", with_password(domain, secret=ssha))
    assert ident
    session = jmap.client.get(
        "/jmap/session", headers=jmap.as_user("alice@example.org", "weak").auth
    )
    assert session.status_code == 200
    argon = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
    jmap.create("Account", with_password(domain, name="bob", secret=argon))


def login_status(jmap: Jmap, login: str, password: str) -> int:
    return jmap.client.get("/jmap/session", headers=jmap.as_user(login, password).auth).status_code


def test_admin_password_reset(jmap: Jmap, domain: str) -> None:
    ident = jmap.create("Account", with_password(domain))
    weak = jmap.update("Account", ident, {"credentials/0/secret": "12345"})
    assert weak["notUpdated"][ident] == {
        "type": "invalidProperties",
        "description": "Password must be at least 8 characters long.",
        "properties": ["secret"],
    }
    assert jmap.update("Account", ident, {"credentials/0/secret": NEW_PASSWORD})["updated"] == {
        ident: None
    }
    assert login_status(jmap, "alice@example.org", STRONG) == 401
    assert login_status(jmap, "alice@example.org", NEW_PASSWORD) == 200


def test_masked_secret_in_an_update_keeps_the_password(jmap: Jmap, domain: str) -> None:
    ident = jmap.create("Account", with_password(domain))
    assert jmap.update("Account", ident, {"credentials/0/secret": "****"})["updated"] == {
        ident: None
    }
    assert login_status(jmap, "alice@example.org", STRONG) == 200


def test_whole_credential_replacement_gets_a_new_id(jmap: Jmap, domain: str) -> None:
    ident = jmap.create("Account", user(domain))
    replaced = jmap.update(
        "Account", ident, {"credentials/0": {"@type": "Password", "secret": NEW_PASSWORD}}
    )
    assert replaced["updated"] == {ident: None}
    assert jmap.get("Account", ident, ["credentials"])["credentials"]["0"]["credentialId"] == "b"
    assert login_status(jmap, "alice@example.org", NEW_PASSWORD) == 200
    echoed = jmap.update(
        "Account",
        ident,
        {"credentials": {"0": {"@type": "Password", "credentialId": "a", "secret": "****"}}},
    )
    assert echoed["notUpdated"][ident] == {
        "type": "invalidPatch",
        "description": "Cannot modify server set property",
        "properties": ["credentials/credentialId"],
    }


def test_account_type_is_fixed_and_required(jmap: Jmap, domain: str) -> None:
    ident = jmap.create("Account", user(domain))
    changed = jmap.update("Account", ident, {"@type": "Group", "name": "alice", "domainId": domain})
    assert changed["notUpdated"][ident] == {
        "type": "invalidProperties",
        "description": "Cannot change the type of an existing account.",
        "properties": ["@type"],
    }
    same = jmap.update("Account", ident, {"@type": "User", "description": "Alice"})
    assert same["updated"] == {ident: None}
    assert refused(jmap, {"name": "bob", "domainId": domain}) == {
        "type": "invalidPatch",
        "description": "Missing or invalid '@type' property in object",
    }


@pytest.mark.parametrize("prop", ["emailAddress", "createdAt", "usedDiskQuota", "id"])
def test_server_set_properties_are_refused(jmap: Jmap, domain: str, prop: str) -> None:
    assert refused(jmap, user(domain, **{prop: "x"})) == {
        "type": "invalidPatch",
        "description": "Cannot modify server set property",
        "properties": [prop],
    }


def test_required_properties(jmap: Jmap) -> None:
    assert refused(jmap, {"@type": "User"}) == {
        "type": "validationFailed",
        "validationErrors": [
            {"type": "Required", "property": "name"},
            {"type": "Required", "property": "domainId"},
        ],
    }


def test_local_parts_are_sanitised_or_refused(jmap: Jmap, domain: str) -> None:
    alias = {"0": {"name": "inva..lid", "domainId": domain, "enabled": True}}
    assert refused(jmap, user(domain, "!invalid", aliases=alias)) == {
        "type": "invalidPatch",
        "description": "Invalid email local part",
        "properties": ["aliases/name"],
    }
    assert refused(jmap, user(domain, "a..b"))["properties"] == ["name"]
    ident = jmap.create("Account", user(domain, " John Doe"))
    assert jmap.get("Account", ident, ["name", "emailAddress"])["emailAddress"] == (
        "johndoe@example.org"
    )


def test_empty_strings_are_invalid_but_null_clears(jmap: Jmap, domain: str) -> None:
    ident = jmap.create("Account", user(domain, description="Alice"))
    empty = jmap.update("Account", ident, {"description": ""})
    assert empty["notUpdated"][ident] == {
        "type": "invalidPatch",
        "description": "Invalid value for property.",
        "properties": ["description"],
    }
    jmap.update("Account", ident, {"description": None})
    assert jmap.get("Account", ident, ["description"])["description"] is None
    unknown = jmap.update("Account", ident, {"nickname": "x"})
    assert unknown["notUpdated"][ident]["description"] == "Invalid property"


def test_addresses_are_unique_across_accounts_lists_and_aliases(jmap: Jmap, domain: str) -> None:
    alias = {"0": {"name": "jdoe", "domainId": domain, "enabled": True}}
    john = jmap.create("Account", user(domain, "johndoe", aliases=alias))
    expected = {
        "type": "primaryKeyViolation",
        "properties": ["email"],
        "objectId": {"object": "Account", "id": john},
    }
    assert refused(jmap, user(domain, "johndoe")) == expected
    assert refused(jmap, user(domain, "jdoe")) == expected
    assert refused(jmap, {"@type": "Group", "name": "jdoe", "domainId": domain}) == expected
    taken = jmap.one("x:MailingList/set", {"create": {"l": {"name": "jdoe", "domainId": domain}}})
    assert taken["notCreated"]["l"] == expected
    other = jmap.create("Account", user(domain, "mary"))
    clash = jmap.update("Account", other, {"aliases/0": {"name": "johndoe", "domainId": domain}})
    assert clash["notUpdated"][other] == expected


def test_foreign_keys(jmap: Jmap, domain: str) -> None:
    assert refused(jmap, user("zz")) == {
        "type": "invalidForeignKey",
        "objectId": {"object": "Domain", "id": "zz"},
    }
    alice = jmap.create("Account", user(domain))
    group = jmap.create("Account", {"@type": "Group", "name": "staff", "domainId": domain})
    assert jmap.update("Account", alice, {"memberGroupIds": {group: True}})["updated"] == {
        alice: None
    }
    bob = jmap.create("Account", user(domain, "bob"))
    not_a_group = jmap.update("Account", alice, {"memberGroupIds": {bob: True}})
    assert not_a_group["notUpdated"][alice] == {
        "type": "invalidForeignKey",
        "objectId": {"object": "Account", "id": bob},
    }
    members = jmap.one("x:Account/query", {"filter": {"memberGroupIds": group}})["ids"]
    assert members == [alice]
    blocked = jmap.destroy("Account", group)["notDestroyed"][group]
    assert blocked["linkedObjects"] == [{"object": "Account", "id": alice}]
    jmap.update("Account", alice, {f"memberGroupIds/{group}": False})
    assert jmap.destroy("Account", group)["destroyed"] == [group]


def test_aliases_are_a_list_renumbered_on_write(jmap: Jmap, domain: str) -> None:
    ident = jmap.create("Account", user(domain))
    jmap.update("Account", ident, {"aliases/0": {"name": "al", "domainId": domain}})
    jmap.update("Account", ident, {"aliases/1": {"name": "ally", "domainId": domain}})
    aliases = jmap.get("Account", ident, ["aliases"])["aliases"]
    assert aliases == {
        "0": {"enabled": True, "name": "al", "domainId": domain, "description": None},
        "1": {"enabled": True, "name": "ally", "domainId": domain, "description": None},
    }
    jmap.update("Account", ident, {"aliases/0": None})
    assert jmap.get("Account", ident, ["aliases"])["aliases"] == {
        "0": {"enabled": True, "name": "ally", "domainId": domain, "description": None}
    }
    gone = jmap.update("Account", ident, {"aliases/5": None})
    assert gone["notUpdated"][ident] == {
        "type": "invalidPatch",
        "description": "Invalid value for object property",
        "properties": ["aliases/5"],
    }
    jmap.update("Account", ident, {"aliases/0/enabled": False})
    assert jmap.get("Account", ident, ["aliases"])["aliases"]["0"]["enabled"] is False
    freed = jmap.create("Account", user(domain, "al"))
    assert freed


def test_quotas_and_enums(jmap: Jmap, domain: str) -> None:
    ident = jmap.create("Account", user(domain, quotas={"maxDiskQuota": 1024, "maxEmails": 100}))
    jmap.update("Account", ident, {"quotas/maxDiskQuota": 2048})
    assert jmap.get("Account", ident, ["quotas"])["quotas"] == {
        "maxDiskQuota": 2048,
        "maxEmails": 100,
    }
    bad = jmap.update("Account", ident, {"quotas": {"maxBananas": 1}})
    assert bad["notUpdated"][ident]["description"] == "Invalid key for object property"
    negative = jmap.update("Account", ident, {"quotas/maxEmails": -1})
    assert negative["notUpdated"][ident]["properties"] == ["quotas/maxEmails"]


def test_email_address_follows_the_domain(jmap: Jmap, domain: str) -> None:
    ident = jmap.create("Account", user(domain))
    jmap.update("Domain", domain, {"name": "example.net"})
    assert jmap.get("Account", ident, ["emailAddress"])["emailAddress"] == "alice@example.net"


def test_account_queries(jmap: Jmap, domain: str) -> None:
    other = jmap.create("Domain", {"name": "example.net", "dkimManagement": {"@type": "Manual"}})
    alice = jmap.create("Account", user(domain, description="John 'Johnny-D' Doe"))
    bob = jmap.create("Account", user(other, "alice"))
    group = jmap.create("Account", {"@type": "Group", "name": "team", "domainId": domain})
    query = jmap.one("x:Account/query", {"filter": {"name": "alice", "domainId": domain}})
    assert query["ids"] == [alice]
    assert jmap.one("x:Account/query", {"filter": {"@type": "Group"}})["ids"] == [group]
    text = jmap.one(
        "x:Account/query", {"filter": {"name": "alice", "@type": "User", "text": "johnny"}}
    )
    assert text["ids"] == [alice]
    by_name = jmap.one("x:Account/query", {"sort": [{"property": "name"}]})["ids"]
    assert by_name == [alice, bob, group]
    assert jmap.one("x:Account/query", {})["ids"] == [group, bob, alice]
    email = jmap.call(["x:Account/query", {"filter": {"emailAddress": "alice@example.org"}}, "q"])
    assert email[0][1] == {
        "type": "unsupportedFilter",
        "description": "Filter on property emailAddress is not supported or invalid",
    }
    either = jmap.call(
        ["x:Account/query", {"filter": {"operator": "OR", "conditions": [{"name": "a"}]}}, "q"]
    )
    assert either[0][1] == {
        "type": "unsupportedFilter",
        "description": "Only AND is supported in filters",
    }
    both = jmap.one(
        "x:Account/query",
        {"filter": {"operator": "AND", "conditions": [{"name": "alice"}, {"domainId": other}]}},
    )
    assert both["ids"] == [bob]

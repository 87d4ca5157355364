"""Replays of every capture in ``../shared/reference/stalwart-captures`` (live server dumps and
Stalwart's own test assertions) against the emulator.

Live captures are compared whole, generated ids, timestamps and key material checked for
shape only. Test-derived captures (``test-*``) are subset-matched, as they hold only what the
upstream test asserted. The emulator is set up as the captured server was: host name
``localhost``, public URL ``https://localhost``, the recovery admin ``d333333``; Stalwart's
harness authenticates as an admin account, here the admin token is used, and it sends no
``Content-Type``, which the replays reproduce.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from dezkysync.sandbox.stalwart import StalwartEmulator
from dezkysync.sandbox.stalwart.dkim import generate_private_key
from tests.sandbox.stalwart.capture_replay import (
    UTC_DATETIME,
    WIRE_ID,
    all_capture_names,
    capture,
    fill,
    match,
)
from tests.sandbox.stalwart.conftest import STRONG, TOKEN, FakeClock, Jmap, basic, make_user

pytestmark = pytest.mark.contract

CAPTURED_AT = datetime(2026, 7, 8, 20, 45, 29, tzinfo=UTC).timestamp()
ADMIN = "d333333"

NOT_REPLAYABLE = {
    "live-apppassword-set-create.secret-scrubbed.args.json": "x:AppPassword is not emulated",
    "live-apppassword-set-destroy-notFound.args.json": "x:AppPassword is not emulated",
    "live-identity-get-standard-jmap.args.json": "Identity/get (RFC 8621) is not emulated",
    "live-requests.reconstructed.json": "requests only; used by the live replays",
    "test-role-disabledPermissions-then-forbidden.json": "x:Role is not emulated",
    "test-objectIsLinked-role.json": "x:Role is not emulated",
    "test-notFound-foreign-object.json": "x:PublicKey is not emulated",
}


class Env:
    """An emulator set up like the captured server, and admin/raw clients on it."""

    def __init__(self, clock: FakeClock, emulator: StalwartEmulator, client: httpx.Client) -> None:
        self.clock = clock
        self.emulator = emulator
        self.client = client
        self.jmap = Jmap(client)
        self.bindings: dict[str, Any] = {"<admin accountId>": ADMIN}

    def send(
        self, request: dict[str, Any], *, auth: dict[str, str] | None = None
    ) -> httpx.Response:
        """POST a capture's request body as Stalwart's harness does (no Content-Type)."""
        body = json.dumps(fill(request["json"], self.bindings)).encode()
        return self.client.post("/jmap", content=body, headers=auth or self.jmap.auth)

    def step(self, step: dict[str, Any], *, auth: dict[str, str] | None = None) -> Any:
        """Send one captured request and subset-match its captured response."""
        response = self.send(step["request"], auth=auth)
        expected = step["response"]
        if isinstance(expected["status"], int):
            assert response.status_code == expected["status"], response.text
        if expected.get("json") is not None:
            match(expected["json"], response.json(), self.bindings)
        return response

    def domain(self, name: str, **extra: Any) -> str:
        return self.jmap.create("Domain", {"name": name, **extra})

    def manual_domain(self, name: str) -> str:
        return self.domain(name, dkimManagement={"@type": "Manual"})

    def password_user(self) -> str:
        """Create ``user@example.org`` (in a new manual-DKIM domain) with the password
        :data:`STRONG`; its id."""
        return make_user(self.jmap, self.manual_domain("example.org"), "user")


@pytest.fixture
def env() -> Iterator[Env]:
    clock = FakeClock(CAPTURED_AT)
    emulator = StalwartEmulator(
        token=TOKEN, clock=clock, hostname="localhost", public_url="https://localhost"
    )
    with httpx.Client(transport=httpx.WSGITransport(app=emulator), base_url="http://s") as client:
        yield Env(clock, emulator, client)


def reconstructed(name: str) -> dict[str, Any]:
    requests: dict[str, Any] = capture("live-requests.reconstructed.json")["requests"]
    entry: dict[str, Any] = requests[name]
    return entry


def live_body(name: str, **placeholders: Any) -> dict[str, Any]:
    """The reconstructed request body of a live capture, placeholders filled."""
    body = json.dumps(reconstructed(name)["request"]["json"])
    for key, value in placeholders.items():
        body = body.replace(json.dumps(key), json.dumps(value))
    loaded: dict[str, Any] = json.loads(body)
    return loaded


def call(env: Env, body: dict[str, Any], index: int = 0) -> Any:
    response = env.jmap.post(body)
    assert response.status_code == 200, response.text
    return response.json()["methodResponses"][index][1]


def assert_id(value: Any) -> None:
    assert isinstance(value, str) and WIRE_ID.match(value), value


def assert_snowflake(value: Any) -> None:
    assert isinstance(value, str) and len(value) == 12 and value.startswith("i"), value


# -- bookkeeping ------------------------------------------------------------------------------
def test_every_capture_is_replayed_or_explained() -> None:
    known = set(REPLAYS) | set(NOT_REPLAYABLE)
    assert all_capture_names() == known


# -- live captures ----------------------------------------------------------------------------
def replay_session(env: Env) -> None:
    expected = capture("live-session-get.json")
    actual = env.client.get("/jmap/session", headers=env.jmap.auth).json()
    assert re.fullmatch(r"[0-9a-f]+", actual.pop("state"))
    expected = dict(expected)
    expected.pop("state")
    assert actual == expected


def replay_domain_get_with_zone(env: Env) -> None:
    expected = capture("live-domain-get-with-dnsZoneFile.args.json")
    ident = env.domain("example.org")
    env.clock.advance(1)
    for selector, algorithm in (("tm2", "Dkim1Ed25519Sha256"), ("tm1", "Dkim1RsaSha256")):
        env.jmap.create("DkimSignature", manual_key(ident, selector, algorithm, "pending"))
    body = live_body("live-domain-get-with-dnsZoneFile.args.json")
    actual = call(env, body, 1)
    entry, wanted = actual["list"][0], expected["list"][0]
    assert UTC_DATETIME.match(entry.pop("createdAt")) and wanted.pop("createdAt")
    zone, wanted_zone = entry.pop("dnsZoneFile"), wanted.pop("dnsZoneFile")
    assert masked_zone(zone) == masked_zone(wanted_zone)
    assert rsa_chunk_lengths(zone) == rsa_chunk_lengths(wanted_zone)
    assert actual == expected


def manual_key(domain: str, selector: str, algorithm: str, stage: str) -> dict[str, Any]:
    pem = generate_private_key(algorithm, selector.encode())
    return {
        "@type": algorithm,
        "selector": selector,
        "domainId": domain,
        "stage": stage,
        "privateKey": {"@type": "Text", "secret": pem},
    }


def masked_zone(text: str) -> list[str]:
    masked = []
    for line in text.splitlines():
        line = re.sub(r"p=[A-Za-z0-9+/=]+", "p=<key>", line)
        line = re.sub(r'^    "[A-Za-z0-9+/=]+"$', '    "<key>"', line)
        line = re.sub(r"id=\d+", "id=<policy>", line)
        line = re.sub(r"d=[A-Za-z0-9+/=]+\"", 'd=<digest>"', line)
        line = re.sub(r"-\d{8}\._domainkey", "-<date>._domainkey", line)
        masked.append(line)
    return masked


def rsa_chunk_lengths(text: str) -> list[int]:
    return [len(m) for m in re.findall(r'^    "([^"]*)"$', text, flags=re.MULTILINE)]


def replay_domain_set_create(env: Env) -> None:
    expected = capture("live-domain-set-create.args.json")
    [client_id] = expected["created"]
    body = live_body(
        "live-domain-set-create.args.json",
        **{"<uuid4>": client_id, "<domain>": "example.net", "<text or null>": None},
    )
    actual = call(env, body)
    assert_id(actual["created"][client_id]["id"])
    actual["created"][client_id]["id"] = expected["created"][client_id]["id"]
    assert actual == expected


def replay_domain_destroy_linked(env: Env) -> None:
    expected = capture("live-domain-set-destroy-objectIsLinked-by-dkim.args.json")
    ident = env.domain("example.org")
    env.clock.advance(1)
    actual = env.jmap.destroy("Domain", ident)
    error = actual["notDestroyed"][ident]
    assert error["objectId"] == {"object": "Domain", "id": ident}
    linked = [entry["id"] for entry in error["linkedObjects"]]
    assert len(linked) == 2 and linked == sorted(linked, key=_id_number)
    for entry in linked:
        assert_snowflake(entry)
    wanted = expected["notDestroyed"]["d"]
    assert list(error) == list(wanted)
    assert [e["object"] for e in error["linkedObjects"]] == ["DkimSignature", "DkimSignature"]


def _id_number(text: str) -> int:
    from dezkysync.sandbox.stalwart.ids import decode_id

    number = decode_id(text)
    assert number is not None
    return number


def replay_unknown_method(name: str) -> Callable[[Env], None]:
    def replay(env: Env) -> None:
        expected = capture(name)
        body = live_body(name, **{"<domain id>": "b", "<dkim ids>": "b"})
        response = env.jmap.post(body).json()
        [[kind, actual, call_id]] = response["methodResponses"]
        assert kind == "error" and call_id == "0"
        assert actual == expected

    return replay


def replay_dkim_query(env: Env) -> None:
    expected = capture("live-dkimsignature-query-by-domainId.args.json")
    ident = env.domain("example.org")
    env.clock.advance(1)
    actual = env.jmap.one("x:DkimSignature/query", {"filter": {"domainId": ident}})
    assert list(actual) == list(expected)
    for entry in actual["ids"]:
        assert_snowflake(entry)
    assert actual["ids"] == sorted(actual["ids"], key=_id_number, reverse=True)
    actual["ids"] = expected["ids"] = []
    assert actual == expected


def replay_dkim_get(env: Env) -> None:
    expected = capture("live-dkimsignature-get.args.json")
    ident = env.domain("example.org")
    env.clock.advance(1)
    body = live_body("live-dkimsignature-get.args.json", **{"<domain id>": ident})
    actual = call(env, body, 1)
    entries = [e for e in actual["list"] if e["@type"] == "Dkim1Ed25519Sha256"]
    assert len(entries) == 1
    entry, wanted = entries[0], expected["list"][0]
    assert re.fullmatch(r"v1-ed25519-\d{8}", entry["selector"])
    assert UTC_DATETIME.match(entry["createdAt"])
    assert len(base64.b64decode(entry["publicKey"])) == 32
    assert_snowflake(entry["id"])
    assert entry["domainId"] == ident
    for key in ("selector", "createdAt", "publicKey", "id", "domainId"):
        entry[key] = wanted[key]
    assert list(entry) == list(wanted)
    assert entry == wanted


def replay_dkim_set_create(env: Env) -> None:
    expected = capture("live-dkimsignature-set-create.args.json")
    [client_id] = expected["created"]
    ident = env.manual_domain("example.org")
    value = manual_key(ident, "tm2", "Dkim1Ed25519Sha256", "pending")
    actual = env.jmap.one("x:DkimSignature/set", {"accountId": ADMIN, "create": {client_id: value}})
    assert_snowflake(actual["created"][client_id]["id"])
    actual["created"][client_id]["id"] = expected["created"][client_id]["id"]
    assert actual == expected


def create_pizza(env: Env) -> tuple[str, str, dict[str, Any]]:
    ident = env.manual_domain("example.org")
    created = capture("live-account-set-create.args.json")
    [client_id] = created["created"]
    body = live_body("live-account-set-create.args.json", **{"<uuid4>": client_id})
    result = call(env, body)
    return ident, client_id, result


def replay_account_set_create(env: Env) -> None:
    expected = capture("live-account-set-create.args.json")
    _, client_id, actual = create_pizza(env)
    assert_id(actual["created"][client_id]["id"])
    actual["created"][client_id]["id"] = expected["created"][client_id]["id"]
    assert actual == expected


def replay_account_get(env: Env) -> None:
    expected = capture("live-account-get.args.json")
    domain, _, _ = create_pizza(env)
    assert domain == "b"  # the capture's domain id: the first domain of the server
    actual = call(env, live_body("live-account-get.args.json"), 1)
    entry, wanted = actual["list"][0], expected["list"][0]
    assert UTC_DATETIME.match(entry["createdAt"])
    assert_id(entry["id"])
    for key in ("createdAt", "id"):
        entry[key] = wanted[key]
    assert list(entry) == list(wanted)
    assert actual == expected


def replay_account_update(env: Env) -> None:
    expected = capture("live-account-set-update.updated-value-only.json")
    _, client_id, created = create_pizza(env)
    ident = created["created"][client_id]["id"]
    actual = env.jmap.update("Account", ident, {"quotas": {"maxDiskQuota": 20000}})
    assert actual["updated"] == {ident: None}
    assert list(expected.values()) == [None]


def replay_account_destroy(env: Env) -> None:
    expected = capture("live-account-set-destroy.destroyed-value-only.json")
    _, client_id, created = create_pizza(env)
    ident = created["created"][client_id]["id"]
    actual = env.jmap.destroy("Account", ident)
    assert actual["destroyed"] == [ident] and len(expected) == 1


def replay_account_aliases(env: Env) -> None:
    expected = capture("live-account-get-aliases-property.args.json")
    first = env.manual_domain("example.org")
    second = env.manual_domain("pizza.lol")
    ident = env.jmap.create(
        "Account",
        {
            "@type": "User",
            "name": "coffee",
            "domainId": first,
            "aliases": {"0": {"name": "ham", "domainId": second, "enabled": True}},
        },
    )
    assert (ident, second) == ("b", "c")
    actual = env.jmap.one("x:Account/get", {"ids": [ident], "properties": ["aliases"]})
    assert actual == expected


def replay_domain_query(env: Env) -> None:
    expected = capture("live-domain-query-by-name.client-wrapped.json")["_"][0]
    env.manual_domain("example.org")
    body = live_body("live-domain-query-by-name.client-wrapped.json", **{"<domain>": "example.org"})
    assert call(env, body) == expected


def replay_admin_docstring(env: Env) -> None:
    expected = capture("docstring-account-get-admin-with-password-credential.json")
    wanted = expected["response"]["json"]["list_entry"]
    domain = env.manual_domain("example.org")
    ident = env.jmap.create(
        "Account",
        {
            "@type": "User",
            "name": "admin",
            "domainId": domain,
            "description": "System administrator",
            "roles": {"@type": "Admin"},
            "credentials": {"0": {"@type": "Password", "secret": STRONG}},
        },
    )
    entry = env.jmap.get("Account", ident)
    assert UTC_DATETIME.match(entry["createdAt"])
    entry["createdAt"] = wanted["createdAt"]
    assert entry == wanted


# -- test-derived captures --------------------------------------------------------------------
def replay_test_domain_create(env: Env) -> None:
    data = capture("test-domain-set-create.json")
    env.step(data)
    ident = env.bindings["<new domain id>"]
    domain = env.jmap.get("Domain", ident, ["name", "aliases", "catchAllAddress"])
    assert domain["aliases"] == {"beispiel.de": True}
    assert domain["catchAllAddress"] == "catchy@example.com"


def replay_test_domain_duplicates(env: Env) -> None:
    data = capture("test-domain-set-create-primaryKeyViolation.json")
    env.jmap.create(
        "Domain",
        {
            "name": "example.com",
            "aliases": {"beispiel.de": True},
            "dkimManagement": {"@type": "Manual"},
        },
    )
    env.step(data)
    for variant in data["variants_asserted_same_type"]:
        result = env.jmap.one("x:Domain/set", {"create": {"i0": variant["create.i0"]}})
        assert result["notCreated"]["i0"]["type"] == "primaryKeyViolation", variant["why"]


def replay_test_domain_destroy(env: Env) -> None:
    data = capture("test-domain-set-destroy.json")
    env.bindings["<domain_id>"] = env.manual_domain("example.com")
    env.bindings["<domain_2_id>"] = env.manual_domain("example.net")
    env.step(data)


def replay_test_dkim_destroy_all(env: Env) -> None:
    data = capture("test-dkimsignature-get-all-destroy-all-then-domain.json")
    management = {
        "@type": "Automatic",
        "selectorTemplate": "dummy-v{version}-{algorithm}-{epoch}",
        "rotateAfter": 2000,
    }
    env.bindings["<domain_id>"] = env.domain("dkim.org", dkimManagement=management)
    env.clock.advance(1)
    listing, destroy_all, destroy_domain = data["steps"]
    response = env.send(listing["request"])
    keys = response.json()["methodResponses"][0][1]["list"]
    assert sorted(k["@type"] for k in keys) == ["Dkim1Ed25519Sha256", "Dkim1RsaSha256"]
    epoch = str(int(CAPTURED_AT))
    assert {k["selector"] for k in keys} == {f"dummy-v1-rsa-{epoch}", f"dummy-v1-ed25519-{epoch}"}
    assert all(k["stage"] == "active" for k in keys)
    removed = env.send(destroy_all["request"]).json()["methodResponses"][1][1]
    assert sorted(removed["destroyed"]) == sorted(k["id"] for k in keys)
    env.step(destroy_domain)


def replay_test_create_with_password(env: Env) -> None:
    data = capture("test-account-set-create-with-password.json")
    env.bindings["<id of example.org>"] = env.manual_domain("example.org")
    env.step(data)
    secret = data["request"]["json"]["methodCalls"][0][1]["create"]["i0"]["credentials"]["0"][
        "secret"
    ]
    assert session_status(env, "user@example.org", secret) == 200
    assert session_status(env, "user@example.org", "wrong password") == 401


def session_status(env: Env, login: str, password: str) -> int:
    return env.client.get("/jmap/session", headers=basic(login, password)).status_code


def replay_test_stress_script(env: Env) -> None:
    data = capture("test-account-set-create-stress-script.json")
    env.manual_domain("example.org")
    session = env.client.get("/jmap/session", headers=env.jmap.auth).json()
    env.bindings.update(
        {
            "<primaryAccounts['urn:ietf:params:jmap:mail']>": session["primaryAccounts"][
                "urn:ietf:params:jmap:mail"
            ],
            "<same>": session["primaryAccounts"]["urn:ietf:params:jmap:mail"],
            "<domain>": "example.org",
            "<secret>": STRONG,
        }
    )
    resolve, create, invalidate = data["steps"]
    found = env.send(resolve["request"]).json()["methodResponses"][1][1]["list"]
    env.bindings["<domain id>"] = next(d["id"] for d in found if d["name"] == "example.org")
    body = json.loads(json.dumps(create["request"]["json"]).replace("<prefix><n>", "stress1"))
    created = env.send({"json": body}).json()["methodResponses"][0]
    assert created[0] == "x:Account/set" and "a" in created[1]["created"]
    done = env.send(invalidate["request"]).json()["methodResponses"][0]
    assert done[0] == "x:Action/set" and "c" in done[1]["created"]


def replay_test_weak_passwords(env: Env) -> None:
    data = capture("test-account-set-create-weak-password-invalidProperties.json")
    env.bindings["<id of example.org>"] = env.manual_domain("example.org")
    env.step(data)
    base = data["request"]["json"]["methodCalls"][0][1]["create"]["i0"]
    for variant in data["variants_asserted"]:
        value = fill(dict(base), env.bindings)
        if "secret" in variant:
            value["credentials"] = {"0": {"@type": "Password", "secret": variant["secret"]}}
        else:
            value["credentials"] = variant["credentials"]
        result = env.jmap.one("x:Account/set", {"create": {"i0": value}})
        error = result["notCreated"]["i0"]
        assert error["type"] == variant["type"]
        assert variant["description_contains"] in error["description"]


def replay_test_reset_password(env: Env) -> None:
    data = capture("test-account-set-update-credentials-secret.json")
    ident = env.password_user()
    env.bindings.update({"<user id>": ident, "<john id>": ident})
    weak, strong, expiry, whole = data["steps"]
    env.step(weak)
    env.step(strong)
    assert session_status(env, "user@example.org", STRONG) == 401
    assert session_status(env, "user@example.org", "very strong password indeed") == 200
    soon = datetime.fromtimestamp(env.clock() + 2, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    env.bindings["<UTCDateTime: now + 2 s>"] = soon
    env.step(expiry)
    env.clock.advance(3)
    user = basic("user@example.org", "very strong password indeed")
    expired = env.client.post(
        "/jmap",
        json={"using": [], "methodCalls": [["x:PublicKey/query", {}, "0"]]},
        headers=user,
    )
    assert expired.json()["methodResponses"][0][1]["type"] == "forbidden"
    env.step(whole)
    assert session_status(env, "user@example.org", "brand new secret") == 200


def replay_test_permissions_merge(env: Env) -> None:
    data = capture("test-account-set-update-permissions-merge.json")
    ident = env.password_user()
    env.bindings.update({"<user id>": ident, "<user accountId>": ident, "<blobId>": "blob"})
    denied, merge, allowed = data["steps"]
    user = basic("user@example.org", STRONG)
    env.step(denied, auth=user)
    env.step(merge)
    # x:SpamTrainingSample is not emulated: the call now passes the permission check.
    after = env.send(allowed["request"], auth=user).json()["methodResponses"][0][1]
    assert after == {
        "type": "unknownMethod",
        "description": "x:SpamTrainingSample/set (not emulated)",
    }


def replay_test_account_duplicates(env: Env) -> None:
    data = capture("test-account-set-create-primaryKeyViolation-and-invalidPatch.json")
    env.bindings["<example.com id>"] = env.manual_domain("example.com")
    invalid, valid, duplicate = data["steps"]
    env.step(invalid)
    env.step(valid)
    account = env.jmap.get("Account", env.bindings["<account id>"], ["emailAddress", "aliases"])
    assert account["emailAddress"] == "johndoe@example.com"
    assert account["aliases"]["0"]["name"] == "jdoe"
    env.step(duplicate)
    for variant in data["variants_asserted_same_type"]:
        value = {**variant, "domainId": env.bindings["<example.com id>"]}
        result = env.jmap.one("x:Account/set", {"create": {"i0": value}})
        assert result["notCreated"]["i0"]["type"] == "primaryKeyViolation"


def replay_test_member_groups(env: Env) -> None:
    data = capture("test-account-update-memberGroupIds-invalidForeignKey.json")
    domain = env.manual_domain("example.org")
    user = env.jmap.create("Account", {"@type": "User", "name": "john", "domainId": domain})
    group = env.jmap.create("Account", {"@type": "Group", "name": "sales", "domainId": domain})
    env.bindings.update({"<user id>": user, "<group id>": group, "<user id (not a group)>": user})
    for step in data["steps"]:
        env.step(step)
    assert env.jmap.get("Account", user, ["memberGroupIds"])["memberGroupIds"] == {}


def replay_test_mailing_list(env: Env) -> None:
    data = capture("test-mailinglist-create-update-destroy.json")
    domain = env.manual_domain("example.com")
    env.bindings["<example.com id>"] = domain
    env.jmap.create(
        "Account",
        {
            "@type": "User",
            "name": "johndoe",
            "domainId": domain,
            "aliases": {"0": {"name": "jdoe", "domainId": domain}},
        },
    )
    create, add, clash, destroy = data["steps"]
    env.step(create)
    env.step(add)
    recipients = env.jmap.get("MailingList", env.bindings["<list id>"], ["recipients"])
    assert recipients["recipients"] == {"jdoe@example.com": True, "sales@example.com": True}
    env.step(clash)
    env.step(destroy)


def replay_test_queries(env: Env) -> None:
    data = capture("test-query-domain-and-account.json")
    domain = env.manual_domain("example.com")
    env.manual_domain("example.net")
    account = env.jmap.create(
        "Account",
        {
            "@type": "User",
            "name": "johndoe",
            "domainId": domain,
            "description": "John 'Johnny-D' Doe",
        },
    )
    env.jmap.create("Account", {"@type": "User", "name": "johndoe", "domainId": "c"})
    env.bindings.update({"<domain_id>": domain, "<account_id>": account})
    for step in data["steps"]:
        response = env.step(step)
        body = response.json()["methodResponses"][0][1]
        assert len(body["ids"]) == 1


def replay_test_forbidden(env: Env) -> None:
    data = capture("test-method-error-forbidden.json")
    ident = env.password_user()
    env.bindings["<user accountId>"] = ident
    user = basic("user@example.org", STRONG)
    user_role, expired = data["steps"]
    env.step(user_role, auth=user)
    soon = datetime.fromtimestamp(env.clock() + 1, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    env.jmap.update("Account", ident, {"credentials/0/expiresAt": soon})
    env.clock.advance(2)
    env.step(expired, auth=user)


def replay_test_request_errors(env: Env) -> None:
    data = capture("test-method-error-unknownMethod-and-request-errors.json")
    for step in data["steps"]:
        request = step["request"]
        headers = {**env.jmap.auth}
        if "Content-Type" in request.get("headers", {}):
            headers["Content-Type"] = request["headers"]["Content-Type"]
        body = json.dumps(request["json"]).encode()
        response = env.client.post("/jmap", content=body, headers=headers)
        expected = step["response"]
        if isinstance(expected["status"], int):
            assert response.status_code == expected["status"]
            match(expected["json"], response.json(), env.bindings)
        else:
            assert 400 <= response.status_code < 500, step["title"]


REPLAYS: dict[str, Callable[[Env], None]] = {
    "live-session-get.json": replay_session,
    "live-domain-get-with-dnsZoneFile.args.json": replay_domain_get_with_zone,
    "live-domain-set-create.args.json": replay_domain_set_create,
    "live-domain-set-destroy-objectIsLinked-by-dkim.args.json": replay_domain_destroy_linked,
    "live-method-error-unknownMethod-x-Domain-set-set.args.json": replay_unknown_method(
        "live-method-error-unknownMethod-x-Domain-set-set.args.json"
    ),
    "live-method-error-unknownMethod-x-DkimSignature-set-set.args.json": replay_unknown_method(
        "live-method-error-unknownMethod-x-DkimSignature-set-set.args.json"
    ),
    "live-dkimsignature-query-by-domainId.args.json": replay_dkim_query,
    "live-dkimsignature-get.args.json": replay_dkim_get,
    "live-dkimsignature-set-create.args.json": replay_dkim_set_create,
    "live-account-get.args.json": replay_account_get,
    "live-account-set-create.args.json": replay_account_set_create,
    "live-account-set-update.updated-value-only.json": replay_account_update,
    "live-account-set-destroy.destroyed-value-only.json": replay_account_destroy,
    "live-account-get-aliases-property.args.json": replay_account_aliases,
    "live-domain-query-by-name.client-wrapped.json": replay_domain_query,
    "docstring-account-get-admin-with-password-credential.json": replay_admin_docstring,
    "test-domain-set-create.json": replay_test_domain_create,
    "test-domain-set-create-primaryKeyViolation.json": replay_test_domain_duplicates,
    "test-domain-set-destroy.json": replay_test_domain_destroy,
    "test-dkimsignature-get-all-destroy-all-then-domain.json": replay_test_dkim_destroy_all,
    "test-account-set-create-with-password.json": replay_test_create_with_password,
    "test-account-set-create-stress-script.json": replay_test_stress_script,
    "test-account-set-create-weak-password-invalidProperties.json": replay_test_weak_passwords,
    "test-account-set-update-credentials-secret.json": replay_test_reset_password,
    "test-account-set-update-permissions-merge.json": replay_test_permissions_merge,
    "test-account-set-create-primaryKeyViolation-and-invalidPatch.json": (
        replay_test_account_duplicates
    ),
    "test-account-update-memberGroupIds-invalidForeignKey.json": replay_test_member_groups,
    "test-mailinglist-create-update-destroy.json": replay_test_mailing_list,
    "test-query-domain-and-account.json": replay_test_queries,
    "test-method-error-forbidden.json": replay_test_forbidden,
    "test-method-error-unknownMethod-and-request-errors.json": replay_test_request_errors,
}


@pytest.mark.parametrize("name", sorted(REPLAYS))
def test_capture_replays(name: str, env: Env) -> None:
    REPLAYS[name](env)

"""Transport: discovery, session, authentication, content types, request-level errors."""

from __future__ import annotations

import json
import re

import httpx

from dezkysync.sandbox.stalwart import StalwartEmulator
from tests.sandbox.stalwart.conftest import TOKEN, USING, Jmap, basic


def test_well_known_redirects_to_the_session_over_a_socket(live: Jmap) -> None:
    response = live.client.get("/.well-known/jmap", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/jmap/session"
    followed = live.client.get("/.well-known/jmap", headers=live.auth, follow_redirects=True)
    assert followed.status_code == 200
    assert followed.json()["primaryAccounts"]["urn:stalwart:jmap"] == "d333333"


def test_session_with_credentials(jmap: Jmap) -> None:
    session = jmap.client.get("/jmap/session", headers=jmap.auth).json()
    assert session["username"] == "admin"
    assert "urn:stalwart:jmap" not in session["capabilities"]
    account = session["accounts"]["d333333"]
    assert account["name"] == "admin"
    assert account["accountCapabilities"]["urn:stalwart:jmap"] == {}
    assert session["primaryAccounts"]["urn:stalwart:jmap"] == "d333333"
    assert session["apiUrl"] == "https://mail.sandbox.test/jmap/"
    assert session["capabilities"]["urn:ietf:params:jmap:core"]["maxObjectsInGet"] == 500
    assert re.fullmatch(r"[0-9a-f]+", session["state"])


def test_session_without_credentials_has_no_accounts(jmap: Jmap) -> None:
    session = jmap.client.get("/jmap/session").json()
    assert session["accounts"] == {} and session["primaryAccounts"] == {}
    assert session["username"] == ""
    assert session["capabilities"]["urn:ietf:params:jmap:websocket"]["url"] == (
        "wss://mail.sandbox.test/jmap/ws"
    )


def test_public_url_builds_the_session_urls() -> None:
    emulator = StalwartEmulator(token=TOKEN, public_url="http://localhost:8080/")
    with httpx.Client(
        transport=httpx.WSGITransport(app=emulator), base_url="http://internal"
    ) as client:
        session = client.get("/jmap/session").json()
    assert session["apiUrl"] == "http://localhost:8080/jmap/"
    assert session["uploadUrl"] == "http://localhost:8080/jmap/upload/{accountId}/"


def test_bad_credentials_get_401_with_both_challenges(jmap: Jmap) -> None:
    for headers in ({"Authorization": "Bearer wrong"}, basic("admin", "x"), {}):
        response = jmap.client.post(
            "/jmap", json={"using": USING, "methodCalls": []}, headers=headers
        )
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        challenges = response.headers.get_list("www-authenticate")
        assert challenges[0].startswith('Bearer realm="Stalwart Server"')
        assert challenges[1] == 'Basic realm="Stalwart Server"'
        assert response.json() == {
            "type": "about:blank",
            "status": 401,
            "title": "Unauthorized",
            "detail": "You have to authenticate first.",
        }
    assert (
        jmap.client.get("/jmap/session", headers={"Authorization": "Bearer no"}).status_code == 401
    )


def test_admin_password_enables_basic_admin() -> None:
    emulator = StalwartEmulator(token=TOKEN, admin_password="recovery-Secret-42")
    with httpx.Client(
        transport=httpx.WSGITransport(app=emulator), base_url="http://stalwart"
    ) as client:
        ok = client.get("/jmap/session", headers=basic("admin", "recovery-Secret-42"))
        bad = client.get("/jmap/session", headers=basic("admin", "nope"))
    assert ok.json()["username"] == "admin"
    assert bad.status_code == 401


def test_both_api_paths_answer_and_others_are_404(jmap: Jmap) -> None:
    body = {"using": USING, "methodCalls": [["Core/echo", {"x": 1}, "e"]]}
    for path in ("/jmap", "/jmap/"):
        response = jmap.client.post(path, json=body, headers=jmap.auth)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        assert response.json()["methodResponses"] == [["Core/echo", {"x": 1}, "e"]]
    missing = jmap.client.get("/api/principal", headers=jmap.auth)
    assert missing.status_code == 404
    assert missing.json()["title"] == "Not Found"
    assert jmap.client.options("/jmap/").status_code == 204


def test_content_type_rules(jmap: Jmap) -> None:
    raw = json.dumps({"using": USING, "methodCalls": []}).encode()
    none = jmap.client.post("/jmap", content=raw, headers=jmap.auth)
    assert none.status_code == 200  # Stalwart's own harness sends no Content-Type
    charset = jmap.client.post(
        "/jmap",
        content=raw,
        headers={**jmap.auth, "Content-Type": "application/json; charset=utf-8"},
    )
    assert charset.status_code == 200
    text = jmap.client.post(
        "/jmap", content=raw, headers={**jmap.auth, "Content-Type": "text/plain"}
    )
    assert text.status_code == 400
    assert text.json() == {
        "type": "urn:ietf:params:jmap:error:notJSON",
        "status": 400,
        "detail": "Failed to parse JSON: The Content-Type header must be application/json.",
    }
    unauthenticated = jmap.client.post("/jmap", content=raw, headers={"Content-Type": "text/plain"})
    assert unauthenticated.status_code == 401


def test_not_a_request(jmap: Jmap) -> None:
    for body in (b"{not json", b'{"foo":"bar"}', b"[1,2]", b'{"using":[],"methodCalls":[["x"]]}'):
        response = jmap.client.post("/jmap", content=body, headers=jmap.auth)
        assert response.status_code == 400
        problem = response.json()
        assert problem["type"] == "urn:ietf:params:jmap:error:notRequest"
        assert problem["detail"] == body.decode()


def test_unknown_capability_fails_the_request_but_known_unadvertised_ones_pass(jmap: Jmap) -> None:
    bad = jmap.post({"using": [*USING, "urn:fake:nonexistent"], "methodCalls": []})
    assert bad.status_code == 400
    assert bad.json()["type"] == "urn:ietf:params:jmap:error:notRequest"
    owner = jmap.post(
        {"using": [*USING, "urn:ietf:params:jmap:principals:owner"], "methodCalls": []}
    )
    assert owner.status_code == 200


def test_sixteen_calls_at_most(jmap: Jmap) -> None:
    calls = [["Core/echo", {}, str(i)] for i in range(16)]
    assert jmap.post({"using": USING, "methodCalls": calls}).status_code == 200
    too_many = jmap.post({"using": USING, "methodCalls": [*calls, ["Core/echo", {}, "x"]]})
    assert too_many.status_code == 400
    assert too_many.json() == {
        "type": "urn:ietf:params:jmap:error:limit",
        "status": 400,
        "detail": "The request exceeds the maximum number of calls in a single request.",
        "limit": "maxCallsInRequest",
    }


def test_unknown_methods(jmap: Jmap) -> None:
    responses = jmap.call(
        ["Fake/nonexistent", {}, "a"],
        ["x:Domain/set/set", {"destroy": ["b"]}, "b"],
        ["x:DkimSignature/set/set", {}, "c"],
        ["x:Domain/changes", {"sinceState": "n"}, "d"],
        ["x:Domain/queryChanges", {}, "e"],
        ["x:Nothing/get", {}, "f"],
    )
    assert responses[0] == [
        "error",
        {"type": "unknownMethod", "description": "Fake/nonexistent"},
        "a",
    ]
    assert responses[1] == [
        "error",
        {"type": "unknownMethod", "description": "x:Domain/set/set"},
        "b",
    ]
    assert responses[2][1] == {"type": "unknownMethod", "description": "x:DkimSignature/set/set"}
    assert responses[3][1]["type"] == "unknownMethod"
    assert responses[4][1]["type"] == "unknownMethod"
    assert responses[5][1] == {"type": "unknownMethod", "description": "x:Nothing/get"}


def test_capabilities_are_enforced_for_standard_methods_only(jmap: Jmap) -> None:
    [echo] = jmap.call(["Core/echo", {"a": 1}, "e"], using=[])
    assert echo[0] == "error" and echo[1]["type"] == "unknownMethod"
    [domains] = jmap.call(["x:Domain/query", {}, "q"], using=[])
    assert domains[0] == "x:Domain/query"  # x: methods never check "using"


def test_read_only_requests_are_not_writes(jmap: Jmap, emulator: StalwartEmulator) -> None:
    jmap.call(["x:Domain/query", {}, "q"], ["x:Domain/get", {"ids": None}, "g"])
    jmap.client.get("/jmap/session", headers=jmap.auth)
    assert emulator.log.summary()["writes"] == 0
    jmap.call(["x:Domain/set", {"create": {"d": {"name": "example.org"}}}, "s"])
    assert emulator.log.summary()["writes"] == 1

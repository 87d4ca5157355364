"""Contract: replay every golden capture of a real authentik against the emulator.

The captures were recorded as one story on a fresh 2025.12 install (see the captures' README):
the replay rebuilds the same story in the same order, including the calls the README lists as
made but not captured, sends each captured request (ids translated to the emulator's own), and
compares status, headers and body field by field. Generated values (pks, uuids, uids, keys,
timestamps) are not compared by value: their shape is checked and each captured id must map to
one emulator id consistently across the whole story. Every response is also validated against
the OpenAPI document by the validating client.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from dezkysync.sandbox._wsgi import SandboxTransport
from dezkysync.sandbox.authentik import AuthentikEmulator
from tests.sandbox.authentik.conftest import browser_login
from tests.sandbox.authentik.spec_check import validating_client
from tests.support.contract import REFERENCE_DIR, load_captures

FOLDER = "authentik-captures"
ADMIN_TOKEN = "capture-bootstrap-token"
PASSWORD = "Capture-Password-1"
PLACEHOLDERS = {
    "Bearer <token>": f"Bearer {ADMIN_TOKEN}",
    "Bearer <invalid-token>": "Bearer not-a-real-token",
    "Basic <credentials>": "Basic dXNlcjpwYXNzd29yZA==",
}
DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
HEX64 = re.compile(r"[0-9a-f]{64}")
TIME_FIELDS = {
    "date_joined",
    "last_updated",
    "password_change_date",
    "last_login",
    "last_used",
    "expires",
}
ID_FIELDS = {"pk", "uuid", "num_pk", "uid", "user_uid", "user_pk", "group_pk", "user"}
ID_LIST_FIELDS = {"users", "groups", "roles", "parents", "children"}
SECRET_FIELDS = {"key", "token"}
TRIM_MARKER = re.compile(r"<\.\.\. \d+ more .* trimmed \.\.\.>")


def capture_names() -> list[str]:
    """The capture files, known at collection time (empty when ../shared is absent)."""
    folder = REFERENCE_DIR / FOLDER
    return sorted(p.name for p in folder.glob("*.json")) if folder.is_dir() else []


@dataclass
class Replay:
    """The replay state: emulator, clients, and the captured→emulator id map."""

    emulator: AuthentikEmulator
    api: httpx.Client
    ids: dict[str, str] = field(default_factory=dict)
    reverse: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    browsers: dict[str, httpx.Client] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)

    def client(self, **headers: str) -> httpx.Client:
        return validating_client(
            SandboxTransport(self.emulator), base_url="http://authentik.capture", headers=headers
        )

    # -- id translation ---------------------------------------------------------------------
    def learn(self, captured: Any, actual: Any, where: str, out: list[str]) -> None:
        key, value = str(captured), str(actual)
        known = self.ids.get(key)
        if known is None and value not in self.reverse:
            self.ids[key] = value
            self.reverse[value] = key
        elif known != value:
            out.append(f"{where}: id {captured!r} maps to {known!r}, got {actual!r}")

    def translate(self, value: Any) -> Any:
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, (int, str)) and str(value) in self.ids:
            mapped = self.ids[str(value)]
            return int(mapped) if isinstance(value, int) else mapped
        if isinstance(value, str) and value in self.secrets:
            return self.secrets[value]
        return value

    def translate_body(self, body: Any, key: str = "") -> Any:
        if isinstance(body, dict):
            return {k: self.translate_body(v, k) for k, v in body.items()}
        if isinstance(body, list):
            return [self.translate_body(v, key) for v in body]
        if key in ID_FIELDS | ID_LIST_FIELDS:
            return self.translate(body)
        if key == "password" and body == "<password>":
            return PASSWORD
        return body

    # -- sending and comparing ----------------------------------------------------------------
    def send(self, name: str, capture: dict[str, Any]) -> None:
        out: list[str] = []
        request = capture["request"]
        path = "/".join(str(self.translate(part)) for part in request["path"].split("/"))
        params = {
            k: [self.translate(x) for x in v] if isinstance(v, list) else self.translate(v)
            for k, v in request.get("query", {}).items()
        }
        headers = {k: v for k, v in request.get("headers", {}).items() if k != "Authorization"}
        auth = request.get("headers", {}).get("Authorization")
        client = self.browser_for(name) if request.get("cookies") else self.client()
        if auth is not None:
            headers["Authorization"] = PLACEHOLDERS.get(auth) or self.secret_header(auth)
        content: bytes | None = None
        if "body_text" in request:
            content = request["body_text"].encode()
        elif request.get("json") is not None:
            content = json.dumps(self.translate_body(request["json"])).encode()
        response = client.request(
            request["method"], path, params=params, headers=headers, content=content
        )
        self.compare_response(capture, response, out)
        self.problems[name] = out

    def secret_header(self, header: str) -> str:
        scheme, _, placeholder = header.partition(" ")
        return f"{scheme} {self.secrets.get(placeholder, placeholder)}"

    def browser_for(self, name: str) -> httpx.Client:
        return self.browsers["alice" if name.startswith("096") else "bob"]

    def compare_response(
        self, capture: dict[str, Any], response: httpx.Response, out: list[str]
    ) -> None:
        expected = capture["response"]
        if response.status_code != expected["status"]:
            out.append(f"status {response.status_code} != {expected['status']}: {response.text}")
            return
        for header, value in expected["headers"].items():
            got = response.headers.get(header)
            if got != value:
                out.append(f"header {header}: {got!r} != {value!r}")
        if "content-type" in response.headers and "Content-Type" not in expected["headers"]:
            out.append(f"unexpected Content-Type {response.headers['content-type']!r}")
        if "json" in expected:
            self.compare(expected["json"], response.json(), "", out, note=capture.get("note"))
        elif expected.get("text_truncated"):
            if not response.text.startswith(expected["text"]):
                out.append(f"text does not start with the capture: {response.text[:80]!r}")
        elif response.text != expected.get("text", ""):
            out.append(f"text {response.text!r} != {expected.get('text')!r}")

    def compare(
        self, expected: Any, actual: Any, where: str, out: list[str], note: str | None = None
    ) -> None:
        name = where.rsplit("/", 1)[-1]
        if name in TIME_FIELDS:
            self.compare_time(expected, actual, where, out)
        elif name in ID_FIELDS and not isinstance(expected, (dict, list)):
            self.compare_id(expected, actual, where, out)
        elif name in SECRET_FIELDS and isinstance(expected, str) and expected.startswith("<"):
            if not isinstance(actual, str) or len(actual) < 32:
                out.append(f"{where}: {actual!r} is not a key")
            self.secrets[expected] = actual
        elif name == "avatar":
            if not isinstance(actual, str):
                out.append(f"{where}: avatar {actual!r}")
        elif isinstance(expected, dict):
            self.compare_dict(expected, actual, where, out, note)
        elif isinstance(expected, list):
            self.compare_list(expected, actual, where, out, note, ids=name in ID_LIST_FIELDS)
        elif isinstance(expected, str) and expected.startswith("ak-outpost-"):
            if not isinstance(actual, str) or not re.fullmatch(r"ak-outpost-[0-9a-f]{32}", actual):
                out.append(f"{where}: {actual!r} is not an outpost name")
        elif expected != actual or type(expected) is not type(actual):
            out.append(f"{where}: {actual!r} != {expected!r}")

    def compare_dict(
        self, expected: Any, actual: Any, where: str, out: list[str], note: str | None
    ) -> None:
        if not isinstance(actual, dict):
            out.append(f"{where}: {actual!r} is not an object")
            return
        if set(expected) != set(actual):
            out.append(f"{where}: keys {sorted(actual)} != {sorted(expected)}")
        for key in expected:
            if key in actual:
                self.compare(expected[key], actual[key], f"{where}/{key}", out, note)

    def compare_list(
        self,
        expected: list[Any],
        actual: Any,
        where: str,
        out: list[str],
        note: str | None,
        *,
        ids: bool,
    ) -> None:
        if not isinstance(actual, list):
            out.append(f"{where}: {actual!r} is not a list")
            return
        marker = next(
            (i for i, v in enumerate(expected) if isinstance(v, str) and TRIM_MARKER.match(v)),
            None,
        )
        if marker is not None:  # capture 135: results trimmed, the note gives the real count
            found = re.search(r"count of items actually returned: (\d+)", note or "")
            if found and len(actual) != int(found.group(1)):
                out.append(f"{where}: {len(actual)} items, capture had {found.group(1)}")
            head, tail = expected[:marker], expected[marker + 1 :]
            pairs = list(zip(head, actual[: len(head)], strict=True))
            pairs += list(zip(tail, actual[len(actual) - len(tail) :], strict=True))
        elif len(expected) != len(actual):
            out.append(f"{where}: {len(actual)} items != {len(expected)}")
            return
        else:
            pairs = list(zip(expected, actual, strict=True))
        for index, (want, got) in enumerate(pairs):
            if ids and not isinstance(want, (dict, list)):
                self.compare_id(want, got, f"{where}/{index}", out)
            else:
                self.compare(want, got, f"{where}/{index}", out, note)

    def compare_time(self, expected: Any, actual: Any, where: str, out: list[str]) -> None:
        if expected is None or actual is None:
            if expected is not actual:
                out.append(f"{where}: {actual!r} != {expected!r}")
            return
        if not isinstance(actual, str) or not DATETIME.fullmatch(actual):
            out.append(f"{where}: {actual!r} is not an authentik datetime")

    def compare_id(self, expected: Any, actual: Any, where: str, out: list[str]) -> None:
        if type(expected) is not type(actual):
            out.append(f"{where}: {actual!r} has another type than {expected!r}")
            return
        if isinstance(expected, int) and "num_pk" not in where and expected != actual:
            # user pks come from a sequence: the replayed story must allocate the same ones
            out.append(f"{where}: user pk {actual!r} != {expected!r}")
        if isinstance(expected, str) and UUID.fullmatch(expected) and not UUID.fullmatch(actual):
            out.append(f"{where}: {actual!r} is not a uuid")
        if isinstance(expected, str) and HEX64.fullmatch(expected) and not HEX64.fullmatch(actual):
            out.append(f"{where}: {actual!r} is not a uid")
        self.learn(expected, actual, where, out)

    # -- the calls the README lists as made but not captured ----------------------------------
    def setup(self, before: str) -> None:
        step = SETUP.get(before[:3])
        if step is not None:
            step(self)

    def api_call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        response = self.api.request(method, path, json=body)
        assert response.status_code < 300, (method, path, response.text)
        return response

    def login(self, who: str, agent: str) -> httpx.Client:
        browser = self.client(**{"User-Agent": agent})
        assert browser_login(browser, who, PASSWORD)["component"] == "xak-flow-redirect"
        return browser

    def group_uuid(self, name: str) -> str:
        group = self.emulator.store.group_by_name(name)
        assert group is not None
        return group.uuid

    def user_pk(self, username: str) -> int:
        user = self.emulator.store.user_by_username(username)
        assert user is not None
        return user.pk


def _more_users(replay: Replay) -> None:
    replay.api_call(
        "POST",
        "/api/v3/core/users/",
        {
            "username": "carol",
            "name": "Carol Example",
            "email": "carol@example.test",
            "attributes": {"tenant": "beta"},
        },
    )
    replay.api_call(
        "POST",
        "/api/v3/core/users/",
        {
            "username": "dave",
            "name": "Dave Example",
            "is_active": False,
            "attributes": {"tenant": "acme", "profile": {"dept": "ops"}},
        },
    )


def _readd_bob(replay: Replay) -> None:
    url = f"/api/v3/core/groups/{replay.group_uuid('tenant-acme')}/add_user/"
    replay.api_call("POST", url, {"pk": replay.user_pk("bob")})


def _first_logins(replay: Replay) -> None:
    bob = replay.user_pk("bob")
    replay.api_call("POST", f"/api/v3/core/users/{bob}/set_password/", {"password": PASSWORD})
    replay.browsers["alice"] = replay.login("alice", "capture-alice-browser")
    replay.login("bob", "capture-bob-browser-1")
    replay.login("bob", "capture-bob-browser-2")


def _bob_again(replay: Replay) -> None:
    replay.browsers["bob"] = replay.login("bob", "capture-bob-browser-3")


def _service_account(replay: Replay) -> None:
    replay.login("alice", "capture-alice-browser-2")
    replay.api_call(
        "POST",
        "/api/v3/core/users/service_account/",
        {"name": "svc-provisioner", "create_group": False, "expiring": False},
    )


def _svc_to_admins(replay: Replay) -> None:
    url = f"/api/v3/core/groups/{replay.group_uuid('authentik Admins')}/add_user/"
    replay.api_call("POST", url, {"pk": replay.user_pk("svc-provisioner")})


def _fillers(replay: Replay) -> None:
    for index in range(101):
        replay.api_call(
            "POST",
            "/api/v3/core/users/",
            {"username": f"filler-{index:03d}", "name": f"Filler {index}", "path": "filler"},
        )


SETUP: dict[str, Callable[[Replay], None]] = {
    "016": _more_users,
    "046": _readd_bob,
    "086": _first_logins,
    "102": _bob_again,
    "108": _service_account,
    "123": _svc_to_admins,
    "135": _fillers,
}


def replay_all() -> Replay:
    """Replay the whole story once and return the state with every capture's problems."""
    captures = load_captures(FOLDER)
    emulator = AuthentikEmulator(token=ADMIN_TOKEN, service_username=None, bulk_delete=False)
    api = validating_client(
        SandboxTransport(emulator), base_url="http://authentik.capture", token=ADMIN_TOKEN
    )
    state = Replay(emulator=emulator, api=api)
    for name, capture in captures:
        state.setup(name)
        state.send(name, capture)
    api.close()
    return state


@pytest.mark.contract
def test_every_capture_replays() -> None:
    """One test for the whole story (it is sequential; replaying it per capture would repeat
    it on every xdist worker). Every failing capture is reported with all its problems."""
    state = replay_all()
    assert sorted(state.problems) == capture_names()
    assert len(state.problems) >= 136
    failing = {name: problems for name, problems in state.problems.items() if problems}
    assert failing == {}


def test_comparison_reports_differences() -> None:
    state = Replay(emulator=AuthentikEmulator(), api=httpx.Client())
    out: list[str] = []
    state.compare(
        {"name": "a", "items": [1, 2], "date_joined": "2026-11-26T14:01:04.763511Z", "pk": 5},
        {"name": "b", "items": [1], "date_joined": "2026-11-26T14:01:04Z", "pk": 6, "x": 1},
        "",
        out,
    )
    assert out == [
        ": keys ['date_joined', 'items', 'name', 'pk', 'x'] != "
        "['date_joined', 'items', 'name', 'pk']",
        "/name: 'b' != 'a'",
        "/items: 1 items != 2",
        "/date_joined: '2026-11-26T14:01:04Z' is not an authentik datetime",
        "/pk: user pk 6 != 5",
    ]

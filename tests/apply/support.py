"""Helpers for the apply tests: emulators on loopback, the example tenants, logging members
in (Stalwart Basic auth, authentik's flow executor, an OCIS token) and running the CLI."""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner

from dezkysync.cli import cli
from dezkysync.config import Config, DeletionLimits, load_config
from dezkysync.http import RetryPolicy
from dezkysync.sandbox._wsgi import Emulator, SandboxTransport
from dezkysync.sandbox.authentik import AuthentikEmulator
from dezkysync.sandbox.ocis import OcisEmulator
from dezkysync.sandbox.runtime import IN_PROCESS_URLS, SandboxSession
from dezkysync.sandbox.server import RunningServer, serve
from dezkysync.sandbox.stalwart import StalwartEmulator
from dezkysync.services.reader import ServiceClients, connect
from tests.plan.conftest import ENV_VARS as SERVICE_ENV_VARS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "tenants"
FLOW_URL = "/api/v3/flows/executor/default-authentication-flow/"
USING = ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"]
FAST_RETRY = RetryPolicy(attempts=3, base=0.01, max_delay=0.05)
ENV_VARS = (*SERVICE_ENV_VARS, "DEZKYSYNC_SANDBOX_DIR", "DEZKYSYNC_TEST_KILL_AFTER", "NO_COLOR")


def copy_examples(dest: Path) -> Path:
    """The example tenants, on ``.test`` domains (Stalwart refuses the ``.example`` TLD)."""
    folder = dest / "tenants"
    folder.mkdir(parents=True, exist_ok=True)
    for source in sorted(EXAMPLES.glob("*.yaml")):
        text = re.sub(r"\.example\b", ".test", source.read_text(encoding="utf-8"))
        (folder / source.name).write_text(text, encoding="utf-8")
    return folder


def edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` (which must be there) by ``new`` in a tenant file."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- emulators on loopback ---------------------------------------------------------------------


@dataclass
class Stack:
    """The three emulators served on loopback sockets, with their tokens."""

    emulators: dict[str, Emulator]
    servers: dict[str, RunningServer]
    tokens: dict[str, str]
    _clients: list[ServiceClients] = field(default_factory=list)

    @classmethod
    def start(cls, *, dkim_delay: float = 0.05) -> Stack:
        tokens = {n: f"tok-{n}-{secrets.token_hex(8)}" for n in ("stalwart", "authentik", "ocis")}
        emulators: dict[str, Emulator] = {
            "stalwart": StalwartEmulator(token=tokens["stalwart"], dkim_delay=dkim_delay),
            "authentik": AuthentikEmulator(token=tokens["authentik"]),
            "ocis": OcisEmulator(token=tokens["ocis"]),
        }
        servers = {name: serve(emulator) for name, emulator in emulators.items()}
        return cls(emulators, servers, tokens)

    @property
    def stalwart(self) -> StalwartEmulator:
        emulator = self.emulators["stalwart"]
        assert isinstance(emulator, StalwartEmulator)
        return emulator

    @property
    def authentik(self) -> AuthentikEmulator:
        emulator = self.emulators["authentik"]
        assert isinstance(emulator, AuthentikEmulator)
        return emulator

    @property
    def ocis(self) -> OcisEmulator:
        emulator = self.emulators["ocis"]
        assert isinstance(emulator, OcisEmulator)
        return emulator

    @property
    def env(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for name, server in self.servers.items():
            env[f"{name.upper()}_URL"] = server.url
            env[f"{name.upper()}_TOKEN"] = self.tokens[name]
        return env

    def url(self, service: str) -> str:
        return self.servers[service].url

    def config(self, **changes: Any) -> Config:
        config = load_config(env=self.env, path=None)
        if "deletion" in changes and isinstance(changes["deletion"], tuple):
            changes["deletion"] = DeletionLimits(*changes["deletion"])
        return dataclasses.replace(config, **changes)

    def clients(self, **changes: Any) -> ServiceClients:
        clients = connect(self.config(**changes), retry=FAST_RETRY)
        self._clients.append(clients)
        return clients

    def api(self, service: str) -> httpx.Client:
        """A raw client for ``service`` with the service token (for seeding and checks)."""
        return httpx.Client(
            base_url=self.url(service),
            headers={"Authorization": f"Bearer {self.tokens[service]}"},
            timeout=30,
        )

    def close(self) -> None:
        for clients in self._clients:
            clients.close()
        for server in self.servers.values():
            server.close()


def jmap(client: httpx.Client, *calls: list[Any]) -> dict[str, Any]:
    """Send JMAP calls; the answers by call id (method errors fail the test)."""
    response = client.post("/jmap", json={"using": USING, "methodCalls": list(calls)})
    response.raise_for_status()
    answers: dict[str, Any] = {}
    for name, arguments, call_id in response.json()["methodResponses"]:
        assert name != "error", arguments
        answers[call_id] = arguments
    return answers


# -- logging members in --------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoints:
    """How a test reaches each service: base URL and (for the sandbox) a transport."""

    urls: dict[str, str]
    transports: dict[str, httpx.BaseTransport] = field(default_factory=dict)
    ocis: OcisEmulator | None = None

    @classmethod
    def of_stack(cls, stack: Stack) -> Endpoints:
        return cls({n: s.url for n, s in stack.servers.items()}, {}, stack.ocis)

    @classmethod
    def of_sandbox(cls, session: SandboxSession) -> Endpoints:
        transports = {n: SandboxTransport(e) for n, e in session.emulators.items()}
        ocis = session.emulators["ocis"]
        assert isinstance(ocis, OcisEmulator)
        return cls(dict(IN_PROCESS_URLS), dict(transports), ocis)

    def client(self, service: str, **options: Any) -> httpx.Client:
        return httpx.Client(
            base_url=self.urls[service],
            transport=self.transports.get(service),
            timeout=30,
            **options,
        )

    def mail_login(self, email: str, password: str) -> int:
        """Stalwart: Basic auth as the user on ``/jmap/session`` (200 in, 401 bad, 403 barred)."""
        with self.client("stalwart") as client:
            return client.get("/jmap/session", auth=(email, password)).status_code

    def sso_login(self, username: str, password: str, *, agent: str = "test-browser") -> str | None:
        """authentik: the flow executor as a browser; the session cookie, or None."""
        with self.client("authentik", headers={"User-Agent": agent}) as browser:
            browser.get(FLOW_URL, params={"query": ""})
            browser.post(
                FLOW_URL,
                params={"query": ""},
                json={"component": "ak-stage-identification", "uid_field": username},
            )
            answer = browser.post(
                FLOW_URL,
                params={"query": ""},
                json={"component": "ak-stage-password", "password": password},
            )
            if answer.status_code != 200 or answer.json().get("component") != "xak-flow-redirect":
                return None
            cookie = browser.cookies.get("authentik_session")
            return None if cookie is None else str(cookie)

    def session_alive(self, cookie: str) -> bool:
        """Whether an authentik browser session still works."""
        with self.client("authentik", cookies={"authentik_session": cookie}) as browser:
            return browser.get("/api/v3/core/users/me/").status_code == 200

    def files_login(self, username: str) -> int:
        """OCIS: a token as the IdP would issue it, then ``GET /me`` (200 in, 401 disabled)."""
        assert self.ocis is not None
        token = self.ocis.issue_token(username)
        with self.client("ocis", headers={"Authorization": f"Bearer {token}"}) as client:
            return client.get("/graph/v1.0/me").status_code


# -- the CLI ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(
    *args: str | Path, env: dict[str, str] | None = None, input: str | None = None
) -> CliResult:
    """Run ``dezkysync ARGS`` in-process, with nothing from the real service environment."""
    full_env: dict[str, str | None] = dict.fromkeys(ENV_VARS)
    full_env.update(env or {})
    result = CliRunner().invoke(
        cli, [str(a) for a in args], env=full_env, input=input, catch_exceptions=False
    )
    return CliResult(result.exit_code, result.stdout, result.stderr)


def sandbox_apply(sandbox: Path, *args: str | Path, env: dict[str, str] | None = None) -> CliResult:
    """``dezkysync --sandbox --sandbox-dir SANDBOX apply ARGS``."""
    return run_cli("--sandbox", "--sandbox-dir", sandbox, "apply", *args, env=env)


def read_secrets(path: Path) -> list[dict[str, Any]]:
    """The entries of a secrets file."""
    entries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["entries"]
    return entries


def latest_passwords(path: Path) -> dict[str, str]:
    """Each member's newest password in a secrets file."""
    return {entry["login"]: entry["password"] for entry in read_secrets(path)}


def assert_no_secret(texts: Iterable[str], passwords: Iterable[str]) -> None:
    """No password appears in any of ``texts``."""
    bodies = list(texts)
    for password in passwords:
        for body in bodies:
            assert password not in body, "a one-time password leaked"

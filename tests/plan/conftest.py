"""Fixtures: the three emulators served on loopback sockets, and running ``dezkysync plan``."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dezkysync.cli import cli
from dezkysync.sandbox._wsgi import Emulator
from dezkysync.sandbox.server import RunningServer, serve
from tests.services.seed import Seeder

ENV_VARS = (
    "STALWART_URL",
    "STALWART_TOKEN",
    "AUTHENTIK_URL",
    "AUTHENTIK_TOKEN",
    "OCIS_URL",
    "OCIS_TOKEN",
    "STALWART_PROVISIONING_ENABLED",
    "DEZKYSYNC_CONFIG",
)


@dataclass
class Services:
    """Three emulators on loopback, their tokens, and a seeder."""

    emulators: dict[str, Emulator]
    servers: dict[str, RunningServer]
    tokens: dict[str, str]
    seed: Seeder
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = {}
        for name, server in self.servers.items():
            env[f"{name.upper()}_URL"] = server.url
            env[f"{name.upper()}_TOKEN"] = self.tokens[name]
        env.update(self.extra_env)
        return env

    def reset_logs(self) -> None:
        for emulator in self.emulators.values():
            emulator.log.clear()

    def writes(self) -> dict[str, int]:
        return {name: e.log.summary()["writes"] for name, e in self.emulators.items()}

    def total_requests(self) -> int:
        return sum(e.log.summary()["total"] for e in self.emulators.values())

    def requests(self, name: str, route: str) -> int:
        return int(self.emulators[name].log.summary()["by_route"].get(route, 0))

    def run(self, *args: str, env: Mapping[str, str] | None = None) -> Result:
        """Run ``dezkysync ARGS`` with these services (and nothing from the real env); asserts
        no token reached the output."""
        full_env: dict[str, str | None] = {var: None for var in ENV_VARS}
        full_env.update(self.env if env is None else env)
        result = CliRunner().invoke(cli, list(args), env=full_env, catch_exceptions=False)
        secrets_seen = [t for t in self.tokens.values() if t in result.stdout or t in result.stderr]
        assert not secrets_seen, "a token leaked into the output"
        return result

    def plan(self, *args: str, env: dict[str, str] | None = None) -> PlanResult:
        """Run ``dezkysync plan ARGS`` with these services (and nothing from the real env)."""
        return PlanResult(self.run("plan", *args, env=env))


@dataclass
class PlanResult:
    result: Result

    @property
    def code(self) -> int:
        return self.result.exit_code

    @property
    def stdout(self) -> str:
        return self.result.stdout

    @property
    def stderr(self) -> str:
        return self.result.stderr

    def json(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.stdout)
        return document

    def change_ids(self) -> set[str]:
        return {c["id"] for c in self.json()["changes"]}


@pytest.fixture
def services() -> Iterator[Services]:
    from dezkysync.sandbox.authentik import AuthentikEmulator
    from dezkysync.sandbox.ocis import OcisEmulator
    from dezkysync.sandbox.stalwart import StalwartEmulator

    tokens = {
        name: f"tok-{name}-{secrets.token_hex(8)}" for name in ("stalwart", "authentik", "ocis")
    }
    emulators: dict[str, Emulator] = {
        "stalwart": StalwartEmulator(token=tokens["stalwart"], dkim_delay=0.0),
        "authentik": AuthentikEmulator(token=tokens["authentik"]),
        "ocis": OcisEmulator(token=tokens["ocis"]),
    }
    servers = {name: serve(emulator) for name, emulator in emulators.items()}
    seeder = Seeder.over({n: s.url for n, s in servers.items()}, tokens)
    try:
        yield Services(emulators, servers, tokens, seeder)
    finally:
        seeder.close()
        for server in servers.values():
            server.close()


def write_tenants(root: Path, **files: str) -> Path:
    """``root/tenants/<name>.yaml`` for each keyword; returns the folder."""
    folder = root / "tenants"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory without a dezkysync.yaml (so no configuration file is picked up)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DEZKYSYNC_CONFIG", raising=False)
    os.environ.pop("NO_COLOR", None)
    return tmp_path

"""The embedded sandbox: persistence across runs, the directory lock, and `sandbox serve` as a
separate process driven over HTTP the way a user's own CI would."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from dezkysync.cli import cli
from dezkysync.sandbox.runtime import SandboxError, SandboxSession, open_sandbox

JMAP_USING = ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"]


def _create_domain(client: httpx.Client, token: str, name: str) -> httpx.Response:
    return client.post(
        "/jmap",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "using": JMAP_USING,
            "methodCalls": [["x:Domain/set", {"create": {"d": {"name": name}}}, "c"]],
        },
    )


def test_state_persists_between_sessions(tmp_path: Path) -> None:
    with open_sandbox(tmp_path) as sandbox:
        transport = sandbox.transports["authentik"]
        with httpx.Client(transport=transport, base_url=sandbox.env["AUTHENTIK_URL"]) as http:
            created = http.post(
                "/api/v3/core/users/",
                headers={"Authorization": f"Bearer {sandbox.env['AUTHENTIK_TOKEN']}"},
                json={"username": "alice@acme.test", "name": "Alice"},
            )
            assert created.status_code == 201
        token = sandbox.env["AUTHENTIK_TOKEN"]
    assert stat.S_IMODE((tmp_path / "credentials.json").stat().st_mode) == 0o600
    with open_sandbox(tmp_path) as again:
        assert again.env["AUTHENTIK_TOKEN"] == token  # tokens are stable per directory
        url = again.env["AUTHENTIK_URL"]
        with httpx.Client(transport=again.transports["authentik"], base_url=url) as http:
            found = http.get(
                "/api/v3/core/users/",
                params={"username": "alice@acme.test"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert found.json()["pagination"]["count"] == 1


def test_one_process_at_a_time(tmp_path: Path) -> None:
    with open_sandbox(tmp_path), pytest.raises(SandboxError, match="in use"):
        open_sandbox(tmp_path)


def test_corrupt_state_is_a_clear_error_not_a_silent_reset(tmp_path: Path) -> None:
    with open_sandbox(tmp_path):
        pass
    (tmp_path / "ocis.json").write_text("{ broken")
    with pytest.raises(SandboxError, match="sandbox reset"):
        open_sandbox(tmp_path)
    assert (tmp_path / "ocis.json").read_text() == "{ broken"


def test_reset_forgets_objects(tmp_path: Path) -> None:
    with open_sandbox(tmp_path) as sandbox:
        env = sandbox.env
        with httpx.Client(
            transport=sandbox.transports["stalwart"], base_url=env["STALWART_URL"]
        ) as http:
            assert _create_domain(http, env["STALWART_TOKEN"], "acme.test").status_code == 200
    result = CliRunner().invoke(cli, ["sandbox", "reset", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    state = json.loads((tmp_path / "stalwart.json").read_text())
    assert "acme.test" not in json.dumps(state)


def test_missing_configuration_never_falls_back_to_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("STALWART", "AUTHENTIK", "OCIS"):
        monkeypatch.delenv(f"{name}_URL", raising=False)
        monkeypatch.delenv(f"{name}_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    examples = Path(__file__).resolve().parents[2] / "examples" / "tenants"
    result = CliRunner().invoke(cli, ["plan", str(examples)])
    assert result.exit_code == 1
    assert "AUTHENTIK_URL" in result.output
    assert not (tmp_path / ".dezkysync").exists()


def _wait_for(path: Path, process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size > 0:
            return
        if process.poll() is not None:
            raise AssertionError(f"sandbox serve exited early: {process.communicate()}")
        time.sleep(0.05)
    raise AssertionError("sandbox serve did not write its environment file")


def test_serve_runs_until_sigterm_and_keeps_state(tmp_path: Path) -> None:
    state_dir = tmp_path / "sbx"
    env_file = tmp_path / "sbx.env"
    command = [sys.executable, "-m", "dezkysync", "sandbox", "serve"]
    command += ["--dir", str(state_dir), "--env-file", str(env_file)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(env_file, process)
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
        env = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        assert set(env) == {
            "STALWART_URL",
            "STALWART_TOKEN",
            "AUTHENTIK_URL",
            "AUTHENTIK_TOKEN",
            "OCIS_URL",
            "OCIS_TOKEN",
        }
        for key in ("STALWART_URL", "AUTHENTIK_URL", "OCIS_URL"):
            assert env[key].startswith("http://127.0.0.1:")
        with httpx.Client(base_url=env["STALWART_URL"], timeout=10) as http:
            assert http.get("/.well-known/jmap").status_code == 307
            assert _create_domain(http, env["STALWART_TOKEN"], "served.test").status_code == 200
        with httpx.Client(base_url=env["AUTHENTIK_URL"], timeout=10) as http:
            me = http.get(
                "/api/v3/core/users/me/",
                headers={"Authorization": f"Bearer {env['AUTHENTIK_TOKEN']}"},
            )
            assert me.status_code == 200
            assert me.json()["user"]["username"] == "dezkysync"
            assert http.get("/api/v3/core/users/me/").status_code == 403
        with httpx.Client(base_url=env["OCIS_URL"], timeout=10) as http:
            me = http.get(
                "/graph/v1.0/me", headers={"Authorization": f"Bearer {env['OCIS_TOKEN']}"}
            )
            assert me.status_code == 200
            assert http.get("/graph/v1.0/users").status_code == 401
        # Another process cannot use the same directory while it is served.
        locked = subprocess.run(
            [
                sys.executable,
                "-m",
                "dezkysync",
                "--sandbox",
                "--sandbox-dir",
                str(state_dir),
                "sandbox",
                "reset",
                "--dir",
                str(state_dir),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert locked.returncode == 1
        assert "in use" in locked.stderr
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "state saved" in out
    assert "served.test" in (state_dir / "stalwart.json").read_text()
    assert env["STALWART_TOKEN"] not in out + err  # the tokens go to the file only


def test_serve_refuses_a_directory_in_use(tmp_path: Path) -> None:
    with open_sandbox(tmp_path / "sbx"):
        result = CliRunner().invoke(cli, ["sandbox", "serve", "--dir", str(tmp_path / "sbx")])
    assert result.exit_code == 1
    assert "in use" in result.output


def test_session_close_is_idempotent(tmp_path: Path) -> None:
    session = SandboxSession(tmp_path).open()
    session.close()
    session.close()
    assert os.path.exists(tmp_path / "authentik.json")


def test_a_served_sandbox_writes_its_state_in_the_background(tmp_path: Path) -> None:
    """Deferred writes (what `sandbox serve` uses): a burst of requests is saved shortly after,
    in one write, and whatever is left is saved on close."""
    session = SandboxSession(tmp_path, deferred_writes=True, flush_interval=0.05).open()
    state = tmp_path / "stalwart.json"
    try:
        env = session.env
        with httpx.Client(
            transport=session.transports["stalwart"], base_url=env["STALWART_URL"]
        ) as http:
            for name in ("one.test", "two.test", "three.test"):
                assert _create_domain(http, env["STALWART_TOKEN"], name).status_code == 200
        deadline = time.monotonic() + 10
        while "three.test" not in (state.read_text() if state.exists() else ""):
            assert time.monotonic() < deadline, "the state was not written in the background"
            time.sleep(0.02)
        with httpx.Client(
            transport=session.transports["stalwart"], base_url=env["STALWART_URL"]
        ) as http:
            assert _create_domain(http, env["STALWART_TOKEN"], "four.test").status_code == 200
    finally:
        session.close()
    assert "four.test" in state.read_text()


def test_serve_takes_faults_and_latency_at_start(tmp_path: Path) -> None:
    env_file = tmp_path / "sbx.env"
    rule = '{"kind": "status", "status": 503, "path": "^/api/v3/core/users/$", "retry_after": 1}'
    command = [sys.executable, "-m", "dezkysync", "sandbox", "serve", "--dir", str(tmp_path / "s")]
    command += ["--env-file", str(env_file), "--fault", f"authentik={rule}", "--latency", "50"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(env_file, process)
        env = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
        auth = {"Authorization": f"Bearer {env['AUTHENTIK_TOKEN']}"}
        with httpx.Client(base_url=env["AUTHENTIK_URL"], headers=auth, timeout=10) as http:
            started = time.monotonic()
            first = http.get("/api/v3/core/users/")
            assert time.monotonic() - started >= 0.05  # the latency applies
            assert first.status_code == 503 and first.headers["retry-after"] == "1"
            assert http.get("/api/v3/core/users/").status_code == 200  # once, by default
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)


@pytest.mark.parametrize(
    "option",
    [
        ["--fault", "nosuch={}"],
        ["--fault", "ocis=not json"],
        ["--fault", 'ocis={"kind": "boom"}'],
        ["--fault", 'ocis={"kind": "status", "status": 42}'],
        ["--latency", "fast"],
        ["--latency", "-5"],
    ],
)
def test_serve_refuses_bad_fault_options(tmp_path: Path, option: list[str]) -> None:
    result = CliRunner().invoke(cli, ["sandbox", "serve", "--dir", str(tmp_path), *option])
    assert result.exit_code == 1, result.output
    assert "Invalid value" in result.output

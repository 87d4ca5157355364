"""``dezkysync member reset-password|logout`` against the emulators over loopback."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from dezkysync.sandbox.runtime import open_sandbox
from tests.apply.support import (
    CliResult,
    Endpoints,
    Stack,
    assert_no_secret,
    copy_examples,
    read_secrets,
    run_cli,
    sandbox_apply,
)
from tests.apply.test_apply_cli import applied_examples


def member(stack: Stack, workdir: Path, *args: str) -> CliResult:
    return run_cli(
        "member",
        *args,
        "--journal",
        workdir / "journal.jsonl",
        env=stack.env,
    )


def test_reset_password_sets_one_new_password_on_both_stores(stack: Stack, workdir: Path) -> None:
    applied_examples(stack, workdir)
    secrets = workdir / "secrets.json"
    old = {e["login"]: e["password"] for e in read_secrets(secrets)}["alice@acme.test"]
    ends = Endpoints.of_stack(stack)
    cookie = ends.sso_login("alice@acme.test", old)
    result = member(
        stack, workdir, "reset-password", "Alice@Acme.test", "--yes", "--secrets-file", str(secrets)
    )
    assert result.code == 0, result.output
    entries = read_secrets(secrets)
    assert entries[-1]["login"] == "alice@acme.test" and entries[-1]["reason"] == "reset"
    assert entries[-1]["tenant"] == "acme"
    new = entries[-1]["password"]
    assert new != old
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert ends.mail_login("alice@acme.test", new) == 200
    assert ends.sso_login("alice@acme.test", new) is not None
    assert ends.mail_login("alice@acme.test", old) == 401
    assert ends.sso_login("alice@acme.test", old) is None
    assert cookie is not None and ends.session_alive(cookie), "a reset does not log out"
    journal = (workdir / "journal.jsonl").read_text()
    statuses = [json.loads(line)["status"] for line in journal.splitlines()]
    assert statuses.count("applied") >= 2 + 51
    assert_no_secret([result.stdout, result.stderr, journal], [old, new])


def test_logout_ends_only_that_members_sessions(stack: Stack, workdir: Path) -> None:
    applied_examples(stack, workdir)
    passwords = {e["login"]: e["password"] for e in read_secrets(workdir / "secrets.json")}
    ends = Endpoints.of_stack(stack)
    alice = [
        ends.sso_login("alice@acme.test", passwords["alice@acme.test"], agent=f"a{n}")
        for n in range(2)
    ]
    carol = ends.sso_login("carol@globex.test", passwords["carol@globex.test"])
    result = member(stack, workdir, "logout", "alice@acme.test", "--yes")
    assert result.code == 0, result.output
    assert "2 session(s) of alice@acme.test ended" in result.stdout
    assert all(c is not None and not ends.session_alive(c) for c in alice)
    assert carol is not None and ends.session_alive(carol)
    assert ends.sso_login("alice@acme.test", passwords["alice@acme.test"]) is not None


def test_self_protected_unmanaged_and_unknown_are_refused(stack: Stack, workdir: Path) -> None:
    applied_examples(stack, workdir)
    (workdir / "dezkysync.yaml").write_text("protected:\n  - ops@acme.test\n")
    with stack.api("authentik") as api:
        api.post("/api/v3/core/users/", json={"username": "stranger@acme.test", "name": "S"})
    before = sum(e.log.summary()["writes"] for e in stack.emulators.values())
    secrets = workdir / "secrets.json"
    entries = len(read_secrets(secrets))
    cases = {
        ("logout", "dezkysync"): (3, "the identity dezkysync itself runs as"),
        ("reset-password", "dezkysync"): (3, "the identity dezkysync itself runs as"),
        ("logout", "ops@acme.test"): (3, "protected in the configuration"),
        ("reset-password", "ops@acme.test"): (3, "protected in the configuration"),
        ("logout", "stranger@acme.test"): (3, "not managed by dezkysync"),
        ("reset-password", "nobody@acme.test"): (1, "no member nobody@acme.test"),
    }
    for (action, who), (code, text) in cases.items():
        extra = ["--secrets-file", str(secrets)] if action == "reset-password" else []
        result = member(stack, workdir, action, who, "--yes", *extra)
        assert result.code == code, (action, who, result.output)
        assert text in result.stderr, (action, who, result.stderr)
    assert sum(e.log.summary()["writes"] for e in stack.emulators.values()) == before
    assert len(read_secrets(secrets)) == entries


def test_member_commands_need_confirmation(stack: Stack, workdir: Path) -> None:
    applied_examples(stack, workdir)
    before = sum(e.log.summary()["writes"] for e in stack.emulators.values())
    result = member(stack, workdir, "logout", "alice@acme.test")
    assert result.code == 1 and "pass --yes" in result.stderr
    assert sum(e.log.summary()["writes"] for e in stack.emulators.values()) == before


def test_member_commands_work_in_the_sandbox(workdir: Path) -> None:
    sandbox = workdir / "sandbox"
    secrets = workdir / "secrets.json"
    first = sandbox_apply(sandbox, copy_examples(workdir), "--yes", "--secrets-file", secrets)
    assert first.code == 0, first.output
    reset = run_cli(
        "--sandbox",
        "--sandbox-dir",
        sandbox,
        "member",
        "reset-password",
        "peter@initech.test",
        "--yes",
        "--secrets-file",
        secrets,
    )
    assert reset.code == 0, reset.output
    new = read_secrets(secrets)[-1]
    assert new["login"] == "peter@initech.test" and new["reason"] == "reset"
    with open_sandbox(sandbox) as session:
        ends = Endpoints.of_sandbox(session)
        assert ends.mail_login("peter@initech.test", new["password"]) == 200
        cookie = ends.sso_login("peter@initech.test", new["password"])
    logout = run_cli(
        "--sandbox", "--sandbox-dir", sandbox, "member", "logout", "peter@initech.test", "--yes"
    )
    assert logout.code == 0, logout.output
    assert "1 session(s) of peter@initech.test ended" in logout.stdout
    with open_sandbox(sandbox) as session:
        assert cookie is not None and not Endpoints.of_sandbox(session).session_alive(cookie)

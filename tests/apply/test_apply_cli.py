"""``dezkysync apply`` end to end against the emulators over loopback: the example tenants,
one-time passwords that log in, suspension that keeps them, convergence, confirmation."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.apply.support import (
    CliResult,
    Endpoints,
    Stack,
    assert_no_secret,
    copy_examples,
    edit,
    jmap,
    latest_passwords,
    read_secrets,
    run_cli,
)

MEMBERS = {
    "alice@acme.test",
    "bob@acme.test",
    "ops@acme.test",
    "carol@globex.test",
    "dan@globex.test",
    "peter@initech.test",
    "milton@initech.test",
}


def apply(stack: Stack, workdir: Path, *args: str | Path) -> CliResult:
    return run_cli(
        "apply",
        *args,
        "--secrets-file",
        workdir / "secrets.json",
        "--journal",
        workdir / "journal.jsonl",
        env=stack.env,
    )


def plan(stack: Stack, *args: str | Path) -> CliResult:
    return run_cli("plan", *args, env=stack.env)


def writes(stack: Stack) -> int:
    return sum(e.log.summary()["writes"] for e in stack.emulators.values())


def applied_examples(stack: Stack, workdir: Path) -> Path:
    tenants = copy_examples(workdir)
    result = apply(stack, workdir, tenants, "--yes")
    assert result.code == 0, result.output
    return tenants


def test_examples_apply_then_plan_is_empty_and_passwords_log_in(
    stack: Stack, workdir: Path
) -> None:
    tenants = copy_examples(workdir)
    result = apply(stack, workdir, tenants, "--yes")
    assert result.code == 0, result.output
    assert "Plan: 51 to create." in result.stdout
    assert "Apply: 51 applied, 0 failed, 0 skipped, 0 blocked." in result.stdout
    secrets = workdir / "secrets.json"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    entries = read_secrets(secrets)
    assert sorted(e["login"] for e in entries) == sorted(MEMBERS)  # one entry per member
    assert {e["reason"] for e in entries} == {"created"}
    assert {e["tenant"] for e in entries if e["login"] == "carol@globex.test"} == {"globex"}

    again = plan(stack, tenants, "--detailed-exitcode")
    assert again.code == 0, again.output
    assert "No changes" in again.stdout

    ends = Endpoints.of_stack(stack)
    passwords = latest_passwords(secrets)
    for login, password in passwords.items():
        active = login != "bob@acme.test"  # bob's file says suspended
        assert ends.mail_login(login, password) == (200 if active else 403), login
        assert (ends.sso_login(login, password) is not None) is active, login
        assert ends.files_login(login) == (200 if active else 401), login

    journal = (workdir / "journal.jsonl").read_text()
    lines = [json.loads(line) for line in journal.splitlines()]
    assert lines[0]["status"] == "started"
    assert lines[-1]["status"] == "finished" and lines[-1]["exit_code"] == 0
    assert sum(1 for line in lines if line["status"] == "applied") == 51
    plan_json = plan(stack, tenants, "--format", "json").stdout
    assert_no_secret(
        [result.stdout, result.stderr, journal, plan_json, again.stdout], passwords.values()
    )


def test_suspend_and_resume_keep_the_same_password_everywhere(stack: Stack, workdir: Path) -> None:
    tenants = applied_examples(stack, workdir)
    ends = Endpoints.of_stack(stack)
    passwords = latest_passwords(workdir / "secrets.json")
    alice, bob = passwords["alice@acme.test"], passwords["bob@acme.test"]
    cookie = ends.sso_login("alice@acme.test", alice)
    assert cookie is not None

    edit(tenants / "acme.yaml", "    state: suspended # cannot log in", "    # resumed")
    edit(tenants / "acme.yaml", "    quota: 10GiB", "    quota: 10GiB\n    state: suspended")
    result = apply(stack, workdir, tenants, "--yes")
    assert result.code == 0, result.output
    assert (
        "⏸ identity alice@acme.test" in result.stdout
        and "▶ identity bob@acme.test" in result.stdout
    )
    assert ends.mail_login("alice@acme.test", alice) == 403
    assert ends.sso_login("alice@acme.test", alice) is None
    assert ends.files_login("alice@acme.test") == 401
    assert not ends.session_alive(cookie), "suspension ends the member's sessions"
    assert ends.mail_login("bob@acme.test", bob) == 200
    assert ends.sso_login("bob@acme.test", bob) is not None
    assert ends.files_login("bob@acme.test") == 200

    edit(tenants / "acme.yaml", "    quota: 10GiB\n    state: suspended", "    quota: 10GiB")
    assert apply(stack, workdir, tenants, "--yes").code == 0
    assert ends.mail_login("alice@acme.test", alice) == 200
    assert ends.sso_login("alice@acme.test", alice) is not None
    assert ends.files_login("alice@acme.test") == 200
    assert latest_passwords(workdir / "secrets.json") == passwords, "no password was reissued"
    assert plan(stack, tenants, "--detailed-exitcode").code == 0


def test_without_a_terminal_or_yes_nothing_is_changed(stack: Stack, workdir: Path) -> None:
    tenants = copy_examples(workdir)
    result = apply(stack, workdir, tenants)
    assert result.code == 1
    assert "pass --yes" in result.stderr
    assert writes(stack) == 0


def test_a_terminal_is_asked(stack: Stack, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dezkysync.cli.apply.stdin_is_interactive", lambda: True)
    tenants = copy_examples(workdir)
    declined = run_cli(
        "apply", tenants, "--secrets-file", workdir / "s.json", env=stack.env, input="n\n"
    )
    assert declined.code == 1 and "Nothing was changed" in declined.stdout
    assert writes(stack) == 0
    accepted = run_cli(
        "apply", tenants, "--secrets-file", workdir / "s.json", env=stack.env, input="y\n"
    )
    assert accepted.code == 0, accepted.output
    assert "Apply 51 change(s)?" in accepted.stdout
    assert (workdir / "dezkysync-journal.jsonl").exists()  # the default journal


def test_secrets_file_that_cannot_be_created_stops_before_any_call(
    stack: Stack, workdir: Path
) -> None:
    tenants = copy_examples(workdir)
    blocker = workdir / "not-a-dir"
    blocker.write_text("")
    result = run_cli(
        "apply", tenants, "--yes", "--secrets-file", blocker / "secrets.json", env=stack.env
    )
    assert result.code == 1
    assert "cannot create the secrets file" in result.stderr
    assert sum(e.log.summary()["total"] for e in stack.emulators.values()) == 0


def test_saved_plan_is_applied_when_nothing_moved(stack: Stack, workdir: Path) -> None:
    tenants = copy_examples(workdir)
    saved = workdir / "plan.json"
    assert plan(stack, tenants, "--out", saved).code == 0
    result = apply(stack, workdir, saved, "--yes")
    assert result.code == 0, result.output
    assert "Apply: 51 applied" in result.stdout
    assert plan(stack, tenants, "--detailed-exitcode").code == 0
    passwords = latest_passwords(workdir / "secrets.json").values()
    assert_no_secret([saved.read_text()], passwords)


def test_stale_saved_plans_are_refused(stack: Stack, workdir: Path) -> None:
    tenants = applied_examples(stack, workdir)
    edit(tenants / "globex.yaml", "    quota: 500MB", "    quota: 600MB")
    saved = workdir / "plan.json"
    assert plan(stack, tenants, "--out", saved).code == 0
    before = writes(stack)

    # 1. the live object changed since the plan
    with stack.api("stalwart") as api:
        ids = jmap(api, ["x:Account/query", {"filter": {"name": "dan"}}, "q"])["q"]["ids"]
        jmap(api, ["x:Account/set", {"update": {ids[0]: {"quotas": {"maxDiskQuota": 1}}}}, "u"])
    before = writes(stack)
    live_moved = apply(stack, workdir, saved, "--yes")
    assert live_moved.code == 1, live_moved.output
    assert "refusing a stale plan" in live_moved.stderr
    assert "stalwart:mailbox:dan@globex.test changed on the service" in live_moved.stderr
    assert writes(stack) == before

    # 2. a tenant file changed since the plan
    assert plan(stack, tenants, "--out", saved).code == 0
    edit(tenants / "globex.yaml", "    quota: 600MB", "    quota: 700MB")
    file_moved = apply(stack, workdir, saved, "--yes")
    assert file_moved.code == 1
    assert "globex.yaml changed since the plan was computed" in file_moved.stderr
    assert writes(stack) == before

    # 3. too old
    assert plan(stack, tenants, "--out", saved).code == 0
    document = json.loads(saved.read_text())
    document["computed_from"]["created_at"] = "2020-01-01T00:00:00Z"
    document["computed_from"]["expires_at"] = "2020-01-01T01:00:00Z"
    saved.write_text(json.dumps(document))
    expired = apply(stack, workdir, saved, "--yes")
    assert expired.code == 1
    assert "maximum age" in expired.stderr
    assert writes(stack) == before

    # 4. overrides cannot be added to a saved plan
    assert plan(stack, tenants, "--out", saved).code == 0
    widened = apply(stack, workdir, saved, "--yes", "--allow-deletes")
    assert widened.code == 1 and "fixed when it is computed" in widened.stderr
    assert writes(stack) == before


def test_no_color_and_no_token_in_output(stack: Stack, workdir: Path) -> None:
    tenants = copy_examples(workdir)
    result = apply(stack, workdir, tenants, "--yes")
    for token in stack.tokens.values():
        assert token not in result.output
        assert token not in (workdir / "journal.jsonl").read_text()
    assert "\x1b[" not in result.stdout
    assert os.environ.get("DEZKYSYNC_TEST_KILL_AFTER") is None


def test_one_members_failure_stops_only_that_member(stack: Stack, workdir: Path) -> None:
    tenants = copy_examples(workdir)
    stack.stalwart.faults.inject(
        "status", status=500, method="POST", path="^/jmap", body='"name":"dan","domainId"'
    )
    failed = apply(stack, workdir, tenants, "--yes")
    assert failed.code == 1, failed.output
    assert "FAILED   stalwart:mailbox:dan@globex.test:create" in failed.stdout
    assert (
        "skipped  ocis:files-user:dan@globex.test:create: waits for "
        "stalwart:mailbox:dan@globex.test:create, which failed" in failed.stdout
    )
    assert "Apply: 49 applied, 1 failed, 1 skipped, 0 blocked." in failed.stdout
    assert "dan@globex.test are not in effect on every store yet" in failed.stderr
    assert plan(stack, tenants, "--detailed-exitcode").code == 2

    again = apply(stack, workdir, tenants, "--yes")
    assert again.code == 0, again.output
    entries = [e for e in read_secrets(workdir / "secrets.json") if e["login"] == "dan@globex.test"]
    assert [e["reason"] for e in entries] == ["created", "recreated"]
    ends = Endpoints.of_stack(stack)
    assert ends.mail_login("dan@globex.test", entries[-1]["password"]) == 200
    assert ends.sso_login("dan@globex.test", entries[-1]["password"]) is not None
    assert plan(stack, tenants, "--detailed-exitcode").code == 0


def test_stalwart_disabled_sets_passwords_on_sso_only(stack: Stack, workdir: Path) -> None:
    tenants = copy_examples(workdir)
    env = {**stack.env, "STALWART_PROVISIONING_ENABLED": "false"}
    result = run_cli("apply", tenants, "--yes", "--secrets-file", workdir / "s.json", env=env)
    assert result.code == 0, result.output
    assert stack.stalwart.log.summary()["total"] == 0
    passwords = latest_passwords(workdir / "s.json")
    assert set(passwords) == MEMBERS
    ends = Endpoints.of_stack(stack)
    assert ends.sso_login("alice@acme.test", passwords["alice@acme.test"]) is not None


def test_existing_store_is_reset_before_the_missing_one_is_created(
    stack: Stack, workdir: Path
) -> None:
    """Should the re-creation fail (or the run die) after the reset, the store is still
    missing, so the next run issues a fresh password again: never a half-set password."""
    tenants = applied_examples(stack, workdir)
    with stack.api("stalwart") as api:
        ids = jmap(api, ["x:Account/query", {"filter": {"name": "milton"}}, "q"])["q"]["ids"]
        jmap(api, ["x:Account/set", {"destroy": ids}, "d"])
    stack.stalwart.faults.inject(
        "status", status=500, method="POST", path="^/jmap", body='"name":"milton","domainId"'
    )
    failed = apply(stack, workdir, tenants, "--yes")
    assert failed.code == 1, failed.output
    secrets = workdir / "secrets.json"
    recorded = [e for e in read_secrets(secrets) if e["login"] == "milton@initech.test"]
    assert [e["reason"] for e in recorded] == ["created", "recreated"]
    ends = Endpoints.of_stack(stack)
    assert ends.sso_login("milton@initech.test", recorded[-1]["password"]) is not None
    assert ends.sso_login("milton@initech.test", recorded[0]["password"]) is None

    again = apply(stack, workdir, tenants, "--yes")
    assert again.code == 0, again.output
    recorded = [e for e in read_secrets(secrets) if e["login"] == "milton@initech.test"]
    assert [e["reason"] for e in recorded] == ["created", "recreated", "recreated"]
    assert ends.mail_login("milton@initech.test", recorded[-1]["password"]) == 200
    assert ends.sso_login("milton@initech.test", recorded[-1]["password"]) is not None
    assert plan(stack, tenants, "--detailed-exitcode").code == 0

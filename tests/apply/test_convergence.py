"""Convergence with the embedded sandbox: an apply killed halfway (SIGKILL, in a subprocess)
is completed by the next run without duplicates, and a member whose credential store had to be
created again gets a fresh password on all of its stores."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from dezkysync.sandbox.runtime import open_sandbox
from tests.apply.support import (
    ENV_VARS,
    Endpoints,
    assert_no_secret,
    copy_examples,
    jmap,
    latest_passwords,
    read_secrets,
    run_cli,
    sandbox_apply,
)


def subprocess_apply(
    workdir: Path, sandbox: Path, tenants: Path, kill_after: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    env["DEZKYSYNC_TEST_KILL_AFTER"] = kill_after
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "dezkysync",
            "--sandbox",
            "--sandbox-dir",
            str(sandbox),
            "apply",
            str(tenants),
            "--yes",
            "--secrets-file",
            "secrets.json",
            "--journal",
            "journal.jsonl",
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def rerun(workdir: Path, sandbox: Path, tenants: Path) -> str:
    result = sandbox_apply(
        sandbox,
        tenants,
        "--yes",
        "--secrets-file",
        workdir / "secrets.json",
        "--journal",
        workdir / "journal.jsonl",
    )
    assert result.code == 0, result.output
    empty = run_cli("--sandbox", "--sandbox-dir", sandbox, "plan", tenants, "--detailed-exitcode")
    assert empty.code == 0, empty.output
    return result.output


def logins_everywhere(sandbox: Path) -> dict[str, list[str]]:
    """Every login per service, as stored (to find duplicates)."""
    with open_sandbox(sandbox) as session:
        ends = Endpoints.of_sandbox(session)
        with ends.client(
            "authentik", headers={"Authorization": f"Bearer {session.tokens['authentik']}"}
        ) as api:
            users = api.get("/api/v3/core/users/", params={"page_size": 100}).json()["results"]
        with ends.client(
            "stalwart", headers={"Authorization": f"Bearer {session.tokens['stalwart']}"}
        ) as api:
            ids = jmap(api, ["x:Account/query", {}, "q"])["q"]["ids"]
            accounts = jmap(
                api, ["x:Account/get", {"ids": ids, "properties": ["emailAddress"]}, "g"]
            )["g"]["list"]
        with ends.client(
            "ocis", headers={"Authorization": f"Bearer {session.tokens['ocis']}"}
        ) as api:
            files = api.get("/graph/v1.0/users").json()["value"]
    return {
        "authentik": [u["username"] for u in users],
        "stalwart": [a["emailAddress"] for a in accounts],
        "ocis": [u["onPremisesSamAccountName"] for u in files],
    }


def check_passwords(sandbox: Path, secrets: Path) -> None:
    with open_sandbox(sandbox) as session:
        ends = Endpoints.of_sandbox(session)
        for login, password in latest_passwords(secrets).items():
            active = login != "bob@acme.test"
            assert ends.mail_login(login, password) == (200 if active else 403), login
            assert (ends.sso_login(login, password) is not None) is active, login


def test_killed_between_two_services_of_a_member_converges(workdir: Path) -> None:
    sandbox = workdir / "sandbox"
    tenants = copy_examples(workdir)
    (workdir / "dezkysync.yaml").write_text("concurrency: 1\n")
    killed_at = "authentik:identity:alice@acme.test:create"
    first = subprocess_apply(workdir, sandbox, tenants, killed_at)
    assert first.returncode == -signal.SIGKILL, first.stdout + first.stderr
    journal = [json.loads(line) for line in (workdir / "journal.jsonl").read_text().splitlines()]
    assert journal[-1]["change"] == killed_at and journal[-1]["status"] == "applied"
    first_password = latest_passwords(workdir / "secrets.json")["alice@acme.test"]

    output = rerun(workdir, sandbox, tenants)
    assert "~ identity alice@acme.test" in output  # the plan resets the existing store

    everywhere = logins_everywhere(sandbox)
    for service, logins in everywhere.items():
        duplicates = [login for login, n in Counter(logins).items() if n > 1]
        assert not duplicates, (service, duplicates)
    assert "alice@acme.test" in everywhere["stalwart"] and "alice@acme.test" in everywhere["ocis"]

    entries = read_secrets(workdir / "secrets.json")
    alice = [e for e in entries if e["login"] == "alice@acme.test"]
    assert [e["reason"] for e in alice] == ["created", "recreated"]
    assert alice[-1]["password"] != first_password
    others = [e for e in entries if e["login"] != "alice@acme.test"]
    assert sorted(e["login"] for e in others) == sorted(set(e["login"] for e in others))
    check_passwords(sandbox, workdir / "secrets.json")
    with open_sandbox(sandbox) as session:
        ends = Endpoints.of_sandbox(session)
        assert ends.sso_login("alice@acme.test", first_password) is None
    assert_no_secret(
        [first.stdout, first.stderr, output, (workdir / "journal.jsonl").read_text()],
        [e["password"] for e in entries],
    )


def test_killed_after_both_stores_needs_no_new_password(workdir: Path) -> None:
    sandbox = workdir / "sandbox"
    tenants = copy_examples(workdir)
    (workdir / "dezkysync.yaml").write_text("concurrency: 1\n")
    first = subprocess_apply(
        workdir, sandbox, tenants, "stalwart:mailbox:peter@initech.test:create"
    )
    assert first.returncode == -signal.SIGKILL, first.stdout + first.stderr
    rerun(workdir, sandbox, tenants)
    entries = read_secrets(workdir / "secrets.json")
    assert sorted(e["login"] for e in entries) == sorted({e["login"] for e in entries})
    assert {e["reason"] for e in entries} == {"created"}
    check_passwords(sandbox, workdir / "secrets.json")


DAN = "dan@globex.test"


def applied_examples(workdir: Path) -> tuple[Path, Path, Path, str]:
    """Apply the examples on a fresh sandbox: (sandbox, tenants, secrets file, dan's password)."""
    sandbox, tenants = workdir / "sandbox", copy_examples(workdir)
    secrets = workdir / "secrets.json"  # where rerun() records too
    first = sandbox_apply(
        sandbox, tenants, "--yes", "--secrets-file", secrets, "--journal", workdir / "j.jsonl"
    )
    assert first.code == 0, first.output
    return sandbox, tenants, secrets, latest_passwords(secrets)[DAN]


def sso_user(api: httpx.Client, username: str) -> dict[str, Any]:
    """The authentik user called ``username`` (exactly one)."""
    found: list[dict[str, Any]] = api.get(
        "/api/v3/core/users/", params={"username": username}
    ).json()["results"]
    assert len(found) == 1, found
    return found[0]


def assert_fresh_password_everywhere(sandbox: Path, secrets: Path, old: str, reason: str) -> None:
    """Dan's newest password is recorded for ``reason`` and works on both stores; ``old``
    no longer opens the mailbox."""
    entries = [e for e in read_secrets(secrets) if e["login"] == DAN]
    assert [e["reason"] for e in entries] == ["created", reason]
    new = entries[-1]["password"]
    with open_sandbox(sandbox) as session:
        ends = Endpoints.of_sandbox(session)
        assert ends.mail_login(DAN, new) == 200
        assert ends.sso_login(DAN, new) is not None
        assert ends.mail_login(DAN, old) == 401


def test_sso_identity_removed_by_hand_gets_a_fresh_password_on_both_stores(workdir: Path) -> None:
    sandbox, tenants, secrets, old = applied_examples(workdir)
    with open_sandbox(sandbox) as session:
        ends = Endpoints.of_sandbox(session)
        with ends.client(
            "authentik", headers={"Authorization": f"Bearer {session.tokens['authentik']}"}
        ) as api:
            dan = sso_user(api, DAN)
            assert api.delete(f"/api/v3/core/users/{dan['pk']}/").status_code == 204
        # Its OCIS user goes too: without the identity it would no longer count as managed.
        with ends.client(
            "ocis", headers={"Authorization": f"Bearer {session.tokens['ocis']}"}
        ) as api:
            assert api.delete(f"/graph/v1.0/users/{DAN}").status_code == 204
    output = rerun(workdir, sandbox, tenants)
    assert f"+ identity {DAN}" in output and f"~ mailbox {DAN}" in output
    assert_fresh_password_everywhere(sandbox, secrets, old, "recreated")


def test_identity_left_without_its_password_gets_a_fresh_one_on_every_store(
    workdir: Path,
) -> None:
    """authentik takes no password on create: a run that stops between creating the SSO
    identity and setting its password leaves the identity flagged ``password_pending``; the
    next run gives the member a fresh password on both stores and clears the flag."""
    sandbox, tenants, secrets, old = applied_examples(workdir)
    with open_sandbox(sandbox) as session:
        ends = Endpoints.of_sandbox(session)
        auth = {"Authorization": f"Bearer {session.tokens['authentik']}"}
        with ends.client("authentik", headers=auth) as api:
            dan = sso_user(api, DAN)
            assert "password_pending" not in dan["attributes"]["dezkysync"]
            # The state such a stopped run leaves: the flag set, no password anyone knows.
            marker = {**dan["attributes"]["dezkysync"], "password_pending": True}
            patched = api.patch(
                f"/api/v3/core/users/{dan['pk']}/",
                json={"attributes": {**dan["attributes"], "dezkysync": marker}},
            )
            assert patched.status_code == 200
            unknown = api.post(
                f"/api/v3/core/users/{dan['pk']}/set_password/",
                json={"password": "Unknown-To-Anyone-42x"},
            )
            assert unknown.status_code == 204
    output = rerun(workdir, sandbox, tenants)
    assert f"~ identity {DAN}" in output and f"~ mailbox {DAN}" in output
    assert_fresh_password_everywhere(sandbox, secrets, old, "reset")
    with open_sandbox(sandbox) as session:
        auth = {"Authorization": f"Bearer {session.tokens['authentik']}"}
        with Endpoints.of_sandbox(session).client("authentik", headers=auth) as api:
            assert "password_pending" not in sso_user(api, DAN)["attributes"]["dezkysync"]
    again = run_cli("--sandbox", "--sandbox-dir", sandbox, "plan", tenants, "--detailed-exitcode")
    assert again.code == 0, again.output

"""Guards at apply time: exit 3 for what they hold back, and the executor's own re-checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dezkysync.apply.journal import Journal
from dezkysync.apply.run import execute
from dezkysync.apply.secrets_file import SecretsFile
from dezkysync.plan.model import Change, ComputedFrom, FieldChange, Plan
from dezkysync.services.reader import read_live_state
from tests.apply.support import (
    Endpoints,
    Stack,
    copy_examples,
    edit,
    jmap,
    latest_passwords,
    run_cli,
)
from tests.apply.test_apply_cli import applied_examples, apply, plan


def journal_lines(workdir: Path) -> list[dict[str, object]]:
    text = (workdir / "journal.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def test_domain_still_in_use_is_blocked_with_exit_3(stack: Stack, workdir: Path) -> None:
    tenants = applied_examples(stack, workdir)
    with stack.api("stalwart") as api:
        domain = jmap(api, ["x:Domain/query", {"filter": {"name": "acme-mail.test"}}, "q"])["q"]
        jmap(
            api,
            [
                "x:Account/set",
                {
                    "create": {
                        "x": {
                            "@type": "User",
                            "name": "legacy",
                            "domainId": domain["ids"][0],
                            "description": "not ours",
                        }
                    }
                },
                "c",
            ],
        )
    edit(tenants / "acme.yaml", "  - name: acme-mail.test\n", "")
    edit(tenants / "acme.yaml", ", sales@acme-mail.test]", "]")
    result = apply(stack, workdir, tenants, "--yes")
    assert result.code == 3, result.output
    assert "domain-in-use" in result.stdout and "mailbox legacy@acme-mail.test" in result.stdout
    assert "blocked  stalwart:domain:acme-mail.test:delete" in result.stdout
    assert "applied  stalwart:alias:sales@acme-mail.test:delete" in result.stdout
    with stack.api("stalwart") as api:
        left = jmap(api, ["x:Domain/query", {"filter": {"name": "acme-mail.test"}}, "q"])
    assert left["q"]["ids"] == domain["ids"]


def test_member_of_another_tenant_keeps_mailbox_and_identity(stack: Stack, workdir: Path) -> None:
    tenants = applied_examples(stack, workdir)
    carol = latest_passwords(workdir / "secrets.json")["carol@globex.test"]
    edit(tenants / "acme.yaml", "  - email: carol@globex.test\n", "")
    result = apply(stack, workdir, tenants, "--yes")
    assert result.code == 0, result.output
    assert "Apply: 1 applied" in result.stdout
    assert "authentik:membership:tenant-acme/carol@globex.test:delete" in result.stdout
    ends = Endpoints.of_stack(stack)
    assert ends.mail_login("carol@globex.test", carol) == 200
    assert ends.sso_login("carol@globex.test", carol) is not None
    assert ends.files_login("carol@globex.test") == 200
    assert plan(stack, tenants, "--detailed-exitcode").code == 0


def test_a_tenant_file_that_disappeared_tears_nothing_down(stack: Stack, workdir: Path) -> None:
    tenants = applied_examples(stack, workdir)
    peter = latest_passwords(workdir / "secrets.json")["peter@initech.test"]
    (tenants / "initech.yaml").unlink()
    edit(tenants / "acme.yaml", "name: Bob Builder", "name: Bob Builder Jr")
    shown = plan(stack, tenants, "--detailed-exitcode")
    assert shown.code == 3, shown.output
    assert "- mailbox peter@initech.test  BLOCKED" in shown.stdout
    assert "tenant-file-missing" in shown.stdout
    result = apply(stack, workdir, tenants, "--yes")
    assert result.code == 3, result.output  # acme's change applied, initech's held back
    assert "stalwart:mailbox:bob@acme.test:update" in result.stdout
    ends = Endpoints.of_stack(stack)
    assert ends.mail_login("peter@initech.test", peter) == 200
    assert ends.sso_login("peter@initech.test", peter) is not None


def test_protected_identity_is_never_suspended(stack: Stack, workdir: Path) -> None:
    tenants = applied_examples(stack, workdir)
    config = workdir / "dezkysync.yaml"
    config.write_text("protected:\n  - ops@acme.test\n")
    edit(tenants / "acme.yaml", "    quota: 1GiB", "    quota: 1GiB\n    state: suspended")
    result = apply(stack, workdir, tenants, "--yes")
    assert result.code == 3, result.output
    assert "protected-identity" in result.stdout
    ops = latest_passwords(workdir / "secrets.json")["ops@acme.test"]
    ends = Endpoints.of_stack(stack)
    assert ends.sso_login("ops@acme.test", ops) is not None
    assert ends.mail_login("ops@acme.test", ops) == 200
    assert ends.files_login("ops@acme.test") == 200


def test_deletion_threshold_needs_allow_deletes(stack: Stack, workdir: Path) -> None:
    tenants = applied_examples(stack, workdir)
    (workdir / "dezkysync.yaml").write_text("deletion:\n  max_count: 1\n")
    text = (tenants / "initech.yaml").read_text()
    start = text.index("  - email: peter@initech.test")
    end = text.index("  # A guest may repeat")
    (tenants / "initech.yaml").write_text(
        text[:start] + text[end:].replace("peter@initech.test, milton@initech.test, ", "")
    )
    held = apply(stack, workdir, tenants, "--yes")
    assert held.code == 3, held.output
    assert "deletion-threshold" in held.stdout
    passwords = latest_passwords(workdir / "secrets.json")
    ends = Endpoints.of_stack(stack)
    assert ends.mail_login("peter@initech.test", passwords["peter@initech.test"]) == 200

    done = apply(stack, workdir, tenants, "--yes", "--allow-deletes")
    assert done.code == 0, done.output
    assert ends.mail_login("peter@initech.test", passwords["peter@initech.test"]) == 401
    assert ends.sso_login("peter@initech.test", passwords["peter@initech.test"]) is None
    assert ends.files_login("milton@initech.test") == 401
    lines = journal_lines(workdir)
    last_run = lines[-1]["run"]
    order = [
        line["change"]
        for line in lines
        if line["run"] == last_run
        and line["status"] == "applied"
        and line.get("key") == "peter@initech.test"
    ]
    assert order[:3] == [
        "authentik:identity:peter@initech.test:suspend",
        "ocis:files-user:peter@initech.test:delete",
        "stalwart:mailbox:peter@initech.test:delete",
    ], order
    assert order[-1] == "authentik:identity:peter@initech.test:delete"
    assert plan(stack, tenants, "--detailed-exitcode").code == 0


def _hand_made(*changes: Change) -> Plan:
    return Plan(
        changes=changes,
        findings=(),
        computed_from=ComputedFrom(created_at=datetime.now(UTC), max_age=timedelta(hours=1)),
    )


def test_executor_refuses_what_a_plan_must_never_hold(stack: Stack, workdir: Path) -> None:
    """A hand-edited or buggy plan still cannot suspend dezkysync itself, touch another
    tenant's objects, or adopt what is marked."""
    applied_examples(stack, workdir)
    clients = stack.clients()
    live = read_live_state(clients)
    me = live.authentik.me
    self_suspend = Change(
        id=f"authentik:identity:{me.username}:suspend",
        service="authentik",
        kind="identity",
        action="suspend",
        tenant="acme",
        key=me.username,
        live={"pk": int(me.id or 0)},
    )
    foreign_delete = Change(
        id="stalwart:mailbox:dan@globex.test:delete",
        service="stalwart",
        kind="mailbox",
        action="delete",
        tenant="acme",
        key="dan@globex.test",
    )
    foreign_adopt = Change(
        id="authentik:identity:dan@globex.test:adopt",
        service="authentik",
        kind="identity",
        action="adopt",
        tenant="acme",
        key="dan@globex.test",
        fields=(FieldChange("tenant", "globex", "acme"),),
    )
    foreign_membership = Change(
        id="authentik:membership:tenant-globex/dan@globex.test:delete",
        service="authentik",
        kind="membership",
        action="delete",
        tenant="acme",
        key="tenant-globex/dan@globex.test",
        fields=(
            FieldChange("group", "tenant-globex", None),
            FieldChange("member", "dan@globex.test", None),
        ),
    )
    before = sum(e.log.summary()["writes"] for e in stack.emulators.values())
    with (
        SecretsFile.open(workdir / "s.json") as secrets,
        Journal(workdir / "j.jsonl", command="apply") as journal,
    ):
        report = execute(
            _hand_made(self_suspend, foreign_delete, foreign_adopt, foreign_membership),
            live,
            clients,
            stack.config(),
            secrets,
            journal,
        )
    assert [o.status for o in report.outcomes] == ["blocked"] * 4
    messages = [o.message for o in report.outcomes]
    assert "the identity dezkysync itself runs as" in messages[0]
    assert "marked for tenant 'globex'" in messages[1]
    assert "never taken over" in messages[2]
    assert "the group tenant-globex is not marked as tenant 'acme''s" in messages[3]
    assert sum(e.log.summary()["writes"] for e in stack.emulators.values()) == before
    assert (
        run_cli("plan", copy_examples(workdir / "again"), "--detailed-exitcode", env=stack.env).code
        == 0
    )


def test_adoption_needs_the_flag_and_never_resets_a_password(stack: Stack, workdir: Path) -> None:
    tenants = copy_examples(workdir)
    for other in ("acme.yaml", "initech.yaml"):
        (tenants / other).unlink()
    password = "existing-Passw0rd-of-dan-42"
    with stack.api("stalwart") as api:
        created = jmap(api, ["x:Domain/set", {"create": {"d": {"name": "globex.test"}}}, "d"])
        domain_id = created["d"]["created"]["d"]["id"]
        jmap(
            api,
            [
                "x:Account/set",
                {
                    "create": {
                        "u": {
                            "@type": "User",
                            "name": "dan",
                            "domainId": domain_id,
                            "description": "Dan Brown",
                            "credentials": {"0": {"@type": "Password", "secret": password}},
                            "quotas": {"maxDiskQuota": 500_000_000},
                        }
                    }
                },
                "u",
            ],
        )
    with stack.api("authentik") as api:
        user = api.post(
            "/api/v3/core/users/",
            json={"username": "dan@globex.test", "name": "Dan Brown", "email": "dan@globex.test"},
        ).json()
        api.post(f"/api/v3/core/users/{user['pk']}/set_password/", json={"password": password})
    with stack.api("ocis") as api:
        api.post(
            "/graph/v1.0/users",
            json={"onPremisesSamAccountName": "dan@globex.test", "displayName": "Dan Brown"},
        )
    held = apply(stack, workdir, tenants, "--yes")
    assert held.code == 3, held.output
    assert "unmanaged-collision" in held.stdout and "(override: --adopt)" in held.stdout
    adopted = apply(stack, workdir, tenants, "--yes", "--adopt")
    assert adopted.code == 0, adopted.output
    assert "⇄ identity dan@globex.test" in adopted.stdout
    ends = Endpoints.of_stack(stack)
    assert ends.mail_login("dan@globex.test", password) == 200
    assert ends.sso_login("dan@globex.test", password) is not None
    assert "dan@globex.test" not in latest_passwords(workdir / "secrets.json")
    assert plan(stack, tenants, "--detailed-exitcode").code == 0

"""One-time passwords, the secrets file and the journal."""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

import pytest

from dezkysync import redact
from dezkysync.apply.journal import Journal, actor_from_environment
from dezkysync.apply.passwords import ALPHABET, GROUP_LENGTH, GROUPS, generate_password
from dezkysync.apply.secrets_file import SecretsFile, SecretsFileError


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_passwords_are_strong_distinct_and_registered_for_redaction() -> None:
    passwords = {generate_password() for _ in range(500)}
    assert len(passwords) == 500
    bits = GROUPS * GROUP_LENGTH * math.log2(len(ALPHABET))
    assert bits > 128
    for password in list(passwords)[:20]:
        groups = password.split("-")
        assert len(groups) == GROUPS
        assert all(len(g) == GROUP_LENGTH and set(g) <= set(ALPHABET) for g in groups)
        assert not set("0O1lI") & set(password)
        assert redact.redact(f"x {password} y") == "x [REDACTED] y"


def test_secrets_file_is_created_0600_before_any_entry(tmp_path: Path) -> None:
    path = tmp_path / "out" / "secrets.json"
    with SecretsFile.open(path):
        assert path.exists()
        assert _mode(path) == 0o600
        assert json.loads(path.read_text())["entries"] == []


def test_each_entry_is_on_disk_before_record_returns(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    with SecretsFile.open(path) as secrets_file:
        first = generate_password()
        secrets_file.record(
            tenant="acme",
            email="a@acme.example",
            login="a@acme.example",
            password=first,
            reason="created",
        )
        on_disk = json.loads(path.read_text())["entries"]
        assert [e["password"] for e in on_disk] == [first]
        assert set(on_disk[0]) == {"tenant", "email", "login", "password", "reason", "time"}
        assert _mode(path) == 0o600


def test_existing_entries_are_never_lost(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    with SecretsFile.open(path) as secrets_file:
        secrets_file.record(
            tenant="acme",
            email="a@acme.example",
            login="a@acme.example",
            password=generate_password(),
            reason="created",
        )
    with SecretsFile.open(path) as secrets_file:
        secrets_file.record(
            tenant="acme",
            email="b@acme.example",
            login="b@acme.example",
            password=generate_password(),
            reason="reset",
        )
        assert [e.email for e in secrets_file.entries] == ["a@acme.example", "b@acme.example"]
    assert len(json.loads(path.read_text())["entries"]) == 2


def test_unreadable_secrets_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text("{ not json")
    with pytest.raises(SecretsFileError, match="refusing to overwrite"):
        SecretsFile.open(path)
    assert path.read_text() == "{ not json"
    path.write_text('["a list"]')
    with pytest.raises(SecretsFileError, match="not a dezkysync secrets file"):
        SecretsFile.open(path)


def test_loose_mode_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text('{"format_version": 1, "entries": []}')
    os.chmod(path, 0o644)
    with SecretsFile.open(path):
        assert _mode(path) == 0o600


def test_second_writer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    with SecretsFile.open(path), pytest.raises(SecretsFileError, match="in use"):
        SecretsFile.open(path)


def test_uncreatable_secrets_file_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SecretsFileError, match="cannot create"):
        SecretsFile.open(blocker / "secrets.json")


def test_entry_repr_hides_the_password() -> None:
    password = generate_password()
    with pytest.MonkeyPatch.context():
        from dezkysync.apply.secrets_file import SecretEntry

        entry = SecretEntry("acme", "a@acme.example", "a@acme.example", password, "created", "t")
        assert password not in repr(entry)
        assert password not in str(entry)


def test_journal_lines_are_json_with_actor_and_no_secret(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    password = generate_password()
    with Journal(path, command="apply", actor="ci:bot") as journal:
        journal.write("applied", change="authentik.user.create:a@acme.example", duration_ms=12)
        journal.write("failed", change="x", error=f"server said {password} is weak")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["status"] for line in lines] == ["applied", "failed"]
    assert {line["actor"] for line in lines} == {"ci:bot"}
    assert lines[0]["run"] == lines[1]["run"]
    assert password not in path.read_text()
    assert "[REDACTED]" in lines[1]["error"]


def test_actor_comes_from_the_ci_environment() -> None:
    assert actor_from_environment({"GITHUB_ACTOR": "octocat"}) == "github:octocat"
    assert actor_from_environment({"GITLAB_USER_LOGIN": "ops"}) == "gitlab:ops"
    assert actor_from_environment({"DEZKYSYNC_ACTOR": "alice"}) == "alice"
    assert "@" in actor_from_environment({})

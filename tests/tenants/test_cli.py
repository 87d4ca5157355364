"""``dezkysync validate``: formats, exit codes and never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dezkysync.cli import cli
from dezkysync.cli.validate import github_annotation
from dezkysync.tenants import ValidationError

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "tenants"


@pytest.fixture
def examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the examples in the working directory, as ``tenants/``."""
    target = tmp_path / "tenants"
    target.mkdir()
    for file in EXAMPLES.glob("*.yaml"):
        (target / file.name).write_bytes(file.read_bytes())
    monkeypatch.chdir(tmp_path)
    return target


def _break(examples: Path) -> None:
    acme = examples / "acme.yaml"
    acme.write_text(acme.read_text().replace("role: admin", "role: boss", 1))
    globex = examples / "globex.yaml"
    globex.write_text(globex.read_text().replace("tenant: globex", "tenant: acme"))


def test_valid_examples_text(examples: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "tenants"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "3 tenants in 3 files are valid\n"
    assert result.stderr == ""


def test_valid_single_tenant_wording(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("solo.yml").write_text("tenant: solo\nname: Solo\n")
    result = CliRunner().invoke(cli, ["validate", "solo.yml"])
    assert (result.exit_code, result.stdout) == (0, "1 tenant in 1 file is valid\n")


def test_examples_in_the_repository_are_valid() -> None:
    result = CliRunner().invoke(cli, ["validate", str(EXAMPLES)])
    assert result.exit_code == 0, result.output


def test_several_errors_in_several_files_text(examples: Path) -> None:
    _break(examples)
    result = CliRunner().invoke(cli, ["validate", "tenants"])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("tenants/acme.yaml:17:11: members[0].role: 'boss' is not allowed")
    assert lines[1].startswith("tenants/globex.yaml:3:9: tenant: tenant 'acme' is already")
    assert lines[2:] == ["2 errors in 2 files"]


def test_json_format(examples: Path) -> None:
    result = CliRunner().invoke(cli, ["validate", "--format", "json", "tenants"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"valid": True, "errors": [], "tenants": 3, "files": 3}
    _break(examples)
    result = CliRunner().invoke(cli, ["validate", "--format", "json", "tenants"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["tenants"] == 0 and report["files"] == 3
    assert report["errors"][0] == {
        "file": "tenants/acme.yaml",
        "line": 17,
        "column": 11,
        "location": "members[0].role",
        "message": "'boss' is not allowed here; choose one of: admin, member",
    }


def test_github_format(examples: Path) -> None:
    _break(examples)
    result = CliRunner().invoke(cli, ["validate", "--format", "github", "tenants"])
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first == (
        "::error file=tenants/acme.yaml,line=17,col=11,title=dezkysync::"
        "members[0].role: 'boss' is not allowed here; choose one of: admin, member"
    )
    assert result.stderr.endswith("in 2 files\n")


def test_github_annotation_escapes_workflow_command_characters() -> None:
    error = ValidationError("a,b:c.yaml", 2, 3, "", "100% broken\nreally")
    assert github_annotation(error) == (
        "::error file=a%2Cb%3Ac.yaml,line=2,col=3,title=dezkysync::100%25 broken%0Areally"
    )


def test_missing_path_and_usage_errors_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["validate", "nowhere"])
    assert (result.exit_code, result.stderr) == (
        1,
        "nowhere:1:1: no such file or directory\n1 error in 1 file\n",
    )
    assert CliRunner().invoke(cli, ["validate"]).exit_code == 1
    assert CliRunner().invoke(cli, ["validate", "--format", "xml", "x"]).exit_code == 1


def test_unexpected_failure_is_one_line_and_exit_1(
    examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(paths: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("dezkysync.cli.validate.check_tenant_files", explode)
    result = CliRunner().invoke(cli, ["validate", "tenants"])
    assert result.exit_code == 1
    assert result.stderr == "dezkysync validate: internal error (RuntimeError): disk on fire\n"
    assert "Traceback" not in result.output


def test_validate_is_wired_into_the_root_group() -> None:
    from dezkysync.cli import LazyGroup
    from dezkysync.cli.validate import command

    assert LazyGroup._load("validate") is command


def test_values_of_unknown_keys_are_not_echoed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("t.yaml").write_text(
        "tenant: t\nname: T\nmembers:\n  - email: a@t.example\n    name: A\n"
        "    password: hunter2-very-secret\n"
    )
    result = CliRunner().invoke(cli, ["validate", "--format", "json", "t.yaml"])
    assert result.exit_code == 1
    assert "unknown key 'password'" in result.stdout
    assert "hunter2" not in result.output

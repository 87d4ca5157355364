"""The broken-file corpus: every case runs through the real CLI and must name the exact spot.

Each ``corpus/<case>/`` holds the tenant files of one run and ``expected.txt``: a ``# what``
line, an optional ``args: PATH ...`` line (default ``.``) and one
``FILE:LINE:COL: message fragment`` line per error the run must report — no more, no fewer.
The command runs inside the case directory, so file names are the relative paths as given.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from dezkysync.cli import cli
from dezkysync.tenants import yamlfile
from dezkysync.tenants.loader import check_tenant_files

CORPUS = Path(__file__).parent / "corpus"
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Expected:
    spot: str  # FILE:LINE:COL
    fragment: str


@dataclass(frozen=True)
class Case:
    name: str
    directory: Path
    description: str
    args: tuple[str, ...]
    expected: tuple[Expected, ...]


def _load(directory: Path) -> Case:
    description = ""
    args: tuple[str, ...] = (".",)
    expected: list[Expected] = []
    for line in (directory / "expected.txt").read_text("utf-8").splitlines():
        if line.startswith("# "):
            description = line[2:]
        elif line.startswith("args: "):
            args = tuple(line[len("args: ") :].split())
        elif line.strip():
            spot, _, fragment = line.partition(": ")
            expected.append(Expected(spot.rstrip(":"), fragment))
    return Case(directory.name, directory, description, args, tuple(expected))


CASES = [_load(d) for d in sorted(CORPUS.iterdir()) if d.is_dir()]
# Run these through a real ``python -m dezkysync`` process as well.
SUBPROCESS_CASES = {
    "yaml-billion-laughs",
    "encoding-latin-1",
    "yaml-python-tag",
    "domain-mixed-script",
    "guest-name-conflict",
    "path-missing",
    "several-errors-sorted",
}


def test_corpus_is_large_and_well_formed() -> None:
    assert len(CASES) >= 50
    for case in CASES:
        assert case.description, case.name
        assert case.expected, case.name
        for expected in case.expected:
            file, line, column = expected.spot.rsplit(":", 2)
            assert file and int(line) >= 1 and int(column) >= 1, (case.name, expected)
    assert {case.name for case in CASES} >= SUBPROCESS_CASES


def _check_output(case: Case, exit_code: int, stderr: str, stdout: str) -> None:
    assert "Traceback" not in stderr + stdout
    assert exit_code == 1, (case.name, stderr)
    lines = [line for line in stderr.splitlines() if line]
    *errors, summary = lines
    files = {e.spot.rsplit(":", 2)[0] for e in case.expected}
    count = len(case.expected)
    assert summary == (
        f"{count} error{'' if count == 1 else 's'} in {len(files)} file"
        f"{'' if len(files) == 1 else 's'}"
    ), (case.name, lines)
    assert len(errors) == count, (case.name, errors)
    for expected in case.expected:
        matching = [
            e for e in errors if e.startswith(expected.spot + ":") and expected.fragment in e
        ]
        assert matching, f"{case.name}: no error at {expected.spot} with {expected.fragment!r}" + (
            "\n" + "\n".join(errors)
        )
    assert errors == sorted(errors, key=_sort_key), case.name


def _sort_key(line: str) -> tuple[str, int, int]:
    file, line_no, column, _ = line.split(":", 3)
    return file, int(line_no), int(column)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case_via_cli(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case.directory)
    result = CliRunner().invoke(cli, ["validate", *case.args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    _check_output(case, result.exit_code, result.stderr, result.stdout)
    assert result.stdout == ""


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case_with_the_pure_python_parser(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without libyaml, every error is reported at the same spot."""
    monkeypatch.setattr(yamlfile, "_Parser", yaml.SafeLoader)
    monkeypatch.chdir(case.directory)
    report = check_tenant_files(list(case.args))
    files = len({error.file for error in report.errors})
    count = len(report.errors)
    summary = f"{count} error{'' if count == 1 else 's'} in {files} file{'' if files == 1 else 's'}"
    _check_output(case, 1, "\n".join([*map(str, report.errors), summary]), "")


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c.name in SUBPROCESS_CASES],
    ids=sorted(SUBPROCESS_CASES),
)
def test_corpus_case_via_subprocess(case: Case) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.run(
        [sys.executable, "-m", "dezkysync", "validate", *case.args],
        cwd=case.directory,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        check=False,
    )
    _check_output(case, process.returncode, process.stderr, process.stdout)


@pytest.mark.parametrize("case", CASES[:: max(1, len(CASES) // 12)], ids=lambda c: c.name)
def test_corpus_case_json_and_github(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case.directory)
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", "--format", "json", *case.args])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    spots = [f"{e['file']}:{e['line']}:{e['column']}" for e in report["errors"]]
    assert sorted(spots, key=lambda s: _sort_key(s + ":")) == spots
    assert {e.spot for e in case.expected} == set(spots)
    github = runner.invoke(cli, ["validate", "--format", "github", *case.args])
    assert github.exit_code == 1
    annotations = github.stdout.splitlines()
    assert len(annotations) == len(case.expected)
    for annotation in annotations:
        assert annotation.startswith("::error file=")
        assert ",title=dezkysync::" in annotation

"""The CI examples and the pre-commit hook: every file parses as YAML, and every dezkysync
command line in them uses commands, flags and choices the CLI really has (checked against the
click command objects, so a renamed flag breaks this test, not a customer's pipeline)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from dezkysync.cli import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "ci"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
FILES = sorted(p for p in EXAMPLES.rglob("*") if p.is_file())
SHELL_KEYS = {"run", "script", "before_script", "after_script"}
_STOP = {"|", "||", "&", "&&", ";", ">", ">>", "<", "(", ")", "2"}  # "2" of "2>"
_INVOCATION = re.compile(r"(^|[\s;&|(])dezkysync\s")


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def shell_texts(node: Any, key: str | None = None) -> Iterator[str]:
    """Every shell snippet of a workflow: the values of run/script keys."""
    if isinstance(node, dict):
        for name, value in node.items():
            yield from shell_texts(value, str(name))
    elif isinstance(node, list):
        for item in node:
            yield from shell_texts(item, key)
    elif isinstance(node, str) and key in SHELL_KEYS:
        yield node


def invocations(text: str) -> Iterator[list[str]]:
    """The argument lists after each ``dezkysync`` word of a shell snippet."""
    for line in text.replace("\\\n", " ").splitlines():
        if not _INVOCATION.search(line):
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens = list(lexer)
        for start, token in enumerate(tokens):
            if token != "dezkysync":
                continue
            args: list[str] = []
            for item in tokens[start + 1 :]:
                if item in _STOP:
                    break
                args.append(item)
            yield args


def _option(command: click.Command, flag: str) -> click.Parameter:
    for param in command.get_params(click.Context(command)):
        if flag in getattr(param, "opts", ()) or flag in getattr(param, "secondary_opts", ()):
            return param
    raise AssertionError(f"{command.name}: no option {flag}")


def check_invocation(args: list[str]) -> str:
    """Resolve ``dezkysync ARGS`` to a command and check every flag and literal choice;
    return the command's name (``dns check`` for a group's command)."""
    ctx = click.Context(cli)
    position = 0
    while position < len(args) and args[position].startswith("-"):
        param = _option(cli, args[position].split("=")[0])
        takes_value = isinstance(param, click.Option) and not param.is_flag
        position += 2 if takes_value and "=" not in args[position] else 1
    assert position < len(args), f"no command in dezkysync {' '.join(args)}"
    name = args[position]
    command = cli.get_command(ctx, name)
    assert command is not None, f"no command {name!r}"
    position += 1
    if isinstance(command, click.Group):
        sub = command.get_command(ctx, args[position])
        assert sub is not None, f"no command {name} {args[position]}"
        name = f"{name} {args[position]}"
        command, position = sub, position + 1
    rest = args[position:]
    index = 0
    while index < len(rest):
        token = rest[index]
        index += 1
        if not token.startswith("-") or token == "-":
            continue
        flag, _, inline = token.partition("=")
        param = _option(command, flag)
        if not isinstance(param, click.Option) or param.is_flag:
            continue
        value = inline if inline else (rest[index] if index < len(rest) else "")
        if not inline:
            index += 1
        if isinstance(param.type, click.Choice) and "$" not in value:
            assert value in param.type.choices, f"{name} {flag}: {value!r} is not a choice"
    return name


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(ROOT).as_posix() for p in FILES])
def test_every_example_parses_and_uses_real_flags(path: Path) -> None:
    document = load(path)
    assert isinstance(document, dict), f"{path} is not a YAML mapping"
    found = [check_invocation(args) for text in shell_texts(document) for args in invocations(text)]
    assert found, f"{path} runs no dezkysync command"


def test_the_examples_cover_every_job() -> None:
    used: dict[str, set[str]] = {}
    for path in FILES:
        for text in shell_texts(load(path)):
            for args in invocations(text):
                used.setdefault(path.name, set()).add(check_invocation(args))
    assert used["plan.yml"] >= {"validate", "plan"}
    assert used["apply.yml"] >= {"validate", "apply"}
    assert used["drift.yml"] == {"drift"} and used["drift-sharded.yml"] == {"drift"}
    assert used[".gitlab-ci.yml"] >= {"validate", "plan", "apply", "drift"}


def test_github_workflows_do_what_docs_ci_says() -> None:
    github = EXAMPLES / "github"
    plan_text = (github / "plan.yml").read_text(encoding="utf-8")
    for needle in (
        "validate --format github",
        "--format markdown --detailed-exitcode --out plan.json",
        "actions/github-script@",
        "<!-- dezkysync-plan -->",
        "updateComment",
        "actions/upload-artifact@",
    ):
        assert needle in plan_text, needle
    apply = load(github / "apply.yml")
    assert apply["concurrency"] == {"group": "dezkysync-services", "cancel-in-progress": False}
    assert apply["jobs"]["apply"]["environment"]
    apply_text = (github / "apply.yml").read_text(encoding="utf-8")
    assert "age --encrypt" in apply_text and "retention-days: 3" in apply_text
    drift = load(github / "drift.yml")
    assert drift[True]["schedule"]  # YAML 1.1 reads the key `on` as true
    assert drift["concurrency"]["group"] == apply["concurrency"]["group"]
    sharded = load(github / "drift-sharded.yml")
    assert sharded["jobs"]["drift"]["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]


def test_gitlab_drift_warns_on_pending() -> None:
    gitlab = load(EXAMPLES / "gitlab" / ".gitlab-ci.yml")
    assert gitlab["dezkysync-drift"]["allow_failure"] == {"exit_codes": [2]}
    assert (
        gitlab["dezkysync-apply"]["resource_group"] == gitlab["dezkysync-drift"]["resource_group"]
    )


def test_pre_commit_hook_validates_every_file() -> None:
    hooks = load(HOOKS)
    assert isinstance(hooks, list)
    hook = next(h for h in hooks if h["id"] == "dezkysync-validate")
    assert hook["pass_filenames"] is False
    args = shlex.split(hook["entry"]) + list(hook.get("args", []))
    assert args[0] == "dezkysync"
    assert check_invocation(args[1:]) == "validate"


def test_the_checker_catches_mistakes() -> None:
    for bad in (
        "dezkysync plan tenants/ --shards 1/2",  # no such flag
        "dezkysync drift tenants/ --format github",  # not a choice of drift
        "dezkysync --sandbox-directory x plan tenants/",  # no such global option
        "dezkysync deploy tenants/",  # no such command
    ):
        (args,) = list(invocations(bad))
        with pytest.raises(AssertionError):
            check_invocation(args)
    (args,) = list(invocations('x && dezkysync --no-color plan t/ --format=json > "p.json"'))
    assert check_invocation(args) == "plan"

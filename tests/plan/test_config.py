"""Configuration: environment, optional file, validation with file:line:col, secrets."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from dezkysync.config import (
    ConfigError,
    DeletionLimits,
    default_config_path,
    load_config,
)

ENV = {
    "STALWART_URL": "https://mail.example.test/",
    "STALWART_TOKEN": "tok-stalwart",
    "AUTHENTIK_URL": "https://sso.example.test",
    "AUTHENTIK_TOKEN": "tok-authentik",
    "OCIS_URL": "http://files.example.test:9200",
    "OCIS_TOKEN": "tok-ocis",
}
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dezkysync.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dezkysync.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(exc: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_environment_only() -> None:
    config = load_config(env=ENV)
    assert config.service("stalwart").url == "https://mail.example.test"
    assert config.service("ocis").url == "http://files.example.test:9200"  # plain http is fine
    assert config.stalwart_enabled
    assert config.concurrency == 8
    assert config.deletion == DeletionLimits(10, 25.0)
    assert config.plan_max_age == timedelta(hours=1)
    assert config.protected == frozenset()
    assert set(config.secrets) == {"tok-stalwart", "tok-authentik", "tok-ocis"}


def test_tokens_never_in_repr() -> None:
    config = load_config(env=ENV)
    text = repr(config)
    assert "tok-" not in text
    assert "mail.example.test" in text


def test_missing_variables_are_named() -> None:
    env = {k: v for k, v in ENV.items() if k not in ("AUTHENTIK_TOKEN", "OCIS_URL")}
    with pytest.raises(ConfigError) as caught:
        load_config(env=env)
    (message,) = problems(caught)
    assert "OCIS_URL" in message and "AUTHENTIK_TOKEN" in message
    assert "--sandbox" in message


def test_missing_variables_allowed_when_not_required() -> None:
    config = load_config(env={}, require_services=False)
    assert config.services == {}


def test_stalwart_disabled_skips_its_variables() -> None:
    env = {k: v for k, v in ENV.items() if not k.startswith("STALWART")}
    env["STALWART_PROVISIONING_ENABLED"] = "false"
    config = load_config(env=env)
    assert not config.stalwart_enabled
    assert "stalwart" not in config.services


def test_stalwart_flag_must_be_boolean() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(env={**ENV, "STALWART_PROVISIONING_ENABLED": "maybe"})
    assert "STALWART_PROVISIONING_ENABLED" in problems(caught)[0]


def test_bad_url() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(env={**ENV, "OCIS_URL": "ftp://files"})
    assert problems(caught) == ["OCIS_URL: expected an http:// or https:// URL, got 'ftp://files'"]


def test_example_file_is_valid() -> None:
    config = load_config(env=ENV, path=EXAMPLE)
    assert config.protected == frozenset({"ops@acme.example"})
    assert config.plan_max_age == timedelta(hours=1)
    assert config.deletion == DeletionLimits(10, 25.0)
    assert config.service("stalwart").timeout == 30.0


def test_file_values_and_env_precedence(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
services:
  authentik: {url: "https://from-file.example.test", timeout: 12.5}
  ocis: {url: "https://ocis-file.example.test"}
concurrency: 3
deletion: {max_count: 4, max_percent: 10}
protected: [Ops@Acme.Example, root@acme.example]
plan: {max_age: 30m}
""",
    )
    env = {k: v for k, v in ENV.items() if k != "OCIS_URL"}
    config = load_config(env=env, path=path)
    assert config.service("authentik").url == "https://sso.example.test"  # env wins
    assert config.service("authentik").timeout == 12.5
    assert config.service("ocis").url == "https://ocis-file.example.test"  # file fills in
    assert config.concurrency == 3
    assert config.deletion == DeletionLimits(4, 10.0)
    assert config.protected == frozenset({"ops@acme.example", "root@acme.example"})
    assert config.plan_max_age == timedelta(minutes=30)


def test_file_errors_all_at_once_with_positions(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """services:
  stalwart:
    url: https://mail.example.test
    token: oops
  exchange: {}
concurrency: yes
deletion:
  max_count: -1
  max_percent: 150
protected: [not-an-address]
plan: {max_age: forever}
colour: blue
""",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(env=ENV, path=path)
    found = problems(caught)
    name = str(path)
    expected = [
        f"{name}:4:5: tokens are never read from the file",
        f"{name}:5:3: unknown service 'exchange'",
        f"{name}:6:14: concurrency: expected a whole number",
        f"{name}:8:14: deletion.max_count: must be at least 0",
        f"{name}:9:16: deletion.max_percent: at most 100",
        f"{name}:10:13: protected: expected an email address",
        f"{name}:11:17: plan.max_age: expected a duration",
        f"{name}:12:1: unknown key 'colour'",
    ]
    for fragment in expected:
        assert any(problem.startswith(fragment) for problem in found), (fragment, found)
    assert all("oops" not in problem for problem in found)


def test_yaml_syntax_error_position(tmp_path: Path) -> None:
    path = write(tmp_path, "services:\n  ocis: [\n")
    with pytest.raises(ConfigError) as caught:
        load_config(env=ENV, path=path)
    (message,) = problems(caught)
    assert message.startswith(f"{path}:3:1: YAML syntax error")


def test_duplicate_keys_and_aliases_are_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "concurrency: 2\nconcurrency: 3\n")
    with pytest.raises(ConfigError) as caught:
        load_config(env=ENV, path=path)
    assert problems(caught) == [f"{path}:2:1: duplicate key 'concurrency'"]

    path = write(tmp_path, "plan: &a {max_age: 1h}\nservices: *a\n")
    with pytest.raises(ConfigError) as caught:
        load_config(env=ENV, path=path)
    assert "anchors and aliases" in problems(caught)[0]


def test_empty_and_missing_files(tmp_path: Path) -> None:
    assert load_config(env=ENV, path=write(tmp_path, "")).concurrency == 8
    with pytest.raises(ConfigError, match="not found"):
        load_config(env=ENV, path=tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_config(env=ENV, path=write(tmp_path, "- a\n"))


def test_default_config_path(tmp_path: Path) -> None:
    assert default_config_path(tmp_path) is None
    path = write(tmp_path, "concurrency: 2\n")
    assert default_config_path(tmp_path) == path

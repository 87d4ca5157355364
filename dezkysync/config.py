"""Configuration: service endpoints and tokens, safety limits, protected identities.

Two sources, merged:

- the environment: ``STALWART_URL``, ``STALWART_TOKEN``, ``AUTHENTIK_URL``, ``AUTHENTIK_TOKEN``,
  ``OCIS_URL``, ``OCIS_TOKEN`` and ``STALWART_PROVISIONING_ENABLED`` (``false`` skips the
  Stalwart side entirely);
- an optional YAML file (``dezkysync.yaml``) with ``services.<name>.{url,timeout}``,
  ``concurrency``, ``deletion.{max_count,max_percent}``, ``protected`` and ``plan.max_age``.

The environment wins over the file for endpoints; tokens come **only** from the environment.
Every problem is reported at once, each with ``file:line:col`` when it comes from the file.
Tokens never appear in a ``repr`` or an error message.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import yaml

from dezkysync import redact

ServiceName = Literal["stalwart", "authentik", "ocis"]
SERVICE_NAMES: tuple[ServiceName, ...] = ("stalwart", "authentik", "ocis")

#: Environment variable prefix of each service (``<PREFIX>_URL``, ``<PREFIX>_TOKEN``).
ENV_PREFIX: dict[ServiceName, str] = {
    "stalwart": "STALWART",
    "authentik": "AUTHENTIK",
    "ocis": "OCIS",
}
STALWART_ENABLED_VAR = "STALWART_PROVISIONING_ENABLED"
DEFAULT_CONFIG_NAME = "dezkysync.yaml"

DEFAULT_TIMEOUT = 30.0
DEFAULT_CONCURRENCY = 8
DEFAULT_MAX_DELETE_COUNT = 10
DEFAULT_MAX_DELETE_PERCENT = 25.0
DEFAULT_PLAN_MAX_AGE = timedelta(hours=1)
MAX_CONCURRENCY = 64

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class ConfigProblem:
    """One configuration error: where it is (``file:line:col`` or a variable name) and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` lists every error found."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class ServiceSettings:
    """How to reach one service. The token is kept out of ``repr``."""

    name: ServiceName
    url: str  # base URL without a trailing slash
    token: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT

    @property
    def verify_tls(self) -> bool:
        """TLS certificates are always verified for https (plain http is accepted as is)."""
        return True


@dataclass(frozen=True)
class DeletionLimits:
    """Per-tenant deletion guard: more than ``max_count`` removals, or more than
    ``max_percent`` of the tenant's managed objects, is blocked without ``--allow-deletes``."""

    max_count: int = DEFAULT_MAX_DELETE_COUNT
    max_percent: float = DEFAULT_MAX_DELETE_PERCENT


@dataclass(frozen=True)
class Config:
    """Everything a command needs to reach the services and stay within the safety limits."""

    services: Mapping[ServiceName, ServiceSettings]  # only the services in use
    stalwart_enabled: bool = True
    concurrency: int = DEFAULT_CONCURRENCY
    deletion: DeletionLimits = field(default_factory=DeletionLimits)
    protected: frozenset[str] = frozenset()
    plan_max_age: timedelta = DEFAULT_PLAN_MAX_AGE
    config_file: Path | None = None
    #: One swappable httpx transport per service (the sandbox's in-process emulators, tests).
    transports: Mapping[str, httpx.BaseTransport] = field(
        default_factory=dict, repr=False, compare=False
    )

    def service(self, name: ServiceName) -> ServiceSettings:
        """The settings of ``name``; KeyError when that service is not in use."""
        return self.services[name]

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every token, so that messages can be scrubbed of them."""
        return tuple(s.token for s in self.services.values() if s.token)


@dataclass
class _FileValues:
    urls: dict[str, tuple[str, str]] = field(default_factory=dict)  # service -> (url, where)
    timeouts: dict[str, float] = field(default_factory=dict)
    concurrency: int = DEFAULT_CONCURRENCY
    deletion: DeletionLimits = field(default_factory=DeletionLimits)
    protected: frozenset[str] = frozenset()
    plan_max_age: timedelta = DEFAULT_PLAN_MAX_AGE


def default_config_path(cwd: Path | None = None) -> Path | None:
    """``./dezkysync.yaml`` when it exists, else None."""
    candidate = (cwd or Path.cwd()) / DEFAULT_CONFIG_NAME
    return candidate if candidate.is_file() else None


def load_config(
    *,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
    transports: Mapping[str, httpx.BaseTransport] | None = None,
    require_services: bool = True,
) -> Config:
    """Read the environment (``os.environ`` by default) and the optional file at ``path``.

    With ``require_services`` (commands that talk to the services), a missing URL or token is
    an error naming the variables. Raises :class:`ConfigError` listing every problem.
    """
    env = os.environ if env is None else env
    problems: list[ConfigProblem] = []
    values = _FileValues()
    if path is not None:
        values = _read_file(path, problems)

    stalwart_enabled = True
    raw_enabled = env.get(STALWART_ENABLED_VAR)
    if raw_enabled is not None and raw_enabled.strip() != "":
        flag = raw_enabled.strip().lower()
        if flag in _TRUE:
            stalwart_enabled = True
        elif flag in _FALSE:
            stalwart_enabled = False
        else:
            problems.append(
                ConfigProblem(STALWART_ENABLED_VAR, f"expected true or false, got {raw_enabled!r}")
            )

    services: dict[ServiceName, ServiceSettings] = {}
    missing: list[str] = []
    for name in SERVICE_NAMES:
        if name == "stalwart" and not stalwart_enabled:
            continue
        prefix = ENV_PREFIX[name]
        url_var, token_var = f"{prefix}_URL", f"{prefix}_TOKEN"
        url = (env.get(url_var) or "").strip()
        where = url_var
        if not url and name in values.urls:
            url, where = values.urls[name]
        token = (env.get(token_var) or "").strip()
        if not url:
            missing.append(url_var)
        if not token:
            missing.append(token_var)
        if not url or not token:
            continue
        problem = _check_url(url)
        if problem:
            problems.append(ConfigProblem(where, problem))
            continue
        services[name] = ServiceSettings(
            name=name,
            url=url.rstrip("/"),
            token=token,
            timeout=values.timeouts.get(name, DEFAULT_TIMEOUT),
        )
    if missing and require_services:
        hint = (
            "set them in the environment (see .env.example; URLs may also come from "
            "services.<name>.url in dezkysync.yaml), or use --sandbox to try the emulators"
        )
        if stalwart_enabled and any(m.startswith("STALWART_") for m in missing):
            hint += f"; {STALWART_ENABLED_VAR}=false skips Stalwart"
        problems.append(
            ConfigProblem("environment", f"missing variables {', '.join(missing)}: {hint}")
        )
    if problems:
        raise ConfigError(problems)
    # Tokens are masked wherever text leaves the program (journal, errors), not only in the
    # HTTP layer's own messages.
    redact.register(*(settings.token for settings in services.values()))
    return Config(
        services=services,
        stalwart_enabled=stalwart_enabled,
        concurrency=values.concurrency,
        deletion=values.deletion,
        protected=values.protected,
        plan_max_age=values.plan_max_age,
        config_file=path,
        transports=dict(transports or {}),
    )


def _check_url(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"not a URL ({exc})"
    if parts.scheme not in {"http", "https"}:
        return f"expected an http:// or https:// URL, got {url!r}"
    if not parts.hostname:
        return f"the URL {url!r} has no host"
    if parts.query or parts.fragment:
        return f"the URL {url!r} must not carry a query or fragment"
    if parts.username or parts.password:
        return "the URL must not carry credentials (tokens come from the environment)"
    return None


# -- the file ---------------------------------------------------------------------------------


class _Node:
    """A YAML node with its position, for messages."""

    def __init__(self, node: yaml.Node, file: str) -> None:
        self.node = node
        self.file = file
        self.where = f"{file}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


def _read_file(path: Path, problems: list[ConfigProblem]) -> _FileValues:
    values = _FileValues()
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(ConfigProblem(name, "configuration file not found"))
        return values
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(ConfigProblem(name, f"cannot read the configuration file: {exc}"))
        return values
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                start = event.start_mark
                where = f"{name}:{start.line + 1}:{start.column + 1}" if start else name
                problems.append(
                    ConfigProblem(
                        where, "YAML anchors and aliases are not supported in the configuration"
                    )
                )
                return values
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        problems.append(ConfigProblem(where, f"YAML syntax error: {exc.problem}"))
        return values
    except yaml.YAMLError as exc:
        problems.append(ConfigProblem(name, f"YAML error: {exc}"))
        return values
    if root is None:
        return values  # an empty file: every default
    top = _mapping(root, name, "the configuration", problems)
    if top is None:
        return values
    known = {"services", "concurrency", "deletion", "protected", "plan"}
    for key, (key_node, _value) in top.items():
        if key not in known:
            problems.append(
                ConfigProblem(
                    key_node.where,
                    f"unknown key {key!r} (expected one of: {', '.join(sorted(known))})",
                )
            )
    if "services" in top:
        _read_services(top["services"][1], name, values, problems)
    if "concurrency" in top:
        number = _integer(top["concurrency"][1], "concurrency", 1, MAX_CONCURRENCY, problems)
        if number is not None:
            values.concurrency = number
    if "deletion" in top:
        _read_deletion(top["deletion"][1], name, values, problems)
    if "protected" in top:
        values.protected = _read_protected(top["protected"][1], problems)
    if "plan" in top:
        plan = _mapping(top["plan"][1].node, name, "plan", problems)
        for key, (key_node, value) in (plan or {}).items():
            if key == "max_age":
                age = _duration(value, "plan.max_age", problems)
                if age is not None:
                    values.plan_max_age = age
            else:
                problems.append(
                    ConfigProblem(key_node.where, f"unknown key {key!r} in plan (expected max_age)")
                )
    return values


def _mapping(
    node: yaml.Node, file: str, what: str, problems: list[ConfigProblem]
) -> dict[str, tuple[_Node, _Node]] | None:
    here = _Node(node, file)
    if not isinstance(node, yaml.MappingNode):
        problems.append(ConfigProblem(here.where, f"{what} must be a mapping"))
        return None
    found: dict[str, tuple[_Node, _Node]] = {}
    for key_node, value_node in node.value:
        key = _Node(key_node, file)
        if not isinstance(key_node, yaml.ScalarNode):
            problems.append(ConfigProblem(key.where, f"keys of {what} must be plain names"))
            continue
        if key_node.tag == "tag:yaml.org,2002:merge":
            problems.append(ConfigProblem(key.where, "merge keys (<<) are not supported"))
            continue
        if key_node.value in found:
            problems.append(ConfigProblem(key.where, f"duplicate key {key_node.value!r}"))
            continue
        found[str(key_node.value)] = (key, _Node(value_node, file))
    return found


def _scalar(node: _Node) -> Any:
    """The Python value of a scalar node, with YAML 1.1 booleans kept as text."""
    raw = node.node
    assert isinstance(raw, yaml.ScalarNode)
    if raw.tag == "tag:yaml.org,2002:int":
        return int(raw.value.replace("_", ""), 0)
    if raw.tag == "tag:yaml.org,2002:float":
        return float(raw.value.replace("_", ""))
    if raw.tag == "tag:yaml.org,2002:null":
        return None
    if raw.tag == "tag:yaml.org,2002:bool":
        return raw.value  # "yes"/"on" etc.: reported as a wrong type where a bool is not wanted
    return raw.value


def _read_services(
    node: _Node, file: str, values: _FileValues, problems: list[ConfigProblem]
) -> None:
    services = _mapping(node.node, file, "services", problems)
    for name, (key_node, value) in (services or {}).items():
        if name not in SERVICE_NAMES:
            problems.append(
                ConfigProblem(
                    key_node.where,
                    f"unknown service {name!r} (expected one of: {', '.join(SERVICE_NAMES)})",
                )
            )
            continue
        settings = _mapping(value.node, file, f"services.{name}", problems)
        for key, (inner_key, inner) in (settings or {}).items():
            if key == "url":
                url = _scalar(inner) if isinstance(inner.node, yaml.ScalarNode) else None
                if not isinstance(url, str) or not url.strip():
                    problems.append(ConfigProblem(inner.where, f"services.{name}.url: a URL"))
                    continue
                problem = _check_url(url.strip())
                if problem:
                    problems.append(ConfigProblem(inner.where, f"services.{name}.url: {problem}"))
                else:
                    values.urls[name] = (url.strip(), inner.where)
            elif key == "timeout":
                timeout = _number(inner, f"services.{name}.timeout", problems)
                if timeout is not None:
                    values.timeouts[name] = timeout
            elif key == "token":
                var = f"{name.upper()}_TOKEN"
                problems.append(
                    ConfigProblem(
                        inner_key.where,
                        f"tokens are never read from the file: set {var} in the environment "
                        "and remove this key",
                    )
                )
            else:
                problems.append(
                    ConfigProblem(
                        inner_key.where,
                        f"unknown key {key!r} in services.{name} (expected url, timeout)",
                    )
                )


def _read_deletion(
    node: _Node, file: str, values: _FileValues, problems: list[ConfigProblem]
) -> None:
    settings = _mapping(node.node, file, "deletion", problems)
    max_count, max_percent = values.deletion.max_count, values.deletion.max_percent
    for key, (key_node, value) in (settings or {}).items():
        if key == "max_count":
            number = _integer(value, "deletion.max_count", 0, None, problems)
            if number is not None:
                max_count = number
        elif key == "max_percent":
            percent = _number(value, "deletion.max_percent", problems, allow_zero=True)
            if percent is not None:
                if percent > 100:
                    problems.append(ConfigProblem(value.where, "deletion.max_percent: at most 100"))
                else:
                    max_percent = percent
        else:
            problems.append(
                ConfigProblem(
                    key_node.where,
                    f"unknown key {key!r} in deletion (expected max_count, max_percent)",
                )
            )
    values.deletion = DeletionLimits(max_count=max_count, max_percent=max_percent)


def _read_protected(node: _Node, problems: list[ConfigProblem]) -> frozenset[str]:
    if not isinstance(node.node, yaml.SequenceNode):
        problems.append(ConfigProblem(node.where, "protected: a list of email addresses"))
        return frozenset()
    found: set[str] = set()
    for item in node.node.value:
        here = _Node(item, node.file)
        value = _scalar(here) if isinstance(item, yaml.ScalarNode) else None
        if not isinstance(value, str) or not _EMAIL.match(value.strip()):
            problems.append(ConfigProblem(here.where, "protected: expected an email address"))
            continue
        found.add(normalise_login(value))
    return frozenset(found)


def normalise_login(address: str) -> str:
    """Lowercase an address for comparison (logins are stored normalised)."""
    return address.strip().lower()


def _integer(
    node: _Node, what: str, low: int, high: int | None, problems: list[ConfigProblem]
) -> int | None:
    value = _scalar(node) if isinstance(node.node, yaml.ScalarNode) else None
    if not isinstance(value, int) or isinstance(value, bool):
        problems.append(ConfigProblem(node.where, f"{what}: expected a whole number"))
        return None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        problems.append(ConfigProblem(node.where, f"{what}: must be {bound}, got {value}"))
        return None
    return value


def _number(
    node: _Node, what: str, problems: list[ConfigProblem], *, allow_zero: bool = False
) -> float | None:
    value = _scalar(node) if isinstance(node.node, yaml.ScalarNode) else None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        problems.append(ConfigProblem(node.where, f"{what}: expected a number"))
        return None
    if value < 0 or (value == 0 and not allow_zero):
        problems.append(ConfigProblem(node.where, f"{what}: must be positive, got {value}"))
        return None
    return float(value)


def _duration(node: _Node, what: str, problems: list[ConfigProblem]) -> timedelta | None:
    value = _scalar(node) if isinstance(node.node, yaml.ScalarNode) else None
    seconds: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            unit = (match.group(2) or "s").lower()
            seconds = float(match.group(1)) * _DURATION_UNITS[unit]
    if seconds is None or seconds <= 0:
        problems.append(
            ConfigProblem(
                node.where, f"{what}: expected a duration such as 90s, 30m, 1h or 2d, got {value!r}"
            )
        )
        return None
    return timedelta(seconds=seconds)

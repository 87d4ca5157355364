"""Contract checks: emulator responses against the upstream OpenAPI documents in ../shared/specs.

``validate_response(spec, method, path, status, body, ...)`` raises ``ContractViolation`` listing
every schema error that is not a documented deviation. Deviations are (JSON-path regex, message
regex, reason) triples; each emulator's tests pass the ones the *real* server also shows (see
``../shared/reference``), so a deviation is always a property of the real service, never a
convenience of the emulator.

Where ../shared/specs is absent (a user's clone), ``require_specs()`` skips with a clear reason;
with ``DEZKYSYNC_REQUIRE_SPECS=1`` (set by .ci/run) that skip becomes a failure.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml

SpecName = Literal["authentik", "ocis"]

SHARED_DIR = Path(__file__).resolve().parents[2].parent / "shared"
SPECS_DIR = SHARED_DIR / "specs"
REFERENCE_DIR = SHARED_DIR / "reference"
SPEC_FILES: dict[str, str] = {
    "authentik": "authentik-schema.yml",
    "ocis": "libregraph-openapi.yaml",
}
# Where each spec's paths are mounted on the emulators' URLs.
SPEC_HOSTS: dict[str, str] = {
    "authentik": "http://emulator",  # spec servers: /api/v3
    "ocis": "https://localhost:9200",  # spec servers: https://localhost:9200/graph
}


def require_specs() -> Path:
    """The specs folder; skip (or fail under DEZKYSYNC_REQUIRE_SPECS=1) when it is absent."""
    if (SPECS_DIR / SPEC_FILES["authentik"]).is_file():
        return SPECS_DIR
    reason = f"contract tests need ../shared/specs (not found at {SPECS_DIR})"
    if os.environ.get("DEZKYSYNC_REQUIRE_SPECS") == "1":
        pytest.fail(reason + "; DEZKYSYNC_REQUIRE_SPECS=1 makes this a failure")
    pytest.skip(reason)


def require_reference() -> Path:
    """The reference folder (captures); same skip rule as :func:`require_specs`."""
    require_specs()
    if not REFERENCE_DIR.is_dir():
        pytest.fail(f"../shared/reference not found at {REFERENCE_DIR}")
    return REFERENCE_DIR


_load_lock = threading.Lock()


@cache
def _load(spec: str) -> Any:
    from openapi_core import Config, OpenAPI

    # The upstream documents are taken as they are: validating the document itself costs
    # seconds per process (the authentik one is 1.7 MB) and checks nothing about the emulators.
    # libyaml parses the document several times faster than the pure-Python reader.
    text = (require_specs() / SPEC_FILES[spec]).read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = _string_keys(yaml.load(text, Loader=loader))
    return OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))


def _string_keys(node: Any) -> Any:
    """YAML reads unquoted response codes (``200:``) as integers; OpenAPI means strings."""
    if isinstance(node, dict):
        return {str(key): _string_keys(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_string_keys(item) for item in node]
    return node


def _openapi(spec: str) -> Any:
    with _load_lock:  # load once even when threads validate concurrently
        return _load(spec)


@dataclass(frozen=True)
class Deviation:
    """A documented difference between the real server and its spec."""

    path: str  # regex over the JSON path, e.g. r"results/\d+/email"
    message: str  # regex over the validator's message
    reason: str  # where the real server shows it


class ContractViolation(AssertionError):
    """A response does not match the spec (after documented deviations)."""


def validate_response(
    spec: SpecName,
    method: str,
    path: str,
    status: int,
    body: bytes | str | Any,
    *,
    query: dict[str, Any] | None = None,
    content_type: str = "application/json",
    deviations: tuple[Deviation, ...] = (),
) -> None:
    """Check one response against ``spec``; raise :class:`ContractViolation` when it does not
    conform. ``path`` is the URL path as sent to the emulator (``/api/v3/...``,
    ``/graph/v1.0/...``); ``body`` may be bytes, text or already-decoded JSON."""
    from openapi_core.testing import MockRequest, MockResponse

    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body
    request = MockRequest(SPEC_HOSTS[spec], method.lower(), path, args=query or {})
    response = MockResponse(data, status_code=status, content_type=content_type)
    try:
        _openapi(spec).validate_response(request, response)
    except Exception as exc:  # openapi-core raises a family of exceptions
        problems = _problems(exc)
        remaining = [
            (where, message)
            for where, message in problems
            if not any(
                re.fullmatch(d.path, where) and re.search(d.message, message) for d in deviations
            )
        ]
        if remaining or not problems:
            shown = "; ".join(f"{w or '<root>'}: {m}" for w, m in remaining) or repr(exc)
            raise ContractViolation(f"{spec} {method.upper()} {path} -> {status}: {shown}") from exc


def _problems(exc: BaseException) -> list[tuple[str, str]]:
    """The individual schema errors behind an openapi-core exception (empty when the error is
    not about the body's schema, e.g. an undocumented status or path)."""
    cause: BaseException | None = exc
    while cause is not None:
        errors = getattr(cause, "schema_errors", None)
        if errors:
            found: list[tuple[str, str]] = []
            for error in errors:
                found.extend(_flatten(error))
            return found
        cause = cause.__cause__
    return []


def _flatten(error: Any) -> list[tuple[str, str]]:
    context = list(getattr(error, "context", None) or [])
    if context:  # oneOf/anyOf: report the leaves
        leaves: list[tuple[str, str]] = []
        for sub in context:
            leaves.extend(_flatten(sub))
        return leaves
    where = "/".join(str(part) for part in error.absolute_path)
    return [(where, str(error.message))]


def load_captures(folder: str) -> list[tuple[str, dict[str, Any]]]:
    """Every capture file of ``../shared/reference/<folder>`` as (name, parsed JSON)."""
    base = require_reference() / folder
    return [
        (p.name, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(base.glob("*.json"))
    ]

"""JSON Schema validation of one tenant file, each error pinned to the offending node.

The schema (``dezkysync/schemas/tenant.schema.json``) is the one editors use through the
``# yaml-language-server: $schema=`` line. Here its errors are rewritten for operators: unknown
keys point at the key and suggest the closest known one, missing keys point at the mapping,
and YAML 1.1 surprises (``no`` read as a boolean, ``0755`` as a number) say how to quote.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import (
    ValidationError as SchemaViolation,
)

from dezkysync.tenants.errors import ValidationError
from dezkysync.tenants.yamlfile import DocPath, Document, NodeInfo

SCHEMA_RESOURCE = "schemas/tenant.schema.json"

_YAML11_BOOLEANS = {"y", "n", "yes", "no", "on", "off", "true", "false"}
_JSON_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping (key: value)",
    "array": "a list",
    "null": "nothing",
}


@cache
def tenant_schema() -> dict[str, Any]:
    """The tenant file JSON Schema as shipped with the package."""
    text = resources.files("dezkysync").joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = tenant_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@dataclass(frozen=True)
class SchemaResult:
    """The errors of one document and the paths they make unusable."""

    errors: list[ValidationError]
    bad_paths: frozenset[DocPath]

    def usable(self, path: DocPath) -> bool:
        """Whether the value at ``path`` passed the schema (and so may be checked further)."""
        return not any(path[: len(bad)] == bad for bad in self.bad_paths)


def check_schema(document: Document) -> SchemaResult:
    """Validate one document against the tenant schema."""
    errors: list[ValidationError] = []
    bad: set[DocPath] = set()
    typed_paths: set[DocPath] = set()
    violations = sorted(
        _validator().iter_errors(document.data), key=lambda v: (v.validator != "type",)
    )
    for violation in violations:
        path: DocPath = tuple(violation.absolute_path)
        if violation.validator == "type":
            typed_paths.add(path)
        elif path in typed_paths:
            continue  # one clear error per value: the wrong type says it all
        for error_path, error in _explain(document, violation, path):
            errors.append(error)
            bad.add(error_path)
    return SchemaResult(errors=errors, bad_paths=frozenset(bad))


def _explain(
    document: Document, violation: SchemaViolation, path: DocPath
) -> list[tuple[DocPath, ValidationError]]:
    kind = violation.validator
    instance = violation.instance
    schema = violation.schema if isinstance(violation.schema, dict) else {}
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = sorted(schema.get("properties", {}))
        result = []
        for key in instance:
            if key in known:
                continue
            message = f"unknown key {key!r}"
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            if close:
                message += f"; did you mean {close[0]!r}?"
            message += f" (allowed here: {', '.join(known)})"
            key_path = (*path, key)
            result.append((key_path, document.error(key_path, message, at_key=True)))
        return result
    if kind == "required" and isinstance(instance, dict):
        required: Any = violation.validator_value
        missing = [key for key in required if key not in instance]
        # Only the missing key is unusable; the rest of the mapping can still be checked.
        return [
            ((*path, key), document.error(path, f"missing required key {key!r}")) for key in missing
        ]
    message = _message(document.value_at(path), violation, schema)
    return [(path, document.error(path, message))]


def _message(info: NodeInfo, violation: SchemaViolation, schema: dict[str, Any]) -> str:
    kind = violation.validator
    value = violation.instance
    shown = _show(info, value)
    if kind == "type":
        expected: Any = violation.validator_value
        wanted = [expected] if isinstance(expected, str) else list(expected)
        words = " or ".join(_JSON_TYPE_WORDS.get(w, w) for w in wanted)
        if wanted == ["integer", "string"]:
            words = "a size like 10GiB or a number of bytes"
        choices = schema.get("enum")
        if choices:
            words = "one of: " + ", ".join(str(choice) for choice in choices)
        message = f"expected {words}, got {info.type_name}"
        if info.text is not None and info.tag != "tag:yaml.org,2002:null":
            message += f" ({info.text})"
        return message + _quote_hint(info, wanted, choices or None)
    if kind == "enum":
        options: Any = violation.validator_value
        allowed = ", ".join(str(v) for v in options)
        return f"{shown} is not allowed here; choose one of: {allowed}"
    if kind == "pattern":
        hint = schema.get("patternErrorMessage")
        return f"{shown}: {hint}" if hint else f"{shown} does not match {violation.validator_value}"
    if kind == "minimum":
        return f"{shown} is too small; the minimum is {violation.validator_value}"
    if kind == "maximum":
        return f"{shown} is too large; the maximum is {violation.validator_value}"
    if kind == "minLength":
        return "the value cannot be empty" if value == "" else f"{shown} is too short"
    if kind == "maxLength":
        length = len(value) if isinstance(value, str) else "?"
        return f"the value is {length} characters long; at most {violation.validator_value} fit"
    return str(violation.message)


def _show(info: NodeInfo, value: object) -> str:
    if info.text is None:
        return repr(value)
    if info.plain and info.tag != "tag:yaml.org,2002:str":
        return info.text  # a number or the like, as written
    return repr(info.text)


def _quote_hint(info: NodeInfo, wanted: list[str], choices: list[Any] | None) -> str:
    if wanted != ["string"] or not info.plain or info.text is None:
        return ""
    if info.tag == "tag:yaml.org,2002:null":
        return "; write a value after the colon"
    quoting = f'; write "{info.text}" in quotes if you mean the text'
    if choices is not None and info.text not in choices:
        quoting = ""  # quoting would not help: the word is not allowed anyway
    if info.tag == "tag:yaml.org,2002:bool" and info.text.lower() in _YAML11_BOOLEANS:
        return f"; YAML reads an unquoted {info.text} as a boolean" + quoting.replace(";", ",")
    return quoting

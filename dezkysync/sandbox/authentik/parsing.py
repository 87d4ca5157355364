"""Reading requests the way authentik (DRF + django-filter) reads them.

- The only body parser is JSON: another media type is a 415, a body that does not parse is a 400
  ``{"detail": "JSON parse error - ..."}``. An empty body, or a body without Content-Type, reads
  as ``{}`` (DRF does not parse what it cannot type).
- Serializers want a mapping: a list body is ``non_field_errors``.
- Boolean query filters only understand ``true/false/1/0`` (any case); anything else is ignored.
"""

from __future__ import annotations

import json
from typing import Any

from dezkysync.sandbox._wsgi import Request
from dezkysync.sandbox.authentik.errors import ApiError, ValidationFailed

_PY_TYPE_NAMES = {
    list: "list",
    str: "str",
    int: "int",
    float: "float",
    bool: "bool",
}


def read_body(request: Request) -> Any:
    """The request body as DRF's ``request.data`` would hold it."""
    if not request.body:
        return {}
    content_type = request.headers.get("content-type", "")
    if not content_type.strip():
        return {}
    main = content_type.split(";", 1)[0].strip().lower()
    if main != "application/json":
        raise ApiError(415, {"detail": f'Unsupported media type "{content_type}" in request.'})
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, {"detail": "JSON parse error - str is not valid UTF-8"}) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError(400, {"detail": f"JSON parse error - {_orjson_message(exc)}"}) from None


def _orjson_message(exc: json.JSONDecodeError) -> str:
    """Render a parse error the way authentik's orjson parser words it."""
    if exc.pos >= len(exc.doc.rstrip()) or exc.msg.startswith("Unterminated"):
        reason = "unexpected end of data"
    elif exc.msg == "Extra data":
        reason = "trailing characters"
    else:
        reason = "unexpected character"
    return f"{reason}: line {exc.lineno} column {exc.colno} (char {exc.pos})"


def read_mapping(request: Request) -> dict[str, Any]:
    """The body, which must be a JSON object (else DRF's ``non_field_errors``)."""
    data = read_body(request)
    return require_mapping(data)


def require_mapping(data: Any) -> dict[str, Any]:
    """``data`` if it is a mapping, else DRF's 400 for a non-dictionary payload."""
    if isinstance(data, dict):
        return data
    if data is None:
        raise ValidationFailed({"non_field_errors": ["No data provided"]})
    kind = _PY_TYPE_NAMES.get(type(data), type(data).__name__)
    raise ValidationFailed(
        {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}
    )


def filter_bool(request: Request, name: str) -> bool | None:
    """A django-filter BooleanFilter value: True/False, or None (absent or unparseable)."""
    raw = request.arg(name)
    if raw is None:
        return None
    return {"true": True, "1": True, "false": False, "0": False}.get(raw.lower())


def flag(request: Request, name: str, default: bool) -> bool:
    """A view flag such as ``include_groups``: only ``true`` (any case) means true."""
    raw = request.arg(name)
    if raw is None:
        return default
    return raw.lower() == "true"


def nonempty_arg(request: Request, name: str) -> str | None:
    """A filter value; django-filter skips a filter whose value is empty."""
    raw = request.arg(name)
    return raw if raw else None

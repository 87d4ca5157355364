"""OCIS error responses: the OData error object and the proxy's bare status codes.

Graph errors are ``{"error": {"code", "message", "innererror": {"date", "request-id"}}}``
(services/graph/pkg/errorcode); the proxy rejects unauthenticated requests with an empty body
and no ``WWW-Authenticate`` header.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from dezkysync.sandbox._wsgi import Response
from dezkysync.sandbox.ocis._odata import ODataError

# errorcode.Error.Render: the status used when a backend error is rendered generically.
DEFAULT_STATUS: dict[str, int] = {
    "accessDenied": 403,
    "notSupported": 501,
    "invalidRange": 416,
    "invalidRequest": 400,
    "itemNotFound": 404,
    "nameAlreadyExists": 409,
    "notAllowed": 405,
    "itemIsLocked": 423,
    "preconditionFailed": 412,
}


class GraphError(Exception):
    """An error the graph service renders as an OData error object."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status if status is not None else DEFAULT_STATUS.get(code, 500)


class ProxyReject(Exception):
    """A proxy-level rejection: a bare status code with an empty body."""

    def __init__(self, status: int) -> None:
        super().__init__(f"proxy rejected the request with {status}")
        self.status = status


def not_found(message: str = "not found") -> GraphError:
    """404 itemNotFound."""
    return GraphError("itemNotFound", message, 404)


def invalid_request(message: str) -> GraphError:
    """400 invalidRequest."""
    return GraphError("invalidRequest", message, 400)


def backend_error(exc: ODataError) -> GraphError:
    """A godata error raised inside the identity backend: generalException, godata status."""
    return GraphError("generalException", exc.message, exc.status)


def forbidden() -> GraphError:
    """RequireAdmin's 403 for an authenticated non-admin."""
    return GraphError("accessDenied", "Forbidden", 403)


def go_json(payload: Any) -> bytes:
    """JSON as Go's encoding/json writes it through chi's render.JSON: map keys sorted,
    ``<``, ``>``, ``&``, U+2028 and U+2029 escaped, and a trailing newline."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return (text + "\n").encode("utf-8")


def json_response(status: int, payload: Any) -> Response:
    """A graph JSON response."""
    return Response(status, go_json(payload), [("Content-Type", "application/json")])


def error_response(error: GraphError, request_id: str) -> Response:
    """The OData error object for ``error``."""
    payload = {
        "error": {
            "code": error.code,
            "message": error.message,
            "innererror": {
                "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "request-id": request_id,
            },
        }
    }
    return json_response(error.status, payload)

"""authentik's response shapes: JSON bodies, the error bodies DRF produces, the HTML pages.

Handlers raise :class:`ApiError` (or a subclass) and the emulator turns it into the response;
the messages are the exact texts the real server sends (see the captures).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dezkysync.sandbox._wsgi import Response

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
HTML_CONTENT_TYPE = "text/html; charset=utf-8"

NOT_AUTHENTICATED = "Authentication credentials were not provided."
TOKEN_INVALID = "Token invalid/expired"
PERMISSION_DENIED = "You do not have permission to perform this action."
NOT_FOUND = "Not found."
INVALID_PAGE = "Invalid page."


def json_response(status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """A JSON response as authentik sends it (``application/json; charset=utf-8``)."""
    return Response.json(status, payload, headers, content_type=JSON_CONTENT_TYPE)


def no_content() -> Response:
    """204 with no body and no Content-Type."""
    return Response.empty(204)


def not_found_page() -> Response:
    """The 404 HTML page authentik's web interface answers for unknown URLs."""
    return Response(404, NOT_FOUND_HTML.encode(), [("Content-Type", HTML_CONTENT_TYPE)])


def method_not_allowed_page(allow: str = "GET, HEAD, OPTIONS") -> Response:
    """405 with an empty HTML body (a non-GET request to a web-interface URL)."""
    return Response(405, b"", [("Content-Type", HTML_CONTENT_TYPE), ("Allow", allow)])


def bad_request_empty() -> Response:
    """400 with an empty HTML body (an inactive user's browser session)."""
    return Response(400, b"", [("Content-Type", HTML_CONTENT_TYPE)])


class ApiError(Exception):
    """An API error with its status and JSON body."""

    def __init__(self, status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(status)
        self.status = status
        self.payload = payload
        self.headers = list(headers)

    def response(self) -> Response:
        """The HTTP response for this error."""
        return json_response(self.status, self.payload, self.headers)


class NotFound(ApiError):
    """404 ``{"detail": ...}``; ``model`` gives DRF's "No <Model> matches the given query."."""

    def __init__(self, model: str | None = None) -> None:
        detail = NOT_FOUND if model is None else f"No {model} matches the given query."
        super().__init__(404, {"detail": detail})


class Forbidden(ApiError):
    """403 ``{"detail": ...}`` (authentication or permission failure)."""

    def __init__(self, detail: str = PERMISSION_DENIED) -> None:
        super().__init__(403, {"detail": detail})


class ValidationFailed(ApiError):
    """400 with DRF's validation body (a field map, or a bare list for filter errors)."""

    def __init__(self, payload: dict[str, Any] | list[str]) -> None:
        super().__init__(400, payload)


class FieldErrors:
    """Collects per-field validation messages in the order the serializer checks them."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        """Record ``message`` for field ``name``."""
        self.errors.setdefault(name, []).append(message)

    def __contains__(self, name: str) -> bool:
        return name in self.errors

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        """Raise a 400 with every collected message."""
        if self.errors:
            raise ValidationFailed(dict(self.errors))


def method_not_allowed(method: str, allow: str) -> ApiError:
    """DRF's 405 for a known API route."""
    return ApiError(405, {"detail": f'Method "{method}" not allowed.'}, [("Allow", allow)])


NOT_FOUND_HTML = (
    '\n\n\n\n\n<!DOCTYPE html>\n<html\n    lang="en"\n    data-theme="light"\n'
    '    data-theme-choice="auto"\n>\n    <head>\n        <meta charset="UTF-8">\n'
    '        <meta name="viewport" content="width=device-width, initial-scale=1, '
    'maximum-scale=1">\n        \n        <meta name="darkreader-lock">\n'
    "        <title>\nauthentik\n</title>\n"
    '        <link rel="icon" href="/static/dist/assets/icons/icon.png">\n'
    '        <link rel="shortcut icon" href="/static/dist/assets/icons/icon.png">\n'
    '    </head>\n    <body>\n        <div class="pf-c-login">\n'
    '            <main class="pf-c-login__main">\n'
    '                <h1 class="pf-c-title pf-m-3xl">Not Found</h1>\n'
    "                <p>The requested URL was not found on this server.</p>\n"
    '                <a href="/">Go home</a>\n'
    "            </main>\n        </div>\n    </body>\n</html>\n"
)

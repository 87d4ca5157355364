"""The three levels of Stalwart errors, shaped as the server sends them.

- Request level: HTTP 4xx with ``application/problem+json`` (``notJSON``, ``notRequest``,
  ``limit``, 401 with ``WWW-Authenticate``, 403, 404) — :func:`problem`.
- Method level: ``["error", {"type", "description"?}, callId]`` inside HTTP 200 —
  :class:`MethodError`.
- Object level: a SetError inside ``notCreated``/``notUpdated``/``notDestroyed`` —
  :func:`set_error`.
"""

from __future__ import annotations

from typing import Any

from dezkysync.sandbox._wsgi import Response

PROBLEM_JSON = "application/problem+json"
BEARER_CHALLENGE = (
    'Bearer realm="Stalwart Server", resource_metadata="/.well-known/oauth-protected-resource"'
)
BASIC_CHALLENGE = 'Basic realm="Stalwart Server"'

NOT_JSON = "urn:ietf:params:jmap:error:notJSON"
NOT_REQUEST = "urn:ietf:params:jmap:error:notRequest"
LIMIT = "urn:ietf:params:jmap:error:limit"

LIMIT_DETAILS = {
    "maxSizeRequest": "The request is larger than the server is willing to process.",
    "maxCallsInRequest": "The request exceeds the maximum number of calls in a single request.",
}
REQUEST_TOO_LARGE = (
    "The number of ids requested by the client exceeds the maximum number "
    "the server is willing to process in a single method call."
)
ANCHOR_NOT_FOUND = (
    "An anchor argument was supplied, but it cannot be found in the results of the query."
)


def problem(
    status: int,
    detail: str,
    *,
    type_: str = "about:blank",
    title: str | None = None,
    limit: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
) -> Response:
    """A request-level error (RFC 7807 body as Stalwart serialises ``RequestError``)."""
    body: dict[str, Any] = {"type": type_, "status": status}
    if title is not None:
        body["title"] = title
    body["detail"] = detail
    if limit is not None:
        body["limit"] = limit
    return Response.json(status, body, headers, content_type=PROBLEM_JSON)


def unauthorized() -> Response:
    """401 with both challenges, as for any failed or missing credential."""
    return problem(
        401,
        "You have to authenticate first.",
        title="Unauthorized",
        headers=(("WWW-Authenticate", BEARER_CHALLENGE), ("WWW-Authenticate", BASIC_CHALLENGE)),
    )


def forbidden() -> Response:
    """403: valid credentials without the ``authenticate`` permission."""
    return problem(
        403, "You do not have enough permissions to access this resource.", title="Forbidden"
    )


def not_found() -> Response:
    """404 for paths the server does not serve."""
    return problem(404, "The requested resource does not exist on this server.", title="Not Found")


def limit_exceeded(which: str) -> Response:
    """400 ``limit`` (too many calls, request too large)."""
    return problem(400, LIMIT_DETAILS[which], type_=LIMIT, limit=which)


def not_json(detail: str) -> Response:
    """400 ``notJSON`` (wrong Content-Type)."""
    return problem(400, f"Failed to parse JSON: {detail}", type_=NOT_JSON)


def not_request(detail: str) -> Response:
    """400 ``notRequest`` (bad JSON, not a request, unknown capability)."""
    return problem(400, detail, type_=NOT_REQUEST)


class MethodError(Exception):
    """A method-level error; the call's response becomes ``["error", {...}, callId]``."""

    def __init__(self, type_: str, description: str = "") -> None:
        super().__init__(f"{type_}: {description}")
        self.type = type_
        self.description = description

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type}
        if self.description:
            body["description"] = self.description
        return body


def set_error(
    type_: str,
    *,
    description: str | None = None,
    properties: list[str] | None = None,
    object_id: tuple[str, str] | None = None,
    linked: list[tuple[str, str]] | None = None,
    validation: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A SetError object; ids are wire ids, objects without the ``x:`` prefix."""
    body: dict[str, Any] = {"type": type_}
    if description is not None:
        body["description"] = description
    if properties is not None:
        body["properties"] = properties
    if object_id is not None:
        body["objectId"] = {"object": object_id[0], "id": object_id[1]}
    if linked is not None:
        body["linkedObjects"] = [{"object": kind, "id": ident} for kind, ident in linked]
    if validation is not None:
        body["validationErrors"] = validation
    return body


class SetFailure(Exception):
    """Raised inside ``/set`` processing to reject one create/update/destroy."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("type", "error"))
        self.error = error

"""Every response the authentik tests receive is checked against the OpenAPI document.

:func:`validating_client` builds an ``httpx.Client`` whose response hook validates each response
with ``tests.support.contract.validate_response`` before the test sees it. Three kinds of
response cannot be matched to a documented schema, and each is still checked:

- statuses the document does not list for an operation (404, 405, 415, 429, 5xx): the real
  server answers them with DRF's ``{"detail": ...}`` body (captures 019, 049, 125-133), which is
  the document's ``GenericError``; they are validated as the ``GenericErrorResponse`` the
  document declares (as 403) on the same path;
- URLs outside the API (missing trailing slash): authentik's web interface answers a 404 HTML
  page or an empty 405/400 HTML body (captures 005-007, 105); the exact shape is asserted;
- the emulator's own ``/_emulator/`` control endpoints, which are not part of authentik;
- HEAD (served by the GET handler, no body) and DRF's OPTIONS metadata, which the document
  does not describe; their shape is asserted.

Known differences between the real server and its document are listed in :data:`DEVIATIONS`
(each with the capture that shows it); :func:`deviations_for` narrows them to the operation.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.contract import (
    SPEC_FILES,
    SPECS_DIR,
    ContractViolation,
    Deviation,
    require_specs,
    validate_response,
)

HTML_PREFIX = "\n\n\n\n\n<!DOCTYPE html>"

EMPTY_EMAIL = Deviation(
    r"(results/\d+/)?((user_obj|user)/)?(users_obj/\d+/)?email",
    r"'' is not a 'email'",
    'users without an email address have email "" (capture 008, 010, 059)',
)
SESSION_USER_AGENT_NULLS = Deviation(
    r"(results/\d+/)?user_agent/(user_agent|os|device)/(major|minor|patch|patch_minor|brand|model)",
    r"None for not nullable|None is not of type 'string'",
    "ua-parser leaves unknown parts null (capture 086)",
)
FILTER_ERROR_LIST = Deviation(
    r"",
    r"is not of type 'object'",
    "a bad attributes filter is a bare JSON list (captures 031, 032)",
)
RECOVERY_STRING_ERROR = Deviation(
    r"non_field_errors",
    r"is not of type 'array'",
    "recovery answers non_field_errors as a plain string (reference §3, [live])",
)

CAPTCHA_STAGE_NULL = Deviation(
    r"captcha_stage",
    r"None for not nullable|None is not of type 'object'",
    "without a captcha the identification challenge sends captcha_stage: null (authentik "
    "IdentificationStageView.get_challenge); the document marks it nullable beside an allOf, "
    "which the validator does not combine",
)

DEVIATIONS = (
    EMPTY_EMAIL,
    SESSION_USER_AGENT_NULLS,
    FILTER_ERROR_LIST,
    RECOVERY_STRING_ERROR,
    CAPTCHA_STAGE_NULL,
)


def deviations_for(method: str, path: str, status: int) -> tuple[Deviation, ...]:
    """The deviations that may apply to one response (as narrow as the captures allow)."""
    found: list[Deviation] = [EMPTY_EMAIL]
    if "/core/authenticated_sessions/" in path:
        found.append(SESSION_USER_AGENT_NULLS)
    if status == 400 and method == "GET" and re.fullmatch(r"/api/v3/core/(users|groups)/", path):
        found.append(FILTER_ERROR_LIST)
    if path.startswith("/api/v3/flows/executor/"):
        found.append(CAPTCHA_STAGE_NULL)
    if status == 400 and re.fullmatch(r"/api/v3/core/users/[^/]+/recovery/", path):
        found.append(RECOVERY_STRING_ERROR)
    return tuple(found)


def specs_available() -> bool:
    """Whether ../shared/specs is present (under DEZKYSYNC_REQUIRE_SPECS=1 it must be)."""
    if (SPECS_DIR / SPEC_FILES["authentik"]).is_file():
        return True
    if os.environ.get("DEZKYSYNC_REQUIRE_SPECS") == "1":
        require_specs()
    return False


def check_response(response: httpx.Response) -> None:
    """Validate one response against the authentik document (see module docstring)."""
    request = response.request
    path = request.url.path
    if path.startswith("/_emulator/"):
        return
    method = request.method
    status = response.status_code
    content_type = response.headers.get("content-type", "")
    body = response.content
    if content_type.startswith("text/html"):
        _check_html(response)
        return
    if method == "HEAD":
        assert body == b"", "HEAD responses carry no body"
        return
    if method == "OPTIONS" and status == 200:
        data = response.json()
        assert {"name", "renders", "parses"} <= set(data), data
        return
    query = {k: v for k, v in request.url.params.items()}
    deviations = deviations_for(method, path, status)
    try:
        validate_response(
            "authentik",
            method,
            path,
            status,
            body,
            query=query,
            content_type=content_type.split(";")[0] or "application/json",
            deviations=deviations,
        )
    except ContractViolation as violation:
        kind = type(violation.__cause__).__name__
        if kind == "ResponseNotFound" or kind == "OperationNotFound":
            _check_undocumented(method, path, status, body, deviations)
            return
        raise


def _check_undocumented(
    method: str, path: str, status: int, body: bytes, deviations: tuple[Deviation, ...]
) -> None:
    """A status or method the document does not list: the body must be a GenericError."""
    assert status in {400, 401, 403, 404, 405, 415, 429, 500, 502, 503, 504}, (method, path, status)
    last: ContractViolation | None = None
    for candidate in (method, "GET", "POST", "PUT", "PATCH", "DELETE"):
        try:
            validate_response("authentik", candidate, path, 403, body, deviations=deviations)
            return
        except ContractViolation as violation:
            if type(violation.__cause__).__name__ != "OperationNotFound":
                raise
            last = violation
    raise AssertionError(f"no documented operation on {path}: {last}")


def _check_html(response: httpx.Response) -> None:
    """The web interface's answers to non-API URLs, as captured."""
    status = response.status_code
    text = response.text
    if status == 404:
        assert text.startswith(HTML_PREFIX), text[:80]
    elif status == 405:
        assert text == ""
        assert response.headers.get("allow") == "GET, HEAD, OPTIONS"
    elif status == 400:
        assert text == ""
    else:  # pragma: no cover - a failure path
        raise AssertionError(f"unexpected HTML response {status}")


def validating_client(
    transport: httpx.BaseTransport | None = None,
    *,
    base_url: str,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    check: Callable[[httpx.Response], None] | None = None,
    **options: Any,
) -> httpx.Client:
    """An httpx client whose every response is validated before the caller sees it."""
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    hooks: list[Callable[[httpx.Response], None]] = []
    if specs_available():
        checker = check or check_response

        def hook(response: httpx.Response) -> None:
            response.read()
            checker(response)

        hooks.append(hook)
    return httpx.Client(
        transport=transport,
        base_url=base_url,
        headers=sent,
        event_hooks={"response": hooks},
        **options,
    )

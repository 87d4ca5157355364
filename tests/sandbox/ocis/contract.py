"""Every response the OCIS emulator tests receive is checked against the LibreGraph OpenAPI
document (``../shared/specs/libregraph-openapi.yaml``).

The real OCIS departs from its spec in a few documented ways; each is listed here with where it
is shown (``../shared/reference/ocis-api.md`` and ``ocis-captures/``), and the response is
still checked as tightly as the deviation allows (a bare member array is validated item by item,
an off-spec route against the spec's operation with the same schema, and so on). Nothing is
waved through silently: a response no rule covers must validate against the spec as is.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
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

MEMBERS_BARE_ARRAY = Deviation(
    path="",
    message=r"is not of type 'object'",
    reason="GET /groups/{id}/members answers a bare JSON array, not {'value': [...]} "
    "(ocis-captures/docs-group-members-list-bare-array.json, test-group-members-list.json; "
    "ocis-api.md §3 and 'Corrections from the captures')",
)

REDUCED_USER = Deviation(
    path=r"(value/\d+)?",
    message=r"'onPremisesSamAccountName' is a required property",
    reason="a non-admin listing or reading other users gets reduced objects (id, displayName, "
    "userType, and mail only with OCIS_SHOW_USER_EMAIL_IN_RESULTS): the spec requires "
    "onPremisesSamAccountName (ocis-captures/test-users-search.json, ocis-api.md §1.3)",
)
_REDUCED_KEYS = frozenset({"id", "displayName", "userType", "mail"})

# Responses the spec does not describe at all, each with the reason the real server sends it.
PROXY_401 = (
    "the proxy rejects unauthenticated /graph requests with a bare 401, empty body, no "
    "WWW-Authenticate (ocis-api.md §1.2, §6.1); the spec's default response is an OData error"
)
ROUTER_404 = (
    "a path the graph router does not know gets chi's plain-text '404 page not found' "
    "(not an operation of the spec)"
)
ROUTER_405 = "a known path with another method gets chi's bare 405 (not an operation of the spec)"
PATCH_USER_204 = (
    "PATCH /users/{id} with an empty object answers 204 without a body (ocis-api.md §2.5, §8); "
    "the spec lists only 200"
)
USER_DRIVE = (
    "GET /users/{id}/drive exists in OCIS but not in the spec (ocis-api.md §2.3, §8; "
    "test-user-drive-get.json): checked against the spec's GET /v1.0/me/drive, which returns "
    "the same drive schema"
)
APP_ROLE_201 = (
    "POST /users/{id}/appRoleAssignments answers 201 (approleassignments.go renders "
    "StatusCreated) where the spec says 200: the body is checked against the 200 schema"
)
AUTH_APP = (
    "/auth-app/tokens belongs to the auth-app service, not to LibreGraph (ocis-api.md §1.2, §8): "
    "checked against the shapes the reference describes"
)
INJECTED_FAULT = "a fault injected by the test through the emulator base class, not an OCIS answer"

_USER_ITEM = re.compile(r"/graph/v1\.0/users/[^/]+/drive")
_ME_DRIVE = "/graph/v1.0/me/drive"
_PATCH_USER = re.compile(r"/graph/v1\.0/users/[^/]+")
_APP_ROLES = re.compile(r"/graph/v1\.0/users/[^/]+/appRoleAssignments")
_MEMBERS = re.compile(r"/graph/v1\.0/groups/[^/]+/members")
_USERS = re.compile(r"/graph/v1\.0/users(/[^/]+)?")


@dataclass
class ContractChecker:
    """An httpx response hook; counts what it checked and why it took each exception."""

    checked: int = 0
    exceptions: dict[str, int] = field(default_factory=dict)
    truncations_expected: int = 0

    def expect_truncated(self, count: int = 1) -> None:
        """The next ``count`` responses are cut short by an injected ``truncate`` fault."""
        self.truncations_expected += count

    def __call__(self, response: httpx.Response) -> None:
        response.read()
        self.check(response)

    def _note(self, reason: str) -> None:
        self.exceptions[reason] = self.exceptions.get(reason, 0) + 1

    def check(self, response: httpx.Response) -> None:
        """Raise :class:`ContractViolation` unless ``response`` conforms (or a documented
        deviation covers it)."""
        request = response.request
        method = request.method
        path = request.url.path.rstrip("/") or "/"  # the graph router strips it too
        status = response.status_code
        body = response.content
        if not specs_available():
            return
        self.checked += 1
        if path.startswith("/_emulator/"):
            return  # the emulator's own admin API
        if self.truncations_expected:
            self.truncations_expected -= 1
            _expect(not _is_json(body), f"expected a truncated body, got {body[:80]!r}")
            self._note(INJECTED_FAULT)
            return
        if _is_injected_fault(body):
            self._note(INJECTED_FAULT)
            return
        for rule in _RULES:
            if rule.applies(method, path, status, body):
                rule.check(method, path, status, response)
                self._note(rule.reason)
                return
        validate_response(
            "ocis",
            method,
            path,
            status,
            body,
            query=dict(request.url.params),
            content_type=_content_type(response),
        )


def specs_available() -> bool:
    """Whether the spec is there (without it, behaviour tests still run unchecked; the
    contract-marked tests skip, or fail under DEZKYSYNC_REQUIRE_SPECS=1)."""
    if (SPECS_DIR / SPEC_FILES["ocis"]).is_file():
        return True
    if os.environ.get("DEZKYSYNC_REQUIRE_SPECS") == "1":
        require_specs()
    return False


@dataclass(frozen=True)
class _Rule:
    reason: str
    applies: Callable[[str, str, int, bytes], bool]
    check: Callable[[str, str, int, httpx.Response], None]


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise ContractViolation(message)


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _is_injected_fault(body: bytes) -> bool:
    try:
        payload: Any = json.loads(body)
    except ValueError:
        return False
    return (
        isinstance(payload, dict)
        and set(payload) == {"detail"}
        and str(payload["detail"]).endswith("(injected fault)")
    )


def _content_type(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", "application/json")).split(";")[0]


def _check_proxy_401(_m: str, _p: str, _s: int, response: httpx.Response) -> None:
    _expect(response.content == b"", "a proxy 401 has an empty body")
    _expect("www-authenticate" not in response.headers, "a proxy 401 has no WWW-Authenticate")


def _check_router_404(_m: str, _p: str, _s: int, response: httpx.Response) -> None:
    _expect(response.text == "404 page not found\n", "the router's 404 is Go's plain text")


def _check_empty(_m: str, _p: str, _s: int, response: httpx.Response) -> None:
    _expect(response.content == b"", "expected an empty body")


def _check_user_drive(method: str, _p: str, status: int, response: httpx.Response) -> None:
    validate_response(
        "ocis", method, _ME_DRIVE, status, response.content, content_type=_content_type(response)
    )


def _check_app_role_201(method: str, path: str, _s: int, response: httpx.Response) -> None:
    validate_response("ocis", method, path, 200, response.content)


def _check_members(method: str, path: str, status: int, response: httpx.Response) -> None:
    payload = json.loads(response.content)
    _expect(isinstance(payload, list), "the member list is a bare array")
    validate_response("ocis", method, path, status, payload, deviations=(MEMBERS_BARE_ARRAY,))
    # The deviation only concerns the envelope: every member must still be a valid user.
    validate_response("ocis", method, path, status, {"value": payload})


def _reduced_users(body: bytes) -> list[dict[str, Any]] | None:
    """The user objects of a user listing/read that lack a username (None if not JSON)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    items = payload.get("value") if isinstance(payload, dict) and "value" in payload else [payload]
    if not isinstance(items, list):
        return None
    return [u for u in items if isinstance(u, dict) and "onPremisesSamAccountName" not in u]


def _is_reduced_listing(method: str, path: str, status: int, body: bytes) -> bool:
    if method != "GET" or status != 200 or _USERS.fullmatch(path) is None:
        return False
    return bool(_reduced_users(body))


def _check_reduced(method: str, path: str, status: int, response: httpx.Response) -> None:
    for user in _reduced_users(response.content) or []:
        _expect(set(user) <= _REDUCED_KEYS, f"a reduced user has only {sorted(_REDUCED_KEYS)}")
    validate_response("ocis", method, path, status, response.content, deviations=(REDUCED_USER,))


def _check_auth_app(method: str, _p: str, status: int, response: httpx.Response) -> None:
    if status >= 400 or (method == "DELETE" and status == 200):
        _expect(
            response.content == b""
            or not response.headers.get("content-type", "").startswith("application/json"),
            "auth-app errors and deletions are not JSON",
        )
        return
    payload = json.loads(response.content)
    items = payload if method == "GET" else [payload]
    _expect(isinstance(items, list), "GET /auth-app/tokens is a JSON array")
    for item in items:
        _expect(
            isinstance(item, dict)
            and set(item) == {"token", "expiration_date", "created_date", "label"},
            f"unexpected app token shape {item!r}",
        )


_RULES: tuple[_Rule, ...] = (
    _Rule(
        PROXY_401,
        lambda _m, p, s, b: s == 401 and b == b"" and (p.startswith("/graph") or "auth-app" in p),
        _check_proxy_401,
    ),
    _Rule(
        ROUTER_404, lambda _m, _p, s, b: s == 404 and b.startswith(b"404 page"), _check_router_404
    ),
    _Rule(ROUTER_405, lambda _m, _p, s, b: s == 405 and b == b"", _check_empty),
    _Rule(AUTH_APP, lambda _m, p, _s, _b: p.rstrip("/") == "/auth-app/tokens", _check_auth_app),
    _Rule(
        PATCH_USER_204,
        lambda m, p, s, _b: m == "PATCH" and s == 204 and _PATCH_USER.fullmatch(p) is not None,
        _check_empty,
    ),
    _Rule(
        USER_DRIVE,
        lambda m, p, _s, _b: m == "GET" and _USER_ITEM.fullmatch(p.rstrip("/")) is not None,
        _check_user_drive,
    ),
    _Rule(
        APP_ROLE_201,
        lambda m, p, s, _b: m == "POST" and s == 201 and _APP_ROLES.fullmatch(p) is not None,
        _check_app_role_201,
    ),
    _Rule(REDUCED_USER.reason, _is_reduced_listing, _check_reduced),
    _Rule(
        MEMBERS_BARE_ARRAY.reason,
        lambda m, p, s, _b: (
            m == "GET" and s == 200 and _MEMBERS.fullmatch(p.rstrip("/")) is not None
        ),
        _check_members,
    ),
)

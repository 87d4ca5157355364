"""The OCIS emulator: routing, the proxy's authentication and ``CreateHome``, RequireAdmin,
the admin helpers, and persistence."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from dezkysync.sandbox._wsgi import ADMIN_PREFIX, Emulator, Request, Response, Router
from dezkysync.sandbox.ocis import _drives, _groups, _roles, _users
from dezkysync.sandbox.ocis._auth import app_tokens, authenticate, resolve_claims
from dezkysync.sandbox.ocis._context import Call, Settings
from dezkysync.sandbox.ocis._errors import GraphError, error_response
from dezkysync.sandbox.ocis._state import (
    ROLE_ADMIN,
    SERVICE_USERNAME,
    Directory,
    User,
)
from dezkysync.sandbox.ocis._views import drive_view

Handler = Callable[..., Response]
_ID = r"(?P<{0}>[^/]+)"
_V1 = r"/graph/v1\.0"
_DRIVES = r"/graph/v1(?:\.0|beta1)"
_LOCAL_URL = "https://localhost:9200"


@dataclass(frozen=True)
class _Route:
    handler: Handler
    admin: bool


def _routes() -> list[tuple[str, str, Handler, bool]]:
    user, group, member = _ID.format("user_id"), _ID.format("group_id"), _ID.format("member_id")
    drive, app = _ID.format("drive_id"), _ID.format("application_id")
    assignment = _ID.format("assignment_id")
    return [
        ("GET", rf"{_V1}/users", _users.list_users, False),
        ("POST", rf"{_V1}/users", _users.create_user, True),
        ("GET", rf"{_V1}/users/{user}", _users.get_user, False),
        ("PATCH", rf"{_V1}/users/{user}", _users.update_user, True),
        ("DELETE", rf"{_V1}/users/{user}", _users.delete_user, True),
        ("GET", rf"{_V1}/users/{user}/drive", _users.get_user_drive, False),
        ("GET", rf"{_V1}/users/{user}/appRoleAssignments", _roles.list_assignments, True),
        ("POST", rf"{_V1}/users/{user}/appRoleAssignments", _roles.create_assignment, True),
        (
            "DELETE",
            rf"{_V1}/users/{user}/appRoleAssignments/{assignment}",
            _roles.delete_assignment,
            True,
        ),
        ("GET", rf"{_V1}/me", _users.get_me, False),
        ("GET", rf"{_V1}/me/drive", _users.get_my_drive, False),
        ("GET", rf"{_DRIVES}/me/drives", _drives.list_my_drives, False),
        ("GET", rf"{_V1}/groups", _groups.list_groups, False),
        ("POST", rf"{_V1}/groups", _groups.create_group, True),
        ("GET", rf"{_V1}/groups/{group}", _groups.get_group, False),
        ("PATCH", rf"{_V1}/groups/{group}", _groups.update_group, True),
        ("DELETE", rf"{_V1}/groups/{group}", _groups.delete_group, True),
        ("GET", rf"{_V1}/groups/{group}/members", _groups.list_members, True),
        ("POST", rf"{_V1}/groups/{group}/members/\$ref", _groups.add_member_ref, True),
        (
            "DELETE",
            rf"{_V1}/groups/{group}/members/{member}/\$ref",
            _groups.remove_member_ref,
            True,
        ),
        ("GET", rf"{_DRIVES}/drives", _drives.list_drives, False),
        ("POST", rf"{_DRIVES}/drives", _drives.create_drive, False),
        ("GET", rf"{_DRIVES}/drives/{drive}", _drives.get_drive, False),
        ("PATCH", rf"{_DRIVES}/drives/{drive}", _drives.update_drive, False),
        ("DELETE", rf"{_DRIVES}/drives/{drive}", _drives.delete_drive, False),
        ("GET", rf"{_V1}/applications", _roles.list_applications, False),
        ("GET", rf"{_V1}/applications/{app}", _roles.get_application, False),
    ]


class OcisEmulator(Emulator):
    """ownCloud Infinite Scale's LibreGraph API (``/graph``) as an in-memory WSGI app.

    A fresh install holds one user, ``dezkysync``, with the admin role and its personal drive;
    ``token`` is its bearer token. Other users log in through :meth:`login` (which creates
    their personal drive, as the real proxy does on a user's first authenticated request) and
    get tokens through :meth:`issue_token`. See ``docs/sandbox-ocis.md``.
    """

    service: ClassVar[str] = "ocis"

    def __init__(
        self,
        *,
        token: str = "sandbox-ocis-token",
        username_match: str = "default",
        show_user_email: bool = False,
        search_min_length: int = 3,
        assign_default_role: bool = True,
        public_url: str | None = None,
        autoprovision: bool = False,
    ) -> None:
        super().__init__()
        if username_match not in ("default", "none"):
            raise ValueError("username_match must be 'default' or 'none'")
        self.settings = Settings(
            username_match=username_match,
            show_user_email=show_user_email,
            search_min_length=search_min_length,
            assign_default_role=assign_default_role,
            public_url=public_url,
            autoprovision=autoprovision,
        )
        self._token = token
        self.router = Router()
        self._routes: dict[Handler, _Route] = {}
        for method, pattern, handler, admin in _routes():
            self.router.add(method, pattern, handler)
            self._routes[handler] = _Route(handler, admin)
        self.directory = self._fresh_directory()

    # -- state ----------------------------------------------------------------------------
    def _fresh_directory(self) -> Directory:
        directory = Directory()
        service = User(
            id=str(uuid.uuid4()),
            username=SERVICE_USERNAME,
            display_name="dezkysync",
            surname=SERVICE_USERNAME,
        )
        directory.add_user(service)
        directory.assign_role(service.id, ROLE_ADMIN)
        directory.add_token(self._token, {"preferred_username": SERVICE_USERNAME})
        # The service identity has used OCIS before: its home exists, so a first read does
        # not change the state (CreateHome would create it on that request otherwise).
        _drives.create_home(directory, service)
        return directory

    def snapshot(self) -> dict[str, Any]:
        """The whole state (tokens and passwords only as hashes)."""
        return self.directory.snapshot()

    def restore(self, data: dict[str, Any]) -> None:
        """Replace the state; the constructor's token keeps belonging to ``dezkysync``."""
        directory = Directory.from_snapshot(data)
        directory.add_token(self._token, {"preferred_username": SERVICE_USERNAME})
        self.directory = directory

    # -- Python helpers -------------------------------------------------------------------
    def login(
        self,
        username: str,
        *,
        display_name: str | None = None,
        mail: str | None = None,
        issuer: str | None = None,
        subject: str | None = None,
    ) -> dict[str, Any]:
        """A user's (first) login: their personal drive appears, as the proxy's CreateHome does
        on any authenticated request; with ``autoprovision`` an unknown user is created from
        these claims first. Returns the personal drive. Raises ``KeyError`` when the user is
        unknown (and not autoprovisioned) and ``PermissionError`` when it is disabled (the
        proxy answers 401 in both cases)."""
        claims = _claims(username, display_name, mail, issuer, subject)
        with self.lock:
            user = resolve_claims(self.directory, self.settings, claims)
            if user is None:
                raise KeyError(username)
            if not user.enabled:
                raise PermissionError(f"user {username} is disabled")
            _drives.create_home(self.directory, user)
            drive = self.directory.personal_drive_of(user.id)
            assert drive is not None
            base = self.settings.public_url or _LOCAL_URL
            return drive_view(self.directory, drive, base.rstrip("/"))

    def issue_token(
        self,
        username: str,
        *,
        display_name: str | None = None,
        mail: str | None = None,
        issuer: str | None = None,
        subject: str | None = None,
    ) -> str:
        """A new bearer token, as the IdP would issue it, whose ``preferred_username`` claim is
        ``username`` (it works once an OCIS user of that name exists, or at once with
        ``autoprovision``)."""
        token = f"ocis-{secrets.token_urlsafe(24)}"
        with self.lock:
            self.directory.add_token(token, _claims(username, display_name, mail, issuer, subject))
        return token

    def set_drive_usage(self, drive_id: str, used: int) -> None:
        """Pretend the drive holds ``used`` bytes of files (drives the quota state)."""
        with self.lock:
            drive = self.directory.find_drive(drive_id)
            if drive is None:
                raise KeyError(drive_id)
            drive.used = used

    # -- HTTP -----------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """Answer one request: authenticate, CreateHome, route, RequireAdmin, handle."""
        request_id = request.headers.get("x-request-id") or str(uuid.uuid4())
        response = self._dispatch(request, request_id)
        response.headers.append(("X-Request-Id", request_id))
        return response

    def _dispatch(self, request: Request, request_id: str) -> Response:
        path = request.path.rstrip("/") or "/"
        is_graph = path == "/graph" or path.startswith("/graph/")
        is_auth_app = path == "/auth-app/tokens"
        if not (is_graph or is_auth_app):
            return _go_not_found()
        caller = authenticate(self.directory, self.settings, request)
        if caller is None:
            return Response.empty(401)
        _drives.create_home(self.directory, caller)
        if is_auth_app:
            return app_tokens(self.directory, caller, request)
        found = self.router.match(request.method, path)
        if found is None:
            return _go_not_found()
        if isinstance(found, list):
            return Response.empty(405)
        handler, params = found
        call = Call(self.directory, self.settings, caller, request, request_id)
        try:
            if self._routes[handler].admin and not call.is_admin:
                raise GraphError("accessDenied", "Forbidden", 403)
            return handler(call, **params)
        except GraphError as exc:
            return error_response(exc, request_id)

    # -- admin endpoint -------------------------------------------------------------------
    def admin(self, request: Request) -> Response:
        """Adds ``POST /_emulator/ocis/login/<username>`` (first login: creates the personal
        drive, returns it) and ``POST /_emulator/ocis/tokens/<username>`` (a bearer token whose
        username claim is ``<username>``) to the base admin endpoint."""
        what = request.path[len(ADMIN_PREFIX) :].strip("/")
        parts = what.split("/")
        if len(parts) == 3 and parts[0] == "ocis" and request.method == "POST":
            action, username = parts[1], parts[2]
            if action == "login":
                try:
                    drive = self.login(username)
                except KeyError:
                    return Response.json(404, {"detail": f"no user {username}"})
                except PermissionError:
                    return Response.json(401, {"detail": f"user {username} is disabled"})
                if self.on_write is not None:
                    self.on_write(self)
                return Response.json(200, drive)
            if action == "tokens":
                token = self.issue_token(username)
                if self.on_write is not None:
                    self.on_write(self)
                return Response.json(201, {"token": token})
        return super().admin(request)


def _claims(
    username: str,
    display_name: str | None,
    mail: str | None,
    issuer: str | None,
    subject: str | None,
) -> dict[str, str]:
    claims = {"preferred_username": username}
    for name, value in (("name", display_name), ("email", mail), ("iss", issuer), ("sub", subject)):
        if value:
            claims[name] = value
    return claims


def _go_not_found() -> Response:
    """chi's NotFound: Go's plain-text 404."""
    return Response(404, b"404 page not found\n", [("Content-Type", "text/plain; charset=utf-8")])


__all__ = ["OcisEmulator"]

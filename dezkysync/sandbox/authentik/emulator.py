"""The authentik REST API v3 emulator (see ``docs/sandbox-authentik.md``).

Request pipeline, in the real server's order:

1. session middleware: a browser cookie whose session belongs to an inactive user is answered
   ``400`` (empty HTML) and that session is logged out;
2. URL resolution: a path that is not an API route (e.g. a missing trailing slash) goes to the web
   interface: ``GET`` → 404 HTML page, other methods → 405 empty HTML;
3. authentication (Bearer API token, then the session cookie) and "is authenticated";
4. the method check (DRF 405 with ``Allow``), before any object lookup;
5. the handler: permission, lookup, body parsing (415/400), validation, the change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from dezkysync.sandbox._wsgi import Emulator, Request, Response, SandboxTransport
from dezkysync.sandbox.authentik import flows
from dezkysync.sandbox.authentik._clock import Clock, system_clock
from dezkysync.sandbox.authentik.auth import (
    SAFE_METHODS,
    SESSION_COOKIE,
    Caller,
    Context,
    authenticate,
    live_session,
)
from dezkysync.sandbox.authentik.errors import (
    NOT_AUTHENTICATED,
    ApiError,
    Forbidden,
    bad_request_empty,
    json_response,
    method_not_allowed,
    method_not_allowed_page,
    not_found_page,
)
from dezkysync.sandbox.authentik.groups import new_group
from dezkysync.sandbox.authentik.install import fresh_install
from dezkysync.sandbox.authentik.model import User
from dezkysync.sandbox.authentik.passwords import make_password
from dezkysync.sandbox.authentik.routes import Route, build_routes, resolve
from dezkysync.sandbox.authentik.store import Store
from dezkysync.sandbox.authentik.users import new_user

DEFAULT_TOKEN = "sandbox-authentik-token"
DEFAULT_SERVICE_USERNAME = "dezkysync"


@dataclass(frozen=True)
class Settings:
    """Install-wide behaviour switches."""

    bulk_delete: bool = True
    failed_attempts_before_cancel: int = 5


class AuthentikEmulator(Emulator):
    """An in-memory authentik 2026.x REST API (users, groups, sessions, tokens, login flow).

    ``token`` is the API token dezkysync runs as; it belongs to the service account
    ``service_username`` (a superuser via "authentik Admins"). ``service_username=None`` gives the
    install the captures were recorded on: the token is then akadmin's bootstrap token.
    ``bulk_delete=False`` emulates authentik ≤ 2025.12 (no ``bulk_delete`` endpoint).
    """

    service: ClassVar[str] = "authentik"

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        service_username: str | None = DEFAULT_SERVICE_USERNAME,
        bulk_delete: bool = True,
        failed_attempts_before_cancel: int = 5,
        admin_password: str | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__()
        self.token = token
        self.clock: Clock = clock or system_clock
        self.settings = Settings(
            bulk_delete=bulk_delete, failed_attempts_before_cancel=failed_attempts_before_cancel
        )
        self._routes: list[Route] = build_routes(bulk_delete=bulk_delete)
        self.store: Store = fresh_install(
            token=token,
            service_username=service_username,
            now=self.clock(),
            admin_password=admin_password,
        )

    # -- the API ------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """Answer one API request (called with :attr:`lock` held)."""
        ctx = Context(request, self.store, self.clock(), self.settings)
        response = self._respond(ctx)
        for cookie in ctx.cookies:
            response.headers.append(("Set-Cookie", cookie))
        if request.method == "HEAD":
            response = Response(response.status, b"", response.headers)
        return response

    def _respond(self, ctx: Context) -> Response:
        request, store = ctx.request, ctx.store
        session = live_session(store, request, ctx.now)
        if session is not None:
            owner = store.users.get(session.user_pk)
            if owner is not None and not owner.is_active:
                store.delete_session(session.uuid)
                return bad_request_empty()
        found = resolve(self._routes, request.path)
        if found is None:
            if request.method in SAFE_METHODS - {"OPTIONS"}:
                return not_found_page()
            return method_not_allowed_page()
        route, params = found
        try:
            response = self._view(ctx, route, params)
        except ApiError as error:
            response = error.response()
        if response.header("Allow") is None:  # DRF sends Allow on every API response
            response.headers.append(("Allow", route.allow))
        return response

    def _view(self, ctx: Context, route: Route, params: dict[str, str]) -> Response:
        request = ctx.request
        if route.anonymous:
            ctx.caller = self._optional_caller(ctx)
        else:
            ctx.caller = authenticate(ctx.store, request, ctx.now)
            if ctx.caller is None:
                raise Forbidden(NOT_AUTHENTICATED)
        if request.method == "OPTIONS":
            return json_response(
                200,
                {
                    "name": route.name,
                    "description": "",
                    "renders": ["application/json"],
                    "parses": ["application/json"],
                },
            )
        handler = route.handler(request.method)
        if handler is None:
            raise method_not_allowed(request.method, route.allow)
        return handler(ctx, **params)

    def _optional_caller(self, ctx: Context) -> Caller | None:
        """Authentication for views that also serve anonymous browsers (no CSRF check)."""
        if ctx.request.bearer is not None:
            return authenticate(ctx.store, ctx.request, ctx.now)
        session = live_session(ctx.store, ctx.request, ctx.now)
        if session is None:
            return None
        user = ctx.store.users.get(session.user_pk)
        if user is None:
            return None
        return Caller(user=user, session=session)

    # -- persistence --------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The whole install (users with password hashes, tokens, sessions, flows)."""
        with self.lock:
            return {
                "service": self.service,
                "token": self.token,
                "settings": {
                    "bulk_delete": self.settings.bulk_delete,
                    "failed_attempts_before_cancel": self.settings.failed_attempts_before_cancel,
                },
                "store": self.store.snapshot(),
            }

    def restore(self, data: dict[str, Any]) -> None:
        """Replace the install with a :meth:`snapshot`. The constructor's ``token`` stays the
        service identity's key (the sandbox's credentials file is authoritative for tokens)."""
        if data.get("service") != self.service:
            raise ValueError(f"not an authentik snapshot: {data.get('service')!r}")
        store = Store.from_snapshot(data["store"])
        saved_key = str(data.get("token", self.token))
        service_token = store.token_by_key(saved_key)
        if saved_key != self.token and service_token is not None:
            store.delete_token(service_token.identifier)
            service_token.key = self.token
            store.add_token(service_token)
        raw = data.get("settings", {})
        settings = Settings(
            bulk_delete=bool(raw.get("bulk_delete", True)),
            failed_attempts_before_cancel=int(raw.get("failed_attempts_before_cancel", 5)),
        )
        with self.lock:
            self.store = store
            self.settings = settings
            self._routes = build_routes(bulk_delete=settings.bulk_delete)

    # -- seeding helpers (Python API for tests and the sandbox) --------------------------
    def add_user(
        self,
        username: str,
        *,
        name: str | None = None,
        email: str = "",
        password: str | None = None,
        groups: Iterable[str] = (),
        is_active: bool = True,
        attributes: dict[str, Any] | None = None,
        path: str = "users",
        user_type: str = "internal",
    ) -> int:
        """Create a user directly (no HTTP); ``groups`` are group names. Returns the pk."""
        with self.lock:
            user = new_user(
                self.store,
                self.clock(),
                username=username,
                name=username if name is None else name,
                email=email,
                is_active=is_active,
                path=path,
                user_type=user_type,
                attributes=attributes,
                password_hash=None if password is None else make_password(password),
            )
            for group_name in groups:
                group = self.store.group_by_name(group_name)
                if group is None:
                    raise KeyError(f"no group named {group_name!r}")
                self.store.add_member(group.uuid, user.pk)
            return user.pk

    def add_group(
        self,
        name: str,
        *,
        attributes: dict[str, Any] | None = None,
        is_superuser: bool = False,
        members: Iterable[str] = (),
    ) -> str:
        """Create a group directly; ``members`` are usernames. Returns the group uuid."""
        with self.lock:
            group = new_group(
                self.store, name=name, is_superuser=is_superuser, attributes=attributes
            )
            for username in members:
                user = self.store.user_by_username(username)
                if user is None:
                    raise KeyError(f"no user named {username!r}")
                self.store.add_member(group.uuid, user.pk)
            return group.uuid

    def set_password(self, username: str, password: str) -> None:
        """Set a user's password directly."""
        with self.lock:
            user = self._user(username)
            user.password = make_password(password)
            user.password_change_date = self.clock()

    def grant(self, username: str, *permissions: str) -> None:
        """Give a user global permissions (``authentik_core.view_user`` ...)."""
        with self.lock:
            self._user(username).permissions.update(permissions)

    def login(
        self,
        username: str,
        password: str,
        *,
        user_agent: str = "sandbox-browser",
        ip: str | None = None,
    ) -> str | None:
        """Log a browser in through the real flow executor; the ``authentik_session`` cookie
        value on success, None when the flow did not complete."""
        headers = {"User-Agent": user_agent}
        if ip is not None:
            headers["X-Forwarded-For"] = ip
        url = f"/api/v3/flows/executor/{flows.FLOW_SLUG}/?query="
        with httpx.Client(
            transport=SandboxTransport(self), base_url="http://authentik.sandbox", headers=headers
        ) as client:
            client.get(url)
            client.post(url, json={"component": "ak-stage-identification", "uid_field": username})
            answer = client.post(url, json={"component": "ak-stage-password", "password": password})
            if answer.status_code != 200 or answer.json().get("component") != "xak-flow-redirect":
                return None
            value = client.cookies.get(SESSION_COOKIE)
            return None if value is None else str(value)

    def _user(self, username: str) -> User:
        user = self.store.user_by_username(username)
        if user is None:
            raise KeyError(f"no user named {username!r}")
        return user

"""Who is calling, and what they may do.

Authentication runs like authentik's DRF stack: a Bearer API token first (an unknown, expired,
non-``api`` token, or one whose owner is inactive, is ``403 "Token invalid/expired"``; any other
scheme counts as no credentials), then the browser session cookie ``authentik_session``. Unsafe
methods on a cookie-authenticated request need DRF's CSRF check (``X-authentik-CSRF`` header equal
to the ``authentik_csrf`` cookie).

Permissions are global codenames (``authentik_core.view_user`` ...). Members of a superuser group
hold all of them; other users hold what was granted to them (see ``AuthentikEmulator.grant``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from dezkysync.sandbox._wsgi import Request
from dezkysync.sandbox.authentik.errors import TOKEN_INVALID, Forbidden
from dezkysync.sandbox.authentik.model import Session, Token, User
from dezkysync.sandbox.authentik.render import Renderer
from dezkysync.sandbox.authentik.store import Store

if TYPE_CHECKING:
    from dezkysync.sandbox.authentik.emulator import Settings

SESSION_COOKIE = "authentik_session"
CSRF_COOKIE = "authentik_csrf"
CSRF_HEADER = "x-authentik-csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Caller:
    """The authenticated identity of a request."""

    user: User
    token: Token | None = None
    session: Session | None = None


@dataclass
class Context:
    """Everything a handler needs for one request."""

    request: Request
    store: Store
    now: datetime
    settings: Settings
    caller: Caller | None = None
    cookies: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.render = Renderer(self.store)

    @property
    def user(self) -> User:
        """The authenticated user (handlers only run once authentication succeeded)."""
        if self.caller is None:  # pragma: no cover - guarded by the dispatcher
            raise Forbidden()
        return self.caller.user

    def is_superuser(self) -> bool:
        """Whether the caller is a superuser."""
        return self.caller is not None and self.render.is_superuser(self.caller.user)

    def has_perm(self, codename: str) -> bool:
        """Whether the caller holds the global permission ``codename``."""
        if self.caller is None:
            return False
        return self.is_superuser() or codename in self.caller.user.permissions

    def require(self, *codenames: str) -> None:
        """403 unless the caller holds every permission in ``codenames``."""
        if not all(self.has_perm(c) for c in codenames):
            raise Forbidden()


def bearer_credentials(request: Request) -> str | None:
    """The Bearer token value (other schemes count as no credentials)."""
    return request.bearer


def token_user(store: Store, key: str, now: datetime) -> Caller:
    """The caller behind an API token key; 403 "Token invalid/expired" when unusable."""
    token = store.token_by_key(key)
    if token is None or token.intent != "api" or token.is_expired(now):
        raise Forbidden(TOKEN_INVALID)
    user = store.users.get(token.user_pk)
    if user is None or not user.is_active:
        raise Forbidden(TOKEN_INVALID)
    return Caller(user=user, token=token)


def live_session(store: Store, request: Request, now: datetime) -> Session | None:
    """The unexpired authenticated session named by the request's cookie (expired ones are
    removed, as Django's session backend forgets them)."""
    key = request.cookies.get(SESSION_COOKIE)
    if not key:
        return None
    session = store.session_by_key(key)
    if session is None:
        return None
    if session.expires <= now:
        store.delete_session(session.uuid)
        return None
    return session


def authenticate(store: Store, request: Request, now: datetime) -> Caller | None:
    """Run the authentication classes; None when the request is anonymous."""
    key = bearer_credentials(request)
    if key is not None:
        return token_user(store, key, now)
    session = live_session(store, request, now)
    if session is None:
        return None
    user = store.users.get(session.user_pk)
    if user is None:
        return None
    if request.method not in SAFE_METHODS:
        enforce_csrf(request)
    session.last_used = now
    return Caller(user=user, session=session)


def enforce_csrf(request: Request) -> None:
    """DRF's SessionAuthentication CSRF check for unsafe methods."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie:
        raise Forbidden("CSRF Failed: CSRF cookie not set.")
    header = request.headers.get(CSRF_HEADER)
    if not header:
        raise Forbidden("CSRF Failed: CSRF token missing.")
    if header != cookie:
        raise Forbidden("CSRF Failed: CSRF token incorrect.")

"""``/core/authenticated_sessions/``: list, retrieve, DELETE and (2026.2+) ``bulk_delete``.

The list honours only ``user__username`` (exact; empty means no filter),
``session__last_ip``, ``session__last_user_agent`` and ``search``. It **ignores ``user``** (and
every other unknown parameter) and returns every user's sessions, so a client must filter by
user pk itself. A caller without the global ``view_authenticatedsession`` permission sees only
its own sessions (a 200, not a 403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dezkysync.sandbox._wsgi import Response
from dezkysync.sandbox.authentik import fields
from dezkysync.sandbox.authentik.auth import Context
from dezkysync.sandbox.authentik.errors import (
    NotFound,
    ValidationFailed,
    json_response,
    no_content,
)
from dezkysync.sandbox.authentik.filters import matches_search, search_terms
from dezkysync.sandbox.authentik.model import Session
from dezkysync.sandbox.authentik.ordering import apply_ordering, requested_ordering
from dezkysync.sandbox.authentik.pagination import paginate_count, paginated_body
from dezkysync.sandbox.authentik.parsing import nonempty_arg

VIEW_PERMISSION = "authentik_core.view_authenticatedsession"
DELETE_PERMISSION = "authentik_core.delete_authenticatedsession"


def _visible(ctx: Context) -> list[Session]:
    """The sessions the caller may see (all, or its own), in creation order."""
    if ctx.has_perm(VIEW_PERMISSION):
        return list(ctx.store.sessions.values())
    own = ctx.store.user_session_uuids(ctx.user.pk)
    return [s for s in ctx.store.sessions.values() if s.uuid in own]


def _username(ctx: Context, session: Session) -> str:
    user = ctx.store.users.get(session.user_pk)
    return "" if user is None else user.username


def _is_current(ctx: Context, session: Session) -> bool:
    caller_session = ctx.caller.session if ctx.caller is not None else None
    return caller_session is not None and caller_session.uuid == session.uuid


def get_session(ctx: Context, raw_uuid: str) -> Session:
    """A visible session by URL ``{uuid}`` ("Not found." when malformed)."""
    canonical = fields.canonical_uuid(raw_uuid)
    if canonical is None:
        raise NotFound()
    session = ctx.store.sessions.get(canonical)
    if session is None or (not ctx.has_perm(VIEW_PERMISSION) and session.user_pk != ctx.user.pk):
        raise NotFound("AuthenticatedSession")
    return session


def list_sessions(ctx: Context) -> Response:
    """``GET /core/authenticated_sessions/``."""
    request = ctx.request
    checks: list[Callable[[Session], bool]] = []
    if (username := nonempty_arg(request, "user__username")) is not None:
        checks.append(lambda s: _username(ctx, s) == username)
    if (ip := nonempty_arg(request, "session__last_ip")) is not None:
        checks.append(lambda s: s.last_ip == ip)
    if (agent := nonempty_arg(request, "session__last_user_agent")) is not None:
        checks.append(lambda s: s.last_user_agent == agent)
    terms = search_terms(request.arg("search"))
    if terms:
        checks.append(
            lambda s: matches_search(terms, (_username(ctx, s), s.last_ip, s.last_user_agent))
        )
    matching = [s for s in _visible(ctx) if all(check(s) for check in checks)]
    ordering: dict[str, Callable[[Any], Any]] = {
        "user__username": lambda s: _username(ctx, s),
        "last_ip": lambda s: s.last_ip,
        "last_user_agent": lambda s: s.last_user_agent,
        "last_used": lambda s: s.last_used,
        "expires": lambda s: s.expires,
    }
    terms_order = requested_ordering(request.arg("ordering"), ordering) or [
        ("user__username", False)
    ]
    matching = apply_ordering(matching, terms_order, ordering)
    page = paginate_count(request, len(matching))
    results = [
        ctx.render.session(s, current=_is_current(ctx, s)) for s in matching[page.start : page.stop]
    ]
    return json_response(200, paginated_body(page.pagination, results, {}))


def retrieve_session(ctx: Context, uuid: str) -> Response:
    """``GET /core/authenticated_sessions/{uuid}/``."""
    session = get_session(ctx, uuid)
    return json_response(200, ctx.render.session(session, current=_is_current(ctx, session)))


def delete_session(ctx: Context, uuid: str) -> Response:
    """``DELETE /core/authenticated_sessions/{uuid}/`` → 204; the browser is logged out."""
    session = get_session(ctx, uuid)
    ctx.store.delete_session(session.uuid)
    return no_content()


def bulk_delete(ctx: Context) -> Response:
    """``DELETE /core/authenticated_sessions/bulk_delete/?user_pks=..`` (2026.2+)."""
    ctx.require(DELETE_PERMISSION)
    raw = [v for v in ctx.request.args("user_pks") if v]
    if not raw:
        raise ValidationFailed({"user_pks": [fields.REQUIRED]})
    pks: list[int] = []
    for value in raw:
        try:
            pks.append(fields.integer(value))
        except fields.Invalid as exc:
            raise ValidationFailed({"user_pks": [exc.message]}) from None
    deleted = sum(ctx.store.delete_user_sessions(pk) for pk in set(pks))
    return json_response(200, {"deleted": deleted})

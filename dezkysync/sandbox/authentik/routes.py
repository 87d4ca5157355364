"""The URL table of the emulated API (paths under ``/api/v3``), resolved like Django's URL
resolver: the first route whose pattern matches the path wins, then the method is checked
against that route only (DRF's 405 with its ``Allow`` header)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from dezkysync.sandbox._wsgi import Response
from dezkysync.sandbox.authentik import (
    flows,
    groups,
    sessions,
    tokens,
    user_actions,
    user_list,
    users,
)

API_PREFIX = "/api/v3"
# DRF lists allowed methods in the order of ``View.http_method_names``.
_METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_LOOKUP = r"[^/.]+"

Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    """One URL pattern and its handlers per method."""

    name: str
    pattern: re.Pattern[str]
    methods: dict[str, Handler] = field(default_factory=dict)
    anonymous: bool = False

    def handler(self, method: str) -> Handler | None:
        """The handler for ``method`` (HEAD is served by GET)."""
        if method == "HEAD":
            return self.methods.get("GET")
        return self.methods.get(method)

    @property
    def allow(self) -> str:
        """The ``Allow`` header DRF sends for this route."""
        allowed = set(self.methods) | {"OPTIONS"}
        if "GET" in allowed:
            allowed.add("HEAD")
        return ", ".join(m for m in _METHOD_ORDER if m in allowed)


def _route(name: str, path: str, anonymous: bool = False, **methods: Handler) -> Route:
    return Route(name, re.compile(path), dict(methods), anonymous)


def build_routes(*, bulk_delete: bool) -> list[Route]:
    """Every route, in resolution order (``bulk_delete`` only on 2026.2+)."""
    table = [
        _route("User List", r"/core/users/", GET=user_list.list_users, POST=users.create_user),
        _route("User Me", r"/core/users/me/", GET=user_actions.me),
        _route("User Paths", r"/core/users/paths/", GET=user_actions.paths),
        _route(
            "User Service Account",
            r"/core/users/service_account/",
            POST=user_actions.service_account,
        ),
        _route(
            "User Instance",
            rf"/core/users/(?P<id>{_LOOKUP})/",
            GET=users.retrieve_user,
            PUT=users.update_user,
            PATCH=users.partial_update_user,
            DELETE=users.delete_user,
        ),
        _route(
            "User Set Password",
            rf"/core/users/(?P<id>{_LOOKUP})/set_password/",
            POST=user_actions.set_password,
        ),
        _route(
            "User Recovery", rf"/core/users/(?P<id>{_LOOKUP})/recovery/", POST=user_actions.recovery
        ),
        _route("Group List", r"/core/groups/", GET=groups.list_groups, POST=groups.create_group),
        _route(
            "Group Instance",
            rf"/core/groups/(?P<group_uuid>{_LOOKUP})/",
            GET=groups.retrieve_group,
            PUT=groups.update_group,
            PATCH=groups.partial_update_group,
            DELETE=groups.delete_group,
        ),
        _route(
            "Group Add User",
            rf"/core/groups/(?P<group_uuid>{_LOOKUP})/add_user/",
            POST=groups.add_user,
        ),
        _route(
            "Group Remove User",
            rf"/core/groups/(?P<group_uuid>{_LOOKUP})/remove_user/",
            POST=groups.remove_user,
        ),
        _route(
            "Authenticated Session List",
            r"/core/authenticated_sessions/",
            GET=sessions.list_sessions,
        ),
    ]
    if bulk_delete:
        table.append(
            _route(
                "Authenticated Session Bulk Delete",
                r"/core/authenticated_sessions/bulk_delete/",
                DELETE=sessions.bulk_delete,
            )
        )
    table += [
        _route(
            "Authenticated Session Instance",
            rf"/core/authenticated_sessions/(?P<uuid>{_LOOKUP})/",
            GET=sessions.retrieve_session,
            DELETE=sessions.delete_session,
        ),
        _route("Token List", r"/core/tokens/", GET=tokens.list_tokens, POST=tokens.create_token),
        _route(
            "Token Instance",
            rf"/core/tokens/(?P<identifier>{_LOOKUP})/",
            GET=tokens.retrieve_token,
            PUT=tokens.update_token,
            PATCH=tokens.partial_update_token,
            DELETE=tokens.delete_token,
        ),
        _route(
            "Token View Key",
            rf"/core/tokens/(?P<identifier>{_LOOKUP})/view_key/",
            GET=tokens.view_key,
        ),
        _route(
            "Flow Executor",
            rf"/flows/executor/(?P<flow_slug>{_LOOKUP})/",
            anonymous=True,
            GET=flows.executor_get,
            POST=flows.executor_post,
        ),
    ]
    return table


def resolve(routes: list[Route], path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a full URL path and its parameters; None for a non-API path."""
    if not path.startswith(API_PREFIX + "/"):
        return None
    relative = path[len(API_PREFIX) :]
    for route in routes:
        found = route.pattern.fullmatch(relative)
        if found:
            return route, found.groupdict()
    return None

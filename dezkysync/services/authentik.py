"""authentik over its REST API (``/api/v3/``, trailing slashes mandatory, Bearer token).

The only module that knows authentik's quirks:

- every list is paginated (``page``, ``page_size`` capped at 100), with a ``pagination``
  object whose ``next``/``previous`` are page numbers and 0 for "none";
- a page past the end answers 404 "Invalid page.", which during a listing means the list
  shrank while it was read;
- ``GET /core/users/`` also lists system users (the outposts' ``internal_service_account``
  users, service accounts): they are kept apart, never planned and never taken as absent;
- auth failures are 403, never 401.

A listing reads page 1, then pages 2..N concurrently, and checks every page against the
``count`` and ``total_pages`` page 1 reported (same totals, ``current`` right, page sizes
right, no duplicate, nothing missing); anything short raises :class:`IncompleteRead`. Users
and groups together cost ``ceil(users/100) + ceil(groups/100) + 1`` requests.

Writes ("apply one typed change") belong beside the readers in this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from dezkysync.http import IncompleteRead, Params, ServiceClient, run_bounded
from dezkysync.live.model import AuthentikState, LiveGroup, LiveIdentity, SelfIdentity
from dezkysync.services.ownership import read_authentik_marker

API = "/api/v3"
USERS_PATH = f"{API}/core/users/"
GROUPS_PATH = f"{API}/core/groups/"
ME_PATH = f"{API}/core/users/me/"
PAGE_SIZE = 100

#: User types that are never members: authentik's own and dezkysync-like service accounts.
SYSTEM_TYPES = frozenset({"internal_service_account", "service_account"})
SYSTEM_PATH_PREFIX = "goauthentik.io/"


class AuthentikClient:
    """Reads (and, later, writes) authentik through one :class:`ServiceClient`."""

    service = "authentik"

    def __init__(self, http: ServiceClient, *, concurrency: int = 4) -> None:
        self.http = http
        self.concurrency = max(1, concurrency)

    def me(self) -> SelfIdentity:
        """The user the token belongs to (``GET /core/users/me/``)."""
        body = self.http.get_json(ME_PATH)
        user = body.get("user") if isinstance(body, dict) else None
        pk = user.get("pk") if isinstance(user, dict) else None
        username = user.get("username") if isinstance(user, dict) else None
        if not isinstance(pk, int) or not isinstance(username, str):
            raise self.http.fail("GET", ME_PATH, "the answer names no user pk and username")
        return SelfIdentity(username=username, id=str(pk))

    def read_state(self) -> AuthentikState:
        """The token's own user, every user and every group (complete, or an error)."""
        me = self.me()
        users_raw, groups_raw = run_bounded(
            [
                partial(
                    self.list_all,
                    USERS_PATH,
                    {"ordering": "pk", "include_groups": "false", "include_roles": "false"},
                ),
                partial(self.list_all, GROUPS_PATH, {"ordering": "pk", "include_users": "false"}),
            ],
            2,
        )
        identities: list[LiveIdentity] = []
        system: list[LiveIdentity] = []
        for raw in users_raw:
            user = self._identity(raw)
            is_system = (
                user.type in SYSTEM_TYPES
                or user.path.startswith(SYSTEM_PATH_PREFIX)
                or str(user.pk) == me.id
            )
            (system if is_system else identities).append(user)
        groups = [self._group(raw) for raw in groups_raw]
        return AuthentikState(
            me=me,
            identities=tuple(sorted(identities, key=lambda i: (i.login, i.pk))),
            system_users=tuple(sorted(system, key=lambda i: (i.login, i.pk))),
            groups=tuple(sorted(groups, key=lambda g: g.name)),
        )

    # -- pagination -----------------------------------------------------------------------------
    def list_all(self, path: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
        """Every object of a paginated list, checked page by page (see the module docstring)."""
        first = self._page(path, params, 1)
        count, total_pages, size = first["count"], first["total_pages"], len(first["results"])
        if total_pages > 1 and size == 0:
            raise self._incomplete(path, params, 1, "page 1 is empty but more pages are announced")
        pages = [first]
        if total_pages > 1:
            pages += run_bounded(
                [partial(self._page, path, params, n) for n in range(2, total_pages + 1)],
                self.concurrency,
            )
        objects: list[dict[str, Any]] = []
        seen: set[Any] = set()
        for number, page in enumerate(pages, start=1):
            if page["count"] != count or page["total_pages"] != total_pages:
                raise self._incomplete(
                    path,
                    params,
                    number,
                    f"the list changed while reading (count {count} -> {page['count']}, "
                    f"pages {total_pages} -> {page['total_pages']}); run again",
                )
            expected = size if number < total_pages else count - size * (total_pages - 1)
            if len(page["results"]) != expected:
                raise self._incomplete(
                    path,
                    params,
                    number,
                    f"{len(page['results'])} objects where {expected} were expected",
                )
            for obj in page["results"]:
                key = obj.get("pk")
                if key in seen:
                    raise self._incomplete(
                        path, params, number, f"object {key} listed twice (list changed); run again"
                    )
                seen.add(key)
                objects.append(obj)
        if len(objects) != count:
            raise self._incomplete(
                path, params, total_pages, f"{len(objects)} objects read, {count} announced"
            )
        return objects

    def _page(self, path: str, params: Mapping[str, str], number: int) -> dict[str, Any]:
        query: Params = {**params, "page": str(number), "page_size": str(PAGE_SIZE)}
        response = self.http.request("GET", path, params=query, accept=(200, 404))
        if response.status_code == 404:
            raise self._incomplete(
                path, query, number, "the page is gone (HTTP 404: the list shrank while reading)"
            )
        body = self.http.decode(response, "GET", path, query)
        pagination = body.get("pagination") if isinstance(body, dict) else None
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(pagination, dict) or not isinstance(results, list):
            raise self.http.fail(
                "GET", path, "not a paginated list (no pagination or results)", params=query
            )
        numbers = {}
        for key in ("count", "total_pages", "current"):
            value = pagination.get(key)
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # the schema types pagination values as numbers
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise self.http.fail("GET", path, f"pagination.{key} is missing", params=query)
            numbers[key] = value
        if numbers["current"] != number:
            raise self._incomplete(path, query, number, f"got page {numbers['current']} instead")
        if numbers["total_pages"] < 1:
            raise self.http.fail("GET", path, "pagination.total_pages is 0", params=query)
        if not all(isinstance(obj, dict) for obj in results):
            raise self.http.fail("GET", path, "a result is not an object", params=query)
        return {**numbers, "results": results}

    def _incomplete(self, path: str, params: Params, page: int, problem: str) -> IncompleteRead:
        query: Params = {**(params or {}), "page": str(page)}
        return self.http.incomplete("GET", path, problem, params=query)

    # -- objects ----------------------------------------------------------------------------------
    def _identity(self, raw: Mapping[str, Any]) -> LiveIdentity:
        pk, username = raw.get("pk"), raw.get("username")
        if not isinstance(pk, int) or not isinstance(username, str):
            raise self.http.fail("GET", USERS_PATH, "a user has no pk or username")
        groups = raw.get("groups")
        return LiveIdentity(
            pk=pk,
            username=username,
            name=str(raw.get("name") or ""),
            email=str(raw.get("email") or ""),
            is_active=raw.get("is_active") is not False,
            type=str(raw.get("type") or "internal"),
            path=str(raw.get("path") or ""),
            owner=read_authentik_marker(raw.get("attributes"), group=False),
            uuid=str(raw.get("uuid") or ""),
            groups=tuple(sorted(str(g) for g in groups)) if isinstance(groups, list) else (),
        )

    def _group(self, raw: Mapping[str, Any]) -> LiveGroup:
        pk, name = raw.get("pk"), raw.get("name")
        if not isinstance(pk, str) or not isinstance(name, str):
            raise self.http.fail("GET", GROUPS_PATH, "a group has no pk or name")
        users = raw.get("users")
        if not isinstance(users, list) or not all(isinstance(u, int) for u in users):
            raise self.http.fail("GET", GROUPS_PATH, f"group {name!r} has no users list")
        return LiveGroup(
            pk=pk,
            name=name,
            owner=read_authentik_marker(raw.get("attributes"), group=True),
            members=tuple(sorted(users)),
            is_superuser=raw.get("is_superuser") is True,
        )

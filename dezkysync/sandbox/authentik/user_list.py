"""``GET /core/users/``: every list filter of authentik's ``UsersFilter``, search, ordering and
pagination.

Form-level filter errors (an unknown ``groups_by_name``, a bad ``uuid`` or date...) are all
reported together as 400 before the ``attributes`` filter runs; an invalid boolean such as
``is_active=maybe`` is ignored; empty values are no filter; unknown parameters are ignored.
Exact ``username``/``email`` and group filters narrow through the store's indexes; the default
order (username) comes from the store's sorted index.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from dezkysync.sandbox._wsgi import Response
from dezkysync.sandbox.authentik import fields
from dezkysync.sandbox.authentik._clock import parse_datetime
from dezkysync.sandbox.authentik.auth import Context
from dezkysync.sandbox.authentik.errors import ValidationFailed, json_response
from dezkysync.sandbox.authentik.filters import (
    attributes_predicate,
    choice_error,
    matches_search,
    search_terms,
)
from dezkysync.sandbox.authentik.model import USER_TYPES, Group, User
from dezkysync.sandbox.authentik.ordering import apply_ordering, requested_ordering
from dezkysync.sandbox.authentik.pagination import paginate_count, paginated_body
from dezkysync.sandbox.authentik.parsing import filter_bool, flag, nonempty_arg
from dezkysync.sandbox.authentik.render import USER_AUTOCOMPLETE

ORDERING_FIELDS: dict[str, Callable[[User], Any]] = {
    "pk": lambda u: u.pk,
    "username": lambda u: u.username,
    "name": lambda u: u.name,
    "email": lambda u: u.email,
    "is_active": lambda u: u.is_active,
    "last_login": lambda u: u.last_login,
    "date_joined": lambda u: u.date_joined,
    "last_updated": lambda u: u.last_updated,
    "password_change_date": lambda u: u.password_change_date,
    "path": lambda u: u.path,
    "type": lambda u: u.type,
    "uuid": lambda u: u.uuid,
}

_DATE_FILTERS: dict[str, tuple[str, str]] = {
    "date_joined": ("date_joined", "exact"),
    "date_joined__lt": ("date_joined", "lt"),
    "date_joined__gt": ("date_joined", "gt"),
    "last_updated": ("last_updated", "exact"),
    "last_updated__lt": ("last_updated", "lt"),
    "last_updated__gt": ("last_updated", "gt"),
    "last_login": ("last_login", "exact"),
    "last_login__lt": ("last_login", "lt"),
    "last_login__gt": ("last_login", "gt"),
}


def list_users(ctx: Context) -> Response:
    """``GET /core/users/``."""
    ctx.require("authentik_core.view_user")
    request, store = ctx.request, ctx.store
    checks, candidates = _user_filters(ctx)
    ordering_terms = requested_ordering(request.arg("ordering"), ORDERING_FIELDS)
    if candidates is None:
        ordered = [store.users[pk] for pk in store.ordered_user_pks()]
        matching = [u for u in ordered if all(check(u) for check in checks)]
    else:
        picked = [store.users[pk] for pk in candidates if pk in store.users]
        picked.sort(key=lambda u: u.username)
        matching = [u for u in picked if all(check(u) for check in checks)]
    if ordering_terms:
        matching = apply_ordering(matching, ordering_terms, ORDERING_FIELDS)
    page = paginate_count(request, len(matching))
    include_groups = flag(request, "include_groups", True)
    include_roles = flag(request, "include_roles", True)
    results = [
        ctx.render.user(u, include_groups=include_groups, include_roles=include_roles)
        for u in matching[page.start : page.stop]
    ]
    return json_response(200, paginated_body(page.pagination, results, USER_AUTOCOMPLETE))


def _user_filters(ctx: Context) -> tuple[list[Callable[[User], bool]], set[int] | None]:
    """The list filters: predicates plus, when an index can answer, a candidate pk set."""
    request, store = ctx.request, ctx.store
    checks: list[Callable[[User], bool]] = []
    candidates: set[int] | None = None
    form_errors: dict[str, list[str]] = {}

    def narrow(pks: set[int]) -> None:
        nonlocal candidates
        candidates = pks if candidates is None else candidates & pks

    if (username := nonempty_arg(request, "username")) is not None:
        found = store.user_by_username(username)
        narrow({found.pk} if found else set())
    if (email := nonempty_arg(request, "email")) is not None:
        narrow(store.pks_by_email(email))
    if (name := nonempty_arg(request, "name")) is not None:
        checks.append(lambda u: u.name == name)
    if (path := nonempty_arg(request, "path")) is not None:
        checks.append(lambda u: u.path == path)
    if (prefix := nonempty_arg(request, "path_startswith")) is not None:
        checks.append(lambda u: u.path.startswith(prefix))
    if (is_active := filter_bool(request, "is_active")) is not None:
        checks.append(lambda u: u.is_active is is_active)
    if (is_superuser := filter_bool(request, "is_superuser")) is not None:
        flagged = {g.uuid for g in store.groups.values() if g.is_superuser}
        checks.append(lambda u: bool(store.user_group_uuids(u.pk) & flagged) is is_superuser)
    if (isnull := filter_bool(request, "last_login__isnull")) is not None:
        checks.append(lambda u: (u.last_login is None) is isnull)
    if (raw_uuid := nonempty_arg(request, "uuid")) is not None:
        wanted_uuid = fields.canonical_uuid(raw_uuid)
        if wanted_uuid is None:
            form_errors["uuid"] = ["Enter a valid UUID."]
        else:
            checks.append(lambda u: u.uuid == wanted_uuid)
    types = [v for v in request.args("type") if v]
    if types:
        bad = [t for t in types if t not in USER_TYPES]
        if bad:
            form_errors.update(choice_error("type", bad[0]).payload)
        else:
            checks.append(lambda u: u.type in types)
    for param, (attribute, lookup) in _DATE_FILTERS.items():
        raw = nonempty_arg(request, param)
        if raw is None:
            continue
        moment = parse_datetime(raw)
        if moment is None:
            form_errors[param] = ["Enter a valid date/time."]
            continue
        checks.append(_date_check(attribute, lookup, moment))
    group_members = _group_filter(ctx, form_errors)
    if group_members is not None:
        narrow(group_members)
    role_check = _role_filter(ctx, form_errors)
    if role_check is not None:
        checks.append(role_check)
    if form_errors:
        raise ValidationFailed(form_errors)
    if (raw_attributes := nonempty_arg(request, "attributes")) is not None:
        predicate = attributes_predicate(raw_attributes)
        if predicate is not None:
            checks.append(lambda u: predicate(u.attributes))
    terms = search_terms(request.arg("search"))
    if terms:
        checks.append(lambda u: matches_search(terms, (u.email, u.name, u.uuid, u.username)))
    return checks, candidates


def _date_check(attribute: str, lookup: str, moment: datetime) -> Callable[[User], bool]:
    def check(user: User) -> bool:
        value: datetime | None = getattr(user, attribute)
        if value is None:
            return False
        if lookup == "lt":
            return value < moment
        if lookup == "gt":
            return value > moment
        return value == moment

    return check


def _group_filter(ctx: Context, form_errors: dict[str, list[str]]) -> set[int] | None:
    """``groups_by_name`` / ``groups_by_pk`` (OR within each, AND between them)."""
    store = ctx.store
    result: set[int] | None = None
    names = [v for v in ctx.request.args("groups_by_name") if v]
    if names:
        members: set[int] = set()
        for name in names:
            group = store.group_by_name(name)
            if group is None:
                form_errors.update(choice_error("groups_by_name", name).payload)
                break
            members |= group.users
        result = members
    pks = [v for v in ctx.request.args("groups_by_pk") if v]
    if pks:
        resolved = _resolve_group_pks(ctx, pks, form_errors)
        if resolved is not None:
            members = set().union(*(g.users for g in resolved)) if resolved else set()
            result = members if result is None else result & members
    return result


def _resolve_group_pks(
    ctx: Context, values: list[str], form_errors: dict[str, list[str]]
) -> list[Group] | None:
    canonical = [fields.canonical_uuid(v) for v in values]
    for raw, value in zip(values, canonical, strict=True):
        if value is None:
            form_errors["groups_by_pk"] = [f"“{raw}” is not a valid value."]
            return None
    for raw, value in zip(values, canonical, strict=True):
        if value not in ctx.store.groups:
            form_errors.update(choice_error("groups_by_pk", raw).payload)
            return None
    return [ctx.store.groups[v] for v in canonical if v is not None]


def _role_filter(ctx: Context, form_errors: dict[str, list[str]]) -> Callable[[User], bool] | None:
    """``roles_by_name`` / ``roles_by_pk``."""
    store = ctx.store
    wanted: set[str] | None = None
    for param in ("roles_by_name", "roles_by_pk"):
        values = [v for v in ctx.request.args(param) if v]
        if not values:
            continue
        found: set[str] = set()
        for raw in values:
            if param == "roles_by_name":
                role = store.role_by_name(raw)
                uuid = role.uuid if role else None
            else:
                uuid = fields.canonical_uuid(raw)
                if uuid is None:
                    form_errors[param] = [f"“{raw}” is not a valid value."]
                    break
                uuid = uuid if uuid in store.roles else None
            if uuid is None:
                form_errors.update(choice_error(param, raw).payload)
                break
            found.add(uuid)
        wanted = found if wanted is None else wanted & found
    if wanted is None:
        return None
    chosen = wanted
    return lambda u: bool(chosen & set(u.roles))

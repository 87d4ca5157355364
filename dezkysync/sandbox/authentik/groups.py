"""``/core/groups/``: list (filters, include flags), create, retrieve, PUT, PATCH, DELETE,
``add_user`` and ``remove_user``.

Groups are keyed by UUID (``{group_uuid}``), carry an int ``num_pk`` alias and have unique names.
``add_user``/``remove_user`` are idempotent 204s; an unknown user is ``404 "Not found."``. A PUT
that omits ``users``/``parents``/``roles`` resets them to empty.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable, Iterable
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
from dezkysync.sandbox.authentik.filters import (
    attributes_predicate,
    choice_error,
    matches_search,
    search_terms,
)
from dezkysync.sandbox.authentik.model import Group
from dezkysync.sandbox.authentik.ordering import apply_ordering, requested_ordering
from dezkysync.sandbox.authentik.pagination import paginate_count, paginated_body
from dezkysync.sandbox.authentik.parsing import filter_bool, flag, nonempty_arg, read_mapping
from dezkysync.sandbox.authentik.render import GROUP_AUTOCOMPLETE, echo_attributes
from dezkysync.sandbox.authentik.store import Store

ORDERING_FIELDS: dict[str, Callable[[Group], Any]] = {
    "name": lambda g: g.name,
    "is_superuser": lambda g: g.is_superuser,
    "num_pk": lambda g: g.num_pk,
    "pk": lambda g: g.uuid,
    "group_uuid": lambda g: g.uuid,
}


def get_group(ctx: Context, raw_uuid: str) -> Group:
    """The group named by a URL ``{group_uuid}`` ("Not found." when malformed)."""
    canonical = fields.canonical_uuid(raw_uuid)
    if canonical is None:
        raise NotFound()
    group = ctx.store.groups.get(canonical)
    if group is None:
        raise NotFound("Group")
    return group


def _render(ctx: Context, group: Group) -> dict[str, Any]:
    request = ctx.request
    return ctx.render.group(
        group,
        include_users=flag(request, "include_users", True),
        include_parents=flag(request, "include_parents", False),
        include_children=flag(request, "include_children", False),
        include_inherited_roles=flag(request, "include_inherited_roles", False),
    )


def list_groups(ctx: Context) -> Response:
    """``GET /core/groups/``."""
    ctx.require("authentik_core.view_group")
    request, store = ctx.request, ctx.store
    checks: list[Callable[[Group], bool]] = []
    form_errors: dict[str, list[str]] = {}
    if (name := nonempty_arg(request, "name")) is not None:
        checks.append(lambda g: g.name == name)
    if (is_superuser := filter_bool(request, "is_superuser")) is not None:
        checks.append(lambda g: g.is_superuser is is_superuser)
    usernames = [v for v in request.args("members_by_username") if v]
    if usernames:
        member_pks: set[int] = set()
        for username in usernames:
            user = store.user_by_username(username)
            if user is None:
                form_errors.update(choice_error("members_by_username", username).payload)
                break
            member_pks.add(user.pk)
        checks.append(lambda g: bool(g.users & member_pks))
    raw_pks = [v for v in request.args("members_by_pk") if v]
    if raw_pks:
        by_pk: set[int] = set()
        for raw in raw_pks:
            try:
                pk = int(raw)
            except ValueError:
                form_errors["members_by_pk"] = [f"“{raw}” is not a valid value."]
                break
            if pk not in store.users:
                form_errors.update(choice_error("members_by_pk", raw).payload)
                break
            by_pk.add(pk)
        checks.append(lambda g: bool(g.users & by_pk))
    if form_errors:
        raise ValidationFailed(form_errors)
    if (raw_attributes := nonempty_arg(request, "attributes")) is not None:
        predicate = attributes_predicate(raw_attributes)
        if predicate is not None:
            checks.append(lambda g: predicate(g.attributes))
    terms = search_terms(request.arg("search"))
    if terms:
        checks.append(lambda g: matches_search(terms, (g.name,)))
    matching = sorted(
        (g for g in store.groups.values() if all(check(g) for check in checks)),
        key=lambda g: g.name,
    )
    terms_order = requested_ordering(request.arg("ordering"), ORDERING_FIELDS)
    if terms_order:
        matching = apply_ordering(matching, terms_order, ORDERING_FIELDS)
    page = paginate_count(request, len(matching))
    results = [_render(ctx, g) for g in matching[page.start : page.stop]]
    return json_response(200, paginated_body(page.pagination, results, GROUP_AUTOCOMPLETE))


def _validate_group(
    ctx: Context, body: dict[str, Any], instance: Group | None, *, partial: bool
) -> dict[str, Any]:
    store = ctx.store
    form = fields.Validation(body, partial=partial)

    def name(value: Any) -> str:
        text = fields.required_char(value)
        other = store.group_by_name(text)
        if other is not None and (instance is None or other.uuid != instance.uuid):
            raise fields.Invalid("Group with this name already exists.")
        return text

    form.field("name", name, required=True)
    form.field("is_superuser", fields.boolean)
    form.field("parents", lambda v: fields.uuid_pk_list(v, store.groups.__contains__), default=list)
    form.field("users", lambda v: fields.int_pk_list(v, store.users.__contains__), default=list)
    form.field("attributes", fields.json_dict)
    form.field("roles", lambda v: fields.uuid_pk_list(v, store.roles.__contains__), default=list)
    return form.cleaned()


def create_group(ctx: Context) -> Response:
    """``POST /core/groups/`` → 201."""
    ctx.require("authentik_core.add_group")
    body = read_mapping(ctx.request)
    clean = _validate_group(ctx, body, None, partial=False)
    group = new_group(
        ctx.store,
        name=clean["name"],
        is_superuser=clean.get("is_superuser", False),
        attributes=clean.get("attributes"),
        parents=clean.get("parents"),
        roles=clean.get("roles"),
        users=clean.get("users", ()),
    )
    return json_response(201, echo_attributes(_render(ctx, group), body))


def new_group(
    store: Store,
    *,
    name: str,
    is_superuser: bool = False,
    attributes: dict[str, Any] | None = None,
    parents: list[str] | None = None,
    roles: list[str] | None = None,
    users: Iterable[int] = (),
) -> Group:
    """Insert a group with a fresh uuid and ``num_pk``."""
    group = Group(
        uuid=str(uuidlib.uuid4()),
        num_pk=store.allocate_num_pk(),
        name=name,
        is_superuser=is_superuser,
        attributes=dict(attributes or {}),
        parents=list(parents or []),
        roles=list(roles or []),
        users=set(users),
    )
    store.add_group(group)
    return group


def retrieve_group(ctx: Context, group_uuid: str) -> Response:
    """``GET /core/groups/{group_uuid}/``."""
    ctx.require("authentik_core.view_group")
    return json_response(200, _render(ctx, get_group(ctx, group_uuid)))


def update_group(ctx: Context, group_uuid: str) -> Response:
    """``PUT /core/groups/{group_uuid}/``."""
    return _write_group(ctx, group_uuid, partial=False)


def partial_update_group(ctx: Context, group_uuid: str) -> Response:
    """``PATCH /core/groups/{group_uuid}/``."""
    return _write_group(ctx, group_uuid, partial=True)


def _write_group(ctx: Context, group_uuid: str, *, partial: bool) -> Response:
    ctx.require("authentik_core.change_group")
    group = get_group(ctx, group_uuid)
    body = read_mapping(ctx.request)
    clean = _validate_group(ctx, body, group, partial=partial)
    store = ctx.store
    if "name" in clean:
        store.rename_group(group, clean["name"])
    for name in ("is_superuser", "attributes", "roles"):
        if name in clean:
            setattr(group, name, clean[name])
    if "parents" in clean:
        group.parents = [p for p in clean["parents"] if p != group.uuid]
    if "users" in clean:
        store.set_group_users(group.uuid, clean["users"])
    return json_response(200, echo_attributes(_render(ctx, group), body))


def delete_group(ctx: Context, group_uuid: str) -> Response:
    """``DELETE /core/groups/{group_uuid}/`` → 204 (memberships go with it)."""
    ctx.require("authentik_core.delete_group")
    group = get_group(ctx, group_uuid)
    ctx.store.delete_group(group.uuid)
    return no_content()


def add_user(ctx: Context, group_uuid: str) -> Response:
    """``POST /core/groups/{group_uuid}/add_user/`` ``{"pk": <user>}`` → 204 (idempotent)."""
    ctx.require("authentik_core.add_user_to_group")
    return _membership(ctx, group_uuid, add=True)


def remove_user(ctx: Context, group_uuid: str) -> Response:
    """``POST /core/groups/{group_uuid}/remove_user/`` ``{"pk": <user>}`` → 204 (idempotent)."""
    ctx.require("authentik_core.remove_user_from_group")
    return _membership(ctx, group_uuid, add=False)


def _membership(ctx: Context, group_uuid: str, *, add: bool) -> Response:
    group = get_group(ctx, group_uuid)
    body = read_mapping(ctx.request)
    if "pk" not in body:
        raise ValidationFailed({"pk": [fields.REQUIRED]})
    if body["pk"] is None:
        raise ValidationFailed({"pk": [fields.NOT_NULL]})
    try:
        pk = fields.integer(body["pk"])
    except fields.Invalid as exc:
        raise ValidationFailed({"pk": [exc.message]}) from None
    if pk not in ctx.store.users or not ctx.has_perm("authentik_core.view_user"):
        raise NotFound()
    if add:
        ctx.store.add_member(group.uuid, pk)
    else:
        ctx.store.remove_member(group.uuid, pk)
    return no_content()

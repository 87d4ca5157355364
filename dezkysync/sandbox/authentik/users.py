"""``/core/users/`` objects: create, retrieve, PUT, PATCH, DELETE (the list is in
:mod:`.user_list`, the actions in :mod:`.user_actions`).

Quirks kept from the real server: PATCH ends the sessions of a user that is inactive after the
update (PUT does not); PUT resets ``groups``/``roles`` when omitted; unknown and read-only body
fields are ignored; every field error is reported at once, in the serializer's field order;
internal service accounts cannot be modified.
"""

from __future__ import annotations

import uuid as uuidlib
from datetime import datetime
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
from dezkysync.sandbox.authentik.model import INTERNAL_SERVICE_ACCOUNT, USER_TYPES, User
from dezkysync.sandbox.authentik.parsing import flag, read_mapping
from dezkysync.sandbox.authentik.passwords import make_unusable_password
from dezkysync.sandbox.authentik.render import echo_attributes
from dezkysync.sandbox.authentik.store import Store


def get_user(ctx: Context, raw_id: str) -> User:
    """The user named by a URL ``{id}``: a malformed id is "Not found.", an unknown one
    "No User matches the given query."."""
    try:
        pk = int(raw_id)
    except ValueError:
        raise NotFound() from None
    user = ctx.store.users.get(pk)
    if user is None:
        raise NotFound("User")
    return user


def _validate_user(
    ctx: Context, body: dict[str, Any], instance: User | None, *, partial: bool
) -> dict[str, Any]:
    """The ``UserSerializer`` validation; every field error at once, in serializer order."""
    store = ctx.store
    form = fields.Validation(body, partial=partial)

    def username(value: Any) -> str:
        text = fields.required_char(value, max_length=150)
        other = store.user_by_username(text)
        if other is not None and (instance is None or other.pk != instance.pk):
            raise fields.Invalid("This field must be unique.")
        return text

    def path(value: Any) -> str:
        text = fields.required_char(value)
        if text[:1] == "/" or text[-1:] == "/":
            raise fields.Invalid("No leading or trailing slashes allowed.")
        if any(segment == "" for segment in text.split("/")):
            raise fields.Invalid("No empty segments in user path allowed.")
        return text

    def user_type(value: Any) -> str:
        chosen = fields.choice(value, USER_TYPES)
        if (
            instance is not None
            and instance.type == INTERNAL_SERVICE_ACCOUNT
            and chosen != INTERNAL_SERVICE_ACCOUNT
        ):
            raise fields.Invalid("Can't change internal service account to other user type.")
        if instance is None and chosen == INTERNAL_SERVICE_ACCOUNT:
            raise fields.Invalid("Setting a user to internal service account is not allowed.")
        return chosen

    form.field("username", username, required=True)
    form.field("name", lambda v: fields.required_char(v, allow_blank=True), required=True)
    form.field("is_active", fields.boolean)
    form.field("last_login", fields.datetime_or_null)
    form.field("groups", lambda v: fields.uuid_pk_list(v, store.groups.__contains__), default=list)
    form.field("roles", lambda v: fields.uuid_pk_list(v, store.roles.__contains__), default=list)
    form.field("email", fields.email)
    form.field("attributes", fields.json_dict)
    form.field("path", path)
    form.field("type", user_type)
    clean = form.cleaned()
    if instance is not None and instance.type == INTERNAL_SERVICE_ACCOUNT:
        raise ValidationFailed(
            {"non_field_errors": ["Can't modify internal service account users"]}
        )
    return clean


def create_user(ctx: Context) -> Response:
    """``POST /core/users/`` → 201."""
    ctx.require("authentik_core.add_user")
    body = read_mapping(ctx.request)
    clean = _validate_user(ctx, body, None, partial=False)
    user = new_user(
        ctx.store,
        ctx.now,
        username=clean["username"],
        name=clean["name"],
        email=clean.get("email", ""),
        is_active=clean.get("is_active", True),
        path=clean.get("path", "users"),
        user_type=clean.get("type", "internal"),
        attributes=clean.get("attributes", {}),
        last_login=clean.get("last_login"),
        roles=clean.get("roles", []),
    )
    ctx.store.set_user_groups(user.pk, clean.get("groups", []))
    return json_response(201, echo_attributes(ctx.render.user(user), body))


def new_user(
    store: Store,
    now: datetime,
    *,
    username: str,
    name: str,
    email: str = "",
    is_active: bool = True,
    path: str = "users",
    user_type: str = "internal",
    attributes: dict[str, Any] | None = None,
    last_login: datetime | None = None,
    roles: list[str] | None = None,
    password_hash: str | None = None,
) -> User:
    """Insert a user the way the model's defaults build it (an unusable password unless
    ``password_hash`` is given)."""
    user = User(
        pk=store.allocate_user_pk(),
        uuid=str(uuidlib.uuid4()),
        username=username,
        name=name,
        email=email,
        is_active=is_active,
        path=path,
        type=user_type,
        attributes=dict(attributes or {}),
        date_joined=now,
        last_updated=now,
        password_change_date=now,
        last_login=last_login,
        password=password_hash or make_unusable_password(),
        roles=list(roles or []),
    )
    store.add_user(user)
    return user


def retrieve_user(ctx: Context, id: str) -> Response:
    """``GET /core/users/{id}/``."""
    ctx.require("authentik_core.view_user")
    user = get_user(ctx, id)
    request = ctx.request
    return json_response(
        200,
        ctx.render.user(
            user,
            include_groups=flag(request, "include_groups", True),
            include_roles=flag(request, "include_roles", True),
        ),
    )


def update_user(ctx: Context, id: str) -> Response:
    """``PUT /core/users/{id}/``: omitted ``groups``/``roles`` become empty; sessions stay."""
    return _write_user(ctx, id, partial=False)


def partial_update_user(ctx: Context, id: str) -> Response:
    """``PATCH /core/users/{id}/``: an inactive user's sessions are deleted afterwards."""
    response = _write_user(ctx, id, partial=True)
    user = get_user(ctx, id)
    if not user.is_active:
        ctx.store.delete_user_sessions(user.pk)
    return response


def _write_user(ctx: Context, id: str, *, partial: bool) -> Response:
    ctx.require("authentik_core.change_user")
    user = get_user(ctx, id)
    body = read_mapping(ctx.request)
    clean = _validate_user(ctx, body, user, partial=partial)
    store = ctx.store
    if "username" in clean:
        store.set_username(user, clean["username"])
    if "email" in clean:
        store.set_email(user, clean["email"])
    for name in ("name", "is_active", "last_login", "path", "type", "attributes", "roles"):
        if name in clean:
            setattr(user, name, clean[name])
    if "groups" in clean:
        store.set_user_groups(user.pk, clean["groups"])
    user.last_updated = ctx.now
    return json_response(200, echo_attributes(ctx.render.user(user), body))


def delete_user(ctx: Context, id: str) -> Response:
    """``DELETE /core/users/{id}/``: a hard delete (memberships, tokens, sessions go too)."""
    ctx.require("authentik_core.delete_user")
    user = get_user(ctx, id)
    ctx.store.delete_user(user.pk)
    return no_content()

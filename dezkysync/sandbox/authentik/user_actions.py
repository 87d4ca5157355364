"""``/core/users/`` actions: ``me``, ``set_password``, ``service_account``, ``recovery``,
``paths``.

``set_password`` validates the body before looking the user up and strips surrounding whitespace
(DRF ``CharField``); it neither ends sessions nor applies password policies. ``service_account``
answers 200 with an ``app_password`` token (not usable as a Bearer API token). ``recovery``
answers "No recovery flow set." as a plain string: the emulated brand has no recovery flow.
"""

from __future__ import annotations

import re
import unicodedata
import uuid as uuidlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from dezkysync.sandbox._wsgi import Response
from dezkysync.sandbox.authentik import fields
from dezkysync.sandbox.authentik._keys import generate_key
from dezkysync.sandbox.authentik.auth import Context
from dezkysync.sandbox.authentik.errors import (
    ApiError,
    FieldErrors,
    ValidationFailed,
    json_response,
    no_content,
)
from dezkysync.sandbox.authentik.filters import matches_search, search_terms
from dezkysync.sandbox.authentik.groups import new_group
from dezkysync.sandbox.authentik.model import (
    SERVICE_ACCOUNT_PATH,
    TOKEN_EXPIRING_ATTRIBUTE,
    Token,
)
from dezkysync.sandbox.authentik.parsing import read_mapping
from dezkysync.sandbox.authentik.passwords import make_password
from dezkysync.sandbox.authentik.users import get_user, new_user


def slugify(value: str) -> str:
    """Django's ``slugify``."""
    text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text.lower())
    return re.sub(r"[-\s]+", "-", text).strip("-_")


def me(ctx: Context) -> Response:
    """``GET /core/users/me/``: ``{"user": UserSelf}`` (no ``original``: no impersonation)."""
    return json_response(200, {"user": ctx.render.user_self(ctx.user)})


def set_password(ctx: Context, id: str) -> Response:
    """``POST /core/users/{id}/set_password/`` → 204."""
    ctx.require("authentik_core.reset_user_password")
    body = read_mapping(ctx.request)
    if "password" not in body:
        raise ValidationFailed({"password": [fields.REQUIRED]})
    try:
        password = fields.required_char(body["password"])
    except fields.Invalid as exc:
        raise ValidationFailed({"password": [exc.message]}) from None
    user = get_user(ctx, id)
    user.password = make_password(password)
    user.password_change_date = ctx.now
    user.last_updated = ctx.now
    return no_content()


def service_account(ctx: Context) -> Response:
    """``POST /core/users/service_account/`` → 200 with an ``app_password`` token."""
    ctx.require("authentik_core.add_user", "authentik_core.add_token")
    store = ctx.store
    body = read_mapping(ctx.request)
    errors = FieldErrors()
    name = ""
    if "name" not in body:
        errors.add("name", fields.REQUIRED)
    else:
        try:
            name = fields.required_char(body["name"])
            if store.user_by_username(name) is not None:
                raise fields.Invalid("This field must be unique.")
        except fields.Invalid as exc:
            errors.add("name", exc.message)
    create_group = _optional(body, "create_group", fields.boolean, False, errors)
    expiring = _optional(body, "expiring", fields.boolean, True, errors)
    expires = _optional(body, "expires", _required_datetime, None, errors)
    errors.raise_if_any()
    identifier = slugify(f"service-account-{name}-password")
    if identifier in store.tokens or (create_group and store.group_by_name(name) is not None):
        raise ValidationFailed(
            {"non_field_errors": ["A user/group with these details already exists"]}
        )
    user = new_user(
        store,
        ctx.now,
        username=name,
        name=name,
        path=SERVICE_ACCOUNT_PATH,
        user_type="service_account",
        attributes={TOKEN_EXPIRING_ATTRIBUTE: expiring},
    )
    answer: dict[str, Any] = {
        "username": user.username,
        "user_uid": store.uid_for(user.pk),
        "user_pk": user.pk,
    }
    if create_group and ctx.has_perm("authentik_core.add_group"):
        group = new_group(store, name=name)
        store.add_member(group.uuid, user.pk)
        answer["group_pk"] = group.uuid
    token = Token(
        uuid=str(uuidlib.uuid4()),
        identifier=identifier,
        key=generate_key(),
        intent="app_password",
        user_pk=user.pk,
        description="",
        expires=expires if expires is not None else ctx.now + timedelta(days=360),
        expiring=expiring,
    )
    store.add_token(token)
    answer["token"] = token.key
    return json_response(200, answer)


def recovery(ctx: Context, id: str) -> Response:
    """``POST /core/users/{id}/recovery/``: the emulated brand has no recovery flow."""
    ctx.require("authentik_core.reset_user_password")
    body = read_mapping(ctx.request)
    if "token_duration" in body:
        try:
            fields.required_char(body["token_duration"])
        except fields.Invalid as exc:
            raise ValidationFailed({"token_duration": [exc.message]}) from None
    raise ApiError(400, {"non_field_errors": "No recovery flow set."})


def paths(ctx: Context) -> Response:
    """``GET /core/users/paths/``: every distinct user path, sorted."""
    ctx.require("authentik_core.view_user")
    terms = search_terms(ctx.request.arg("search"))
    users = ctx.store.users.values()
    found = {
        u.path
        for u in users
        if not terms or matches_search(terms, (u.email, u.name, u.uuid, u.username))
    }
    return json_response(200, {"paths": sorted(found)})


def _optional(
    body: dict[str, Any],
    name: str,
    validate: Callable[[Any], Any],
    default: Any,
    errors: FieldErrors,
) -> Any:
    if name not in body:
        return default
    try:
        return validate(body[name])
    except fields.Invalid as exc:
        errors.add(name, exc.message)
        return default


def _required_datetime(value: Any) -> datetime:
    if value is None:
        raise fields.Invalid(fields.NOT_NULL)
    parsed = fields.datetime_or_null(value)
    if parsed is None:
        raise fields.Invalid(fields.NOT_NULL)
    return parsed

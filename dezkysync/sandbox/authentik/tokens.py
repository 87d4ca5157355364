"""``/core/tokens/``: list, create, retrieve, PUT, PATCH, DELETE and ``view_key``.

The URL key is the ``identifier``. Only ``api`` and ``app_password`` tokens can be created; an
``api`` token's ``expires`` is always set to now + the tenant's default token duration (30
minutes on a fresh install) and only matters when ``expiring`` is true. A non-superuser sees and
creates only its own tokens.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from dezkysync.sandbox._wsgi import Response
from dezkysync.sandbox.authentik import fields
from dezkysync.sandbox.authentik._keys import generate_key
from dezkysync.sandbox.authentik.auth import Context
from dezkysync.sandbox.authentik.errors import (
    NotFound,
    ValidationFailed,
    json_response,
    no_content,
)
from dezkysync.sandbox.authentik.filters import matches_search, search_terms
from dezkysync.sandbox.authentik.model import TOKEN_EXPIRING_ATTRIBUTE, TOKEN_INTENTS, Token
from dezkysync.sandbox.authentik.ordering import apply_ordering, requested_ordering
from dezkysync.sandbox.authentik.pagination import paginate_count, paginated_body
from dezkysync.sandbox.authentik.parsing import filter_bool, nonempty_arg, read_mapping

DEFAULT_TOKEN_DURATION = timedelta(minutes=30)
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+\Z")


def _visible(ctx: Context) -> list[Token]:
    tokens = list(ctx.store.tokens.values())
    if ctx.is_superuser():
        return tokens
    return [t for t in tokens if t.user_pk == ctx.user.pk]


def get_token(ctx: Context, identifier: str) -> Token:
    """A visible token by identifier ("No Token matches the given query." otherwise)."""
    token = ctx.store.tokens.get(identifier)
    if token is None or (not ctx.is_superuser() and token.user_pk != ctx.user.pk):
        raise NotFound("Token")
    return token


def list_tokens(ctx: Context) -> Response:
    """``GET /core/tokens/``."""
    request = ctx.request
    checks: list[Callable[[Token], bool]] = []
    for param in ("identifier", "intent", "description", "managed"):
        if (value := nonempty_arg(request, param)) is not None:
            checks.append(_equals(param, value))
    if (username := nonempty_arg(request, "user__username")) is not None:
        checks.append(lambda t: _owner_name(ctx, t) == username)
    if (expiring := filter_bool(request, "expiring")) is not None:
        checks.append(lambda t: t.expiring is expiring)
    terms = search_terms(request.arg("search"))
    if terms:
        checks.append(
            lambda t: matches_search(
                terms, (t.identifier, t.intent, _owner_name(ctx, t), t.description)
            )
        )
    ordering: dict[str, Callable[[Any], Any]] = {
        "identifier": lambda t: t.identifier,
        "expires": lambda t: t.expires,
        "intent": lambda t: t.intent,
        "description": lambda t: t.description,
    }
    matching = [t for t in _visible(ctx) if all(check(t) for check in checks)]
    terms_order = requested_ordering(request.arg("ordering"), ordering) or [
        ("identifier", False),
        ("expires", False),
    ]
    matching = apply_ordering(matching, terms_order, ordering)
    page = paginate_count(request, len(matching))
    results = [ctx.render.token(t) for t in matching[page.start : page.stop]]
    return json_response(200, paginated_body(page.pagination, results, {}))


def _equals(attribute: str, value: str) -> Callable[[Token], bool]:
    return lambda token: bool(getattr(token, attribute) == value)


def _owner_name(ctx: Context, token: Token) -> str:
    owner = ctx.store.users.get(token.user_pk)
    return "" if owner is None else owner.username


def _validate(
    ctx: Context, body: dict[str, Any], instance: Token | None, *, partial: bool
) -> dict[str, Any]:
    store = ctx.store
    form = fields.Validation(body, partial=partial)

    def identifier(value: Any) -> str:
        text = fields.required_char(value, max_length=255)
        if not _SLUG.match(text):
            raise fields.Invalid(
                "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."
            )
        if text in store.tokens and (instance is None or instance.identifier != text):
            raise fields.Invalid("Token with this identifier already exists.")
        return text

    def user(value: Any) -> int:
        pk = fields.int_pk(value)
        if pk not in store.users:
            raise fields.Invalid(f'Invalid pk "{value}" - object does not exist.')
        return pk

    form.field("managed", lambda v: fields.char(v, allow_null=True))
    form.field("identifier", identifier, required=True)
    form.field("intent", lambda v: fields.choice(v, TOKEN_INTENTS))
    form.field("user", user)
    form.field("description", lambda v: fields.required_char(v, allow_blank=True))
    form.field("expires", fields.datetime_or_null)
    form.field("expiring", fields.boolean)
    clean = form.cleaned()
    if instance is None or not partial:
        clean.setdefault("user", ctx.user.pk)
        clean.setdefault("intent", "api")
    intent = clean.get("intent", instance.intent if instance else "api")
    if intent not in ("api", "app_password"):
        raise ValidationFailed({"intent": [f"Invalid intent {intent}"]})
    if intent == "api":
        clean["expires"] = ctx.now + DEFAULT_TOKEN_DURATION
    return clean


def create_token(ctx: Context) -> Response:
    """``POST /core/tokens/`` → 201 (the key is not returned; use ``view_key``)."""
    body = read_mapping(ctx.request)
    clean = _validate(ctx, body, None, partial=False)
    expiring = clean.get("expiring", True)
    owner_pk = clean["user"]
    if not ctx.is_superuser():
        owner_pk = ctx.user.pk
        expiring = bool(ctx.user.attributes.get(TOKEN_EXPIRING_ATTRIBUTE, True))
    token = Token(
        uuid=str(uuidlib.uuid4()),
        identifier=clean["identifier"],
        key=generate_key(),
        intent=clean["intent"],
        user_pk=owner_pk,
        description=clean.get("description", ""),
        expires=clean.get("expires", ctx.now + DEFAULT_TOKEN_DURATION),
        expiring=expiring,
        managed=clean.get("managed"),
    )
    ctx.store.add_token(token)
    return json_response(201, ctx.render.token(token))


def retrieve_token(ctx: Context, identifier: str) -> Response:
    """``GET /core/tokens/{identifier}/``."""
    return json_response(200, ctx.render.token(get_token(ctx, identifier)))


def update_token(ctx: Context, identifier: str) -> Response:
    """``PUT /core/tokens/{identifier}/``."""
    return _write(ctx, identifier, partial=False)


def partial_update_token(ctx: Context, identifier: str) -> Response:
    """``PATCH /core/tokens/{identifier}/``."""
    return _write(ctx, identifier, partial=True)


def _write(ctx: Context, identifier: str, *, partial: bool) -> Response:
    token = get_token(ctx, identifier)
    body = read_mapping(ctx.request)
    clean = _validate(ctx, body, token, partial=partial)
    store = ctx.store
    if "identifier" in clean and clean["identifier"] != token.identifier:
        store.delete_token(token.identifier)
        token.identifier = clean["identifier"]
        store.add_token(token)
    if "user" in clean and ctx.is_superuser():
        token.user_pk = clean["user"]
    for name in ("intent", "description", "expires", "expiring", "managed"):
        if name in clean:
            setattr(token, name, clean[name])
    return json_response(200, ctx.render.token(token))


def delete_token(ctx: Context, identifier: str) -> Response:
    """``DELETE /core/tokens/{identifier}/`` → 204."""
    token = get_token(ctx, identifier)
    ctx.store.delete_token(token.identifier)
    return no_content()


def view_key(ctx: Context, identifier: str) -> Response:
    """``GET /core/tokens/{identifier}/view_key/`` → ``{"key": ...}``."""
    token = get_token(ctx, identifier)
    return json_response(200, {"key": token.key})

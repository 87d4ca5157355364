"""The proxy's authentication, and the auth-app service's app tokens.

Accepted credentials: ``Authorization: Bearer <token>`` (an already verified OIDC access token;
the proxy resolves its ``preferred_username`` claim to the OCIS user with that username, so a
renamed user's tokens stop working and a re-created username's work again) and
``Authorization: Basic base64(<username>:<app-token>)``. Anything else, an unknown token, a
missing (with autoprovisioning off) or disabled user: 401 with an empty body (the proxy adds
no ``WWW-Authenticate`` for ``/graph``). With autoprovisioning on, an unknown username is
created from the claims (PROXY_AUTOPROVISION_ACCOUNTS), and an existing user's display name
and mail follow the claims. ``/auth-app/tokens`` creates, lists and deletes app tokens
of the caller; its errors are plain text, not OData.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import string
import uuid
from datetime import UTC, datetime, timedelta

from dezkysync.sandbox._wsgi import Request, Response
from dezkysync.sandbox.ocis._context import Settings
from dezkysync.sandbox.ocis._state import (
    ROLE_USER,
    AppToken,
    Directory,
    User,
    check_secret,
    hash_secret,
)
from dezkysync.sandbox.ocis._validation import valid_email, valid_username

_DURATION_PART = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_TOKEN_ALPHABET = string.ascii_letters + string.digits


def authenticate(directory: Directory, settings: Settings, request: Request) -> User | None:
    """The user the request authenticates as, or None (a 401)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    user: User | None = None
    if scheme.lower() == "bearer" and value:
        claims = directory.claims_for_token(value)
        user = resolve_claims(directory, settings, claims) if claims else None
    elif scheme.lower() == "basic" and value:
        user = _basic_app_token(directory, value)
    if user is None or not user.enabled:
        return None
    return user


def resolve_claims(directory: Directory, settings: Settings, claims: dict[str, str]) -> User | None:
    """The proxy's account resolver: the user whose username is the ``preferred_username``
    claim; autoprovisioned (or refreshed from the claims) when that is switched on."""
    username = claims["preferred_username"]
    user_id = directory.user_by_name.get(username.lower())
    user = directory.users.get(user_id) if user_id else None
    if not settings.autoprovision:
        return user
    name, mail = claims.get("name"), claims.get("email")
    if user is not None:
        if name and name != user.display_name:
            user.display_name = name
        if mail and mail != user.mail and valid_email(mail):
            user.mail = mail
        return user
    if not valid_username(username, settings.username_match):
        return None
    identities = []
    if claims.get("iss") and claims.get("sub"):
        identities = [[claims["iss"], claims["sub"]]]
    user = User(
        id=str(uuid.uuid4()),
        username=username,
        display_name=name or username,
        surname=username,
        mail=mail if mail and valid_email(mail) else None,
        identities=identities,
    )
    directory.add_user(user)
    if settings.assign_default_role:
        directory.assign_role(user.id, ROLE_USER)
    return user


def _basic_app_token(directory: Directory, value: str) -> User | None:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, secret = decoded.partition(":")
    if not sep:
        return None
    user = directory.find_user(username)
    if user is None or user.username.lower() != username.lower():
        return None
    now = _now()
    for token in directory.app_tokens.values():
        if token.user_id != user.id or _parse_time(token.expires) <= now:
            continue
        if check_secret(secret, token.token_hash):
            return user
    return None


def go_duration_seconds(text: str) -> float | None:
    """``time.ParseDuration`` (units ns…h); None when it does not parse."""
    if not text:
        return None
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    if body == "0":
        return 0.0
    position = 0
    total = 0.0
    while position < len(body):
        found = _DURATION_PART.match(body, position)
        if found is None:
            return None
        total += float(found.group(1)) * _UNIT_SECONDS[found.group(2)]
        position = found.end()
    return sign * total if body else None


def _now() -> datetime:
    return datetime.now(UTC)


def _format_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _plain(status: int, text: str) -> Response:
    return Response.text(status, text + "\n", "text/plain; charset=utf-8")


def _json(status: int, payload: object) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, body, [("Content-Type", "application/json")])


def app_tokens(directory: Directory, caller: User, request: Request) -> Response:
    """``/auth-app/tokens``: POST ``?expiry=<go duration>`` creates (the clear token is shown
    once; the wire status is 200), GET lists, DELETE ``?token=`` removes."""
    if request.method == "POST":
        if request.arg("userName") or request.arg("userID"):
            return _plain(403, "impersonation is not allowed")
        seconds = go_duration_seconds(request.arg("expiry") or "")
        if seconds is None or seconds <= 0:
            return _plain(400, "error parsing expiry")
        secret = "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(16))
        created = _now()
        token = AppToken(
            id=str(uuid.uuid4()),
            user_id=caller.id,
            token_hash=hash_secret(secret),
            created=_format_time(created),
            expires=_format_time(created + timedelta(seconds=seconds)),
        )
        directory.app_tokens[token.id] = token
        return _json(
            200,
            {
                "token": secret,
                "expiration_date": token.expires,
                "created_date": token.created,
                "label": token.label,
            },
        )
    if request.method == "GET":
        mine = [t for t in directory.app_tokens.values() if t.user_id == caller.id]
        return _json(
            200,
            [
                {
                    "token": t.id,
                    "expiration_date": t.expires,
                    "created_date": t.created,
                    "label": t.label,
                }
                for t in mine
            ],
        )
    if request.method == "DELETE":
        value = request.arg("token")
        if not value:
            return _plain(400, "missing token")
        for token in list(directory.app_tokens.values()):
            if token.user_id == caller.id and (
                token.id == value or check_secret(value, token.token_hash)
            ):
                del directory.app_tokens[token.id]
        return Response.empty(200)
    return Response.empty(405)

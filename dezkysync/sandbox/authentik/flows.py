"""The flow executor for ``default-authentication-flow``: a browser password login.

``GET /flows/executor/default-authentication-flow/?query=`` starts (or resumes) the flow under the
``authentik_session`` cookie and answers the current challenge; ``POST`` solves it:

1. ``ak-stage-identification`` takes ``uid_field`` (username or email, case-insensitive). An
   unknown identifier still moves on (authentik's ``pretend_user_exists``);
2. ``ak-stage-password`` takes ``password``. A wrong password, an unknown user or an **inactive**
   user (Django's ModelBackend refuses inactive users) re-renders the password challenge with
   ``response_errors.password = [{"string": "Invalid password", "code": "invalid"}]``; after more
   than ``failed_attempts_before_cancel`` (5) failures the flow is cancelled with an
   ``ak-stage-access-denied`` challenge;
3. success logs the browser in: a new session key (new cookie), an AuthenticatedSession with the
   client's IP and User-Agent, ``last_login`` set, and ``{"component": "xak-flow-redirect",
   "to": "/"}``.
"""

from __future__ import annotations

import ipaddress
import secrets
import uuid as uuidlib
from datetime import timedelta
from typing import Any

from dezkysync.sandbox._wsgi import Response
from dezkysync.sandbox.authentik.auth import CSRF_COOKIE, SESSION_COOKIE, Context
from dezkysync.sandbox.authentik.errors import ApiError, json_response
from dezkysync.sandbox.authentik.model import FlowState, Session, User
from dezkysync.sandbox.authentik.parsing import read_mapping
from dezkysync.sandbox.authentik.passwords import check_password
from dezkysync.sandbox.authentik.render import DEFAULT_AVATAR

FLOW_SLUG = "default-authentication-flow"
SESSION_DURATION = timedelta(days=1)
FLOW_INFO: dict[str, str] = {
    "title": "Welcome to authentik!",
    "background": "/static/dist/assets/images/flow_background.jpg",
    "cancel_url": "/flows/-/cancel/",
    "layout": "stacked",
}
# authentik's default ``listen.trusted_proxy_cidrs``: X-Forwarded-For is believed from these.
TRUSTED_PROXIES = tuple(
    ipaddress.ip_network(n)
    for n in (
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "fe80::/10",
        "::1/128",
    )
)


def client_ip(ctx: Context) -> str:
    """The client address as authentik's ClientIPMiddleware sees it."""
    remote = str(ctx.request.environ.get("REMOTE_ADDR") or "127.0.0.1")
    forwarded = ctx.request.headers.get("x-forwarded-for", "")
    if forwarded and _trusted(remote):
        first = forwarded.split(",")[0].strip()
        if first:
            return first
    return remote


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in TRUSTED_PROXIES)


def _check_flow(flow_slug: str) -> None:
    if flow_slug != FLOW_SLUG:
        raise ApiError(404, {"detail": "No Flow matches the given query."})


def _cookie(name: str, value: str) -> str:
    return f"{name}={value}; HttpOnly; Path=/; SameSite=Lax"


def _flow_state(ctx: Context) -> FlowState:
    """The browser's flow state, creating the session (and its cookie) when needed."""
    store = ctx.store
    key = ctx.request.cookies.get(SESSION_COOKIE)
    if not ctx.request.cookies.get(CSRF_COOKIE):
        ctx.cookies.append(f"{CSRF_COOKIE}={secrets.token_urlsafe(32)}; Path=/; SameSite=Lax")
    if key and (key in store.flows or store.session_by_key(key) is not None):
        flow = store.flows.get(key)
        if flow is None:
            flow = FlowState(session_key=key)
            store.flows[key] = flow
        return flow
    key = secrets.token_urlsafe(32)
    ctx.cookies.append(_cookie(SESSION_COOKIE, key))
    flow = FlowState(session_key=key)
    store.flows[key] = flow
    return flow


def executor_get(ctx: Context, flow_slug: str) -> Response:
    """``GET /flows/executor/{flow_slug}/``: the current challenge."""
    _check_flow(flow_slug)
    flow = _flow_state(ctx)
    if flow.stage == "password":
        return json_response(200, _password_challenge(flow))
    return json_response(200, _identification_challenge())


def executor_post(ctx: Context, flow_slug: str) -> Response:
    """``POST /flows/executor/{flow_slug}/``: solve the current challenge."""
    _check_flow(flow_slug)
    flow = _flow_state(ctx)
    body = read_mapping(ctx.request)
    if flow.stage == "password":
        return _solve_password(ctx, flow, body)
    return _solve_identification(ctx, flow, body)


def _identification_challenge(errors: dict[str, Any] | None = None) -> dict[str, Any]:
    challenge: dict[str, Any] = {
        "flow_info": dict(FLOW_INFO),
        "component": "ak-stage-identification",
        "user_fields": ["email", "username"],
        "password_fields": False,
        "allow_show_password": False,
        "flow_designation": "authentication",
        "captcha_stage": None,
        "primary_action": "Log in",
        "sources": [],
        "show_source_labels": False,
        "enable_remember_me": False,
        "passkey_challenge": None,
    }
    if errors:
        challenge["response_errors"] = errors
    return challenge


def _password_challenge(flow: FlowState, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    challenge: dict[str, Any] = {
        "flow_info": dict(FLOW_INFO),
        "component": "ak-stage-password",
        "pending_user": flow.pending_username,
        "pending_user_avatar": DEFAULT_AVATAR,
        "allow_show_password": False,
    }
    if errors:
        challenge["response_errors"] = errors
    return challenge


def _access_denied(username: str) -> dict[str, Any]:
    return {
        "flow_info": dict(FLOW_INFO),
        "component": "ak-stage-access-denied",
        "pending_user": username,
        "pending_user_avatar": DEFAULT_AVATAR,
        "error_message": "Unknown error",
    }


def _error(message: str, code: str) -> list[dict[str, str]]:
    return [{"string": message, "code": code}]


def _solve_identification(ctx: Context, flow: FlowState, body: dict[str, Any]) -> Response:
    raw = body.get("uid_field")
    uid = "" if raw is None or isinstance(raw, (dict, list, bool)) else str(raw).strip()
    if not uid:
        errors = {"non_field_errors": _error("No identification data provided.", "invalid")}
        return json_response(200, _identification_challenge(errors))
    matches = ctx.store.users_by_folded(uid)
    user = matches[0] if matches else None
    flow.pending_user_pk = user.pk if user is not None else None
    flow.pending_username = user.username if user is not None else uid
    flow.stage = "password"
    flow.invalid_tries = 0
    return json_response(200, _password_challenge(flow))


def _solve_password(ctx: Context, flow: FlowState, body: dict[str, Any]) -> Response:
    if "password" not in body:
        return _password_invalid(ctx, flow, _error("This field is required.", "required"))
    raw = body["password"]
    if raw is None:
        return _password_invalid(ctx, flow, _error("This field may not be null.", "null"))
    if isinstance(raw, (dict, list, bool)):
        return _password_invalid(ctx, flow, _error("Not a valid string.", "invalid"))
    password = str(raw)
    if password == "":
        return _password_invalid(ctx, flow, _error("This field may not be blank.", "blank"))
    user = ctx.store.users.get(flow.pending_user_pk) if flow.pending_user_pk else None
    if user is None or not user.is_active or not check_password(password, user.password):
        return _password_invalid(ctx, flow, _error("Invalid password", "invalid"))
    return _login(ctx, flow, user)


def _password_invalid(
    ctx: Context, flow: FlowState, password_errors: list[dict[str, str]]
) -> Response:
    flow.invalid_tries += 1
    if flow.invalid_tries > ctx.settings.failed_attempts_before_cancel:
        del ctx.store.flows[flow.session_key]
        return json_response(200, _access_denied(flow.pending_username))
    return json_response(200, _password_challenge(flow, {"password": password_errors}))


def _login(ctx: Context, flow: FlowState, user: User) -> Response:
    store = ctx.store
    old = store.session_by_key(flow.session_key)
    if old is not None:
        store.delete_session(old.uuid)
    store.flows.pop(flow.session_key, None)
    key = secrets.token_urlsafe(32)
    store.add_session(
        Session(
            uuid=str(uuidlib.uuid4()),
            session_key=key,
            user_pk=user.pk,
            last_ip=client_ip(ctx),
            last_user_agent=ctx.request.headers.get("user-agent", ""),
            last_used=ctx.now,
            expires=ctx.now + SESSION_DURATION,
        )
    )
    user.last_login = ctx.now
    ctx.cookies.append(_cookie(SESSION_COOKIE, key))
    return json_response(200, {"component": "xak-flow-redirect", "to": "/"})

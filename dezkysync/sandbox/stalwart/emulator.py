"""The Stalwart 0.16 JMAP management API emulator (HTTP layer).

Routes: ``GET /.well-known/jmap`` (307 to ``/jmap/session``), ``GET /jmap/session``,
``POST /jmap`` and ``/jmap/``, ``OPTIONS /jmap/...`` (204); anything else is a 404 problem.
``POST /jmap`` authenticates first (401/403), then refuses a ``Content-Type`` other than
``application/json`` (``notJSON``); a request without ``Content-Type`` is accepted, as
Stalwart's own test harness relies on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from dezkysync.sandbox._wsgi import Emulator, Request, Response
from dezkysync.sandbox.stalwart.auth import AuthFailure, Principal, authenticate, token_digest
from dezkysync.sandbox.stalwart.errors import forbidden, not_found, not_json, unauthorized
from dezkysync.sandbox.stalwart.jmap import handle_jmap, is_read_only
from dezkysync.sandbox.stalwart.secrets_store import hash_secret
from dezkysync.sandbox.stalwart.session import session_document
from dezkysync.sandbox.stalwart.state import ServerState
from dezkysync.sandbox.stalwart.zonefile import ServerNames


class StalwartEmulator(Emulator):
    """An in-memory Stalwart server speaking the JMAP management API.

    ``token`` is the API token of the admin service identity (``Bearer``; account
    ``d333333``, username ``admin``); ``admin_password`` also enables ``Basic admin:<pw>``.
    DKIM keys of a new domain appear ``dkim_delay`` seconds after the create. ``hostname``
    is the mail host used in MX/SRV/CNAME records; ``public_url`` (default
    ``https://<hostname>``) builds the session URLs. ``clock`` is injectable for tests.
    """

    service = "stalwart"

    def __init__(
        self,
        *,
        token: str = "sandbox-stalwart-token",
        admin_password: str | None = None,
        dkim_delay: float = 0.5,
        hostname: str = "mail.sandbox.test",
        public_url: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.public_url = (public_url or f"https://{hostname}").rstrip("/")
        self.state = ServerState(
            clock=clock,
            names=ServerNames(hostname=hostname, public_url=self.public_url),
            dkim_delay=dkim_delay,
        )
        self.state.admin_token_digest = token_digest(token)
        if admin_password:
            self.state.admin_password_hash = hash_secret(admin_password)

    # -- Emulator ---------------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        self.state.run_due_tasks()
        path = request.path
        if path == "/.well-known/jmap" and request.method == "GET":
            return Response.empty(
                307, [("Location", "/jmap/session"), ("Cache-Control", "no-store")]
            )
        if path in ("/jmap", "/jmap/") or path.startswith("/jmap/"):
            if request.method == "OPTIONS":
                return Response.empty(204)
            if path in ("/jmap", "/jmap/") and request.method == "POST":
                return self._api(request)
            if path == "/jmap/session" and request.method == "GET":
                return self._session(request)
        return not_found()

    def snapshot(self) -> dict[str, Any]:
        return self.state.snapshot()

    def restore(self, data: dict[str, Any]) -> None:
        self.state.restore(data)

    def is_write(self, request: Request) -> bool:
        if request.method != "POST":
            return False
        return not is_read_only(request.body)

    # -- routes -----------------------------------------------------------------------------
    def _login(self, request: Request) -> Principal | Response:
        header = request.headers.get("authorization")
        if header is None:
            return unauthorized()
        try:
            return authenticate(self.state, header)
        except AuthFailure as failure:
            return forbidden() if failure.status == 403 else unauthorized()

    def _api(self, request: Request) -> Response:
        principal = self._login(request)
        if isinstance(principal, Response):
            return principal
        content_type = request.headers.get("content-type")
        if content_type is not None:
            media = content_type.split(";", 1)[0].strip().lower()
            if media != "application/json":
                return not_json("The Content-Type header must be application/json.")
        return handle_jmap(self.state, principal, request.body)

    def _session(self, request: Request) -> Response:
        if "authorization" not in request.headers:
            return Response.json(200, session_document(self.public_url, None))
        principal = self._login(request)
        if isinstance(principal, Response):
            return principal
        return Response.json(200, session_document(self.public_url, principal))

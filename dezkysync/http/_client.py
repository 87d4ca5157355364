"""``ServiceClient``: one service's base URL, token, timeouts, retries and request counting."""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import cache
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import httpx

from dezkysync import __version__
from dezkysync.http._counter import RequestCounter
from dezkysync.http._errors import (
    AuthenticationFailed,
    IncompleteRead,
    ServiceError,
    ServiceUnavailable,
    UnexpectedResponse,
    scrub,
)
from dezkysync.http._retry import RETRYABLE_STATUSES, RetryPolicy

log = logging.getLogger("dezkysync.http")

Params = Mapping[str, str | int | Sequence[str | int]] | None
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ServiceClient:
    """A synchronous JSON client for one service.

    - ``Authorization: Bearer <token>`` on every request (the token never leaves this object);
    - a timeout per request; TLS verified for https;
    - retries with exponential backoff and jitter on connection errors, timeouts, 429 (honouring
      ``Retry-After``) and 502/503/504: always for reads, for writes only when the caller marks
      the call ``idempotent``;
    - every request sent is counted in ``counter``;
    - ``transport`` swaps the network for anything httpx accepts (an emulator in-process).

    Thread-safe: one client may serve concurrent calls; ``limiter`` (a semaphore shared by the
    clients of one run) bounds how many are in flight.
    """

    def __init__(
        self,
        service: str,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        counter: RequestCounter | None = None,
        limiter: threading.Semaphore | None = None,
        max_connections: int = 8,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.service = service
        self.counter = counter if counter is not None else RequestCounter()
        self.retry = retry if retry is not None else RetryPolicy()
        self._token = token
        self._limiter = limiter
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": f"dezkysync/{__version__}",
            },
            timeout=httpx.Timeout(timeout),
            transport=transport,
            verify=_tls_context(),
            follow_redirects=False,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
        )

    # -- life cycle ----------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> ServiceClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ServiceClient({self.service!r}, {str(self._http.base_url)!r})"

    # -- calls ---------------------------------------------------------------------------
    def get_json(
        self, path: str, *, params: Params = None, accept: Collection[int] = (200,)
    ) -> Any:
        """GET ``path`` and return the decoded JSON body."""
        response = self.request("GET", path, params=params, accept=accept)
        return self.decode(response, "GET", path, params)

    def send_json(
        self,
        method: str,
        path: str,
        body: Any,
        *,
        idempotent: bool = False,
        write: bool | None = None,
        accept: Collection[int] = (200, 201, 204),
        params: Params = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send ``body`` as JSON; return the decoded answer (None for an empty body)."""
        response = self.request(
            method,
            path,
            params=params,
            json_body=body,
            idempotent=idempotent,
            write=write,
            accept=accept,
            headers=headers,
        )
        if not response.content:
            return None
        return self.decode(response, method, path, params)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        json_body: Any = None,
        idempotent: bool | None = None,
        write: bool | None = None,
        accept: Collection[int] = (200,),
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request, retrying as the class docstring says.

        ``idempotent`` (may be retried) defaults to True for GET/HEAD/OPTIONS and False
        otherwise; ``write`` (may change state: counted as a write) defaults to False for those
        methods and True otherwise — a JMAP POST that only reads says ``write=False``. A status not
        in ``accept`` raises: 401/403 :class:`AuthenticationFailed`, a retryable status after
        the last attempt :class:`ServiceUnavailable`, anything else :class:`UnexpectedResponse`.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in _READ_METHODS
        if write is None:
            write = method not in _READ_METHODS
        target = _target(path, params)
        attempts = self.retry.attempts if idempotent else 1
        content = None
        send_headers = dict(headers or {})
        if json_body is not None:
            content = json.dumps(json_body, separators=(",", ":")).encode("utf-8")
            send_headers.setdefault("Content-Type", "application/json")
        attempt = 0
        while True:
            attempt += 1
            self.counter.record(self.service, retry=attempt > 1, write=write)
            try:
                response = self._send(method, path, params, content, send_headers)
            except httpx.TimeoutException as exc:
                problem = f"timed out ({type(exc).__name__})"
                if attempt < attempts:
                    self._pause(attempt, None, target, method, problem)
                    continue
                raise ServiceUnavailable(
                    self.service, method, target, problem, attempts=attempt
                ) from None
            except httpx.TransportError as exc:
                problem = f"connection failed ({type(exc).__name__}: {self._scrub(str(exc))})"
                if attempt < attempts:
                    self._pause(attempt, None, target, method, problem)
                    continue
                raise ServiceUnavailable(
                    self.service, method, target, problem, attempts=attempt
                ) from None
            status = response.status_code
            if status in accept:
                return response
            detail = self._detail(response)
            if status in RETRYABLE_STATUSES and attempt < attempts:
                self._pause(attempt, response.headers.get("Retry-After"), target, method, detail)
                continue
            if status in (401, 403):
                raise AuthenticationFailed(
                    self.service,
                    method,
                    target,
                    f"{detail} (check the {self.service} token and its permissions)",
                    status=status,
                    attempts=attempt,
                )
            error = ServiceUnavailable if status in RETRYABLE_STATUSES else UnexpectedResponse
            raise error(self.service, method, target, detail, status=status, attempts=attempt)

    def decode(self, response: httpx.Response, method: str, path: str, params: Params) -> Any:
        """The JSON body of ``response``; :class:`UnexpectedResponse` when it is not JSON."""
        try:
            return json.loads(response.content)
        except ValueError:
            size = len(response.content)
            raise UnexpectedResponse(
                self.service,
                method,
                _target(path, params),
                f"the body is not valid JSON ({size} bytes; truncated or not JSON)",
                status=response.status_code,
            ) from None

    def fail(
        self,
        method: str,
        path: str,
        problem: str,
        *,
        params: Params = None,
        status: int | None = None,
    ) -> UnexpectedResponse:
        """An :class:`UnexpectedResponse` for a body this service's client cannot use."""
        return UnexpectedResponse(
            self.service, method, _target(path, params), self._scrub(problem), status=status
        )

    def incomplete(
        self, method: str, path: str, problem: str, *, params: Params = None
    ) -> IncompleteRead:
        """An :class:`IncompleteRead` for a listing this service's client found short."""
        return IncompleteRead(self.service, method, _target(path, params), self._scrub(problem))

    def scrub(self, text: str) -> str:
        """``text`` without the token, shortened (for messages)."""
        return self._scrub(text)

    # -- internals -----------------------------------------------------------------------
    def _send(
        self,
        method: str,
        path: str,
        params: Params,
        content: bytes | None,
        headers: Mapping[str, str],
    ) -> httpx.Response:
        pairs = _query(params)
        query = httpx.QueryParams(pairs) if pairs else None
        if self._limiter is None:
            return self._http.request(method, path, params=query, content=content, headers=headers)
        with self._limiter:
            return self._http.request(method, path, params=query, content=content, headers=headers)

    def _pause(
        self, attempt: int, retry_after: str | None, target: str, method: str, problem: str
    ) -> None:
        delay = self.retry.delay(attempt, retry_after)
        log.info(
            "%s: %s %s: %s; retrying in %.2fs (attempt %d of %d)",
            self.service,
            method,
            target,
            problem,
            delay,
            attempt + 1,
            self.retry.attempts,
        )
        self._sleep(delay)

    def _detail(self, response: httpx.Response) -> str:
        text = ""
        try:
            body = json.loads(response.content) if response.content else None
        except ValueError:
            body = None
        if isinstance(body, dict):
            for key in ("detail", "description", "title", "message"):
                if isinstance(body.get(key), str):
                    text = body[key]
                    break
            error = body.get("error")
            if not text and isinstance(error, dict) and isinstance(error.get("message"), str):
                text = f"{error.get('code', '')}: {error['message']}".strip(": ")
        if not text:
            text = response.reason_phrase or "unexpected status"
        return self._scrub(text)

    def _scrub(self, text: str) -> str:
        return scrub(text, (self._token,))


_Pairs = list[tuple[str, str | int | float | bool | None]]


@cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every client of the process (building it is slow)."""
    return httpx.create_ssl_context(verify=True)


def _query(params: Params) -> _Pairs | None:
    if not params:
        return None
    pairs: _Pairs = []
    for key, value in params.items():
        if isinstance(value, (list, tuple)):
            pairs.extend((key, str(item)) for item in value)
        else:
            pairs.append((key, str(value)))
    return pairs


def _target(path: str, params: Params) -> str:
    query = _query(params)
    return f"{path}?{urlencode(query)}" if query else path


__all__ = ["Params", "ServiceClient", "ServiceError"]

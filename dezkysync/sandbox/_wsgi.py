"""The small WSGI toolkit every emulator is built on.

An emulator is a WSGI callable (:class:`Emulator`) holding in-memory state behind a lock. The
same object serves real loopback sockets (:mod:`dezkysync.sandbox.server`) and in-process
requests through :class:`SandboxTransport` (an httpx transport), so tests and the ``--sandbox``
mode exercise exactly the same code.

Fault injection (:class:`FaultInjector`) sits in front of every request: latency, an HTTP status
(429 with ``Retry-After``, 5xx), a connection reset, or a truncated body, each on the Nth matching
request and for a number of times. It is driven from Python or through the admin endpoint
``/_emulator/`` (see :meth:`Emulator.admin`).
"""

from __future__ import annotations

import json
import random
import re
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from http import HTTPStatus
from http.cookies import SimpleCookie
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, unquote

import httpx

FaultKind = Literal["latency", "status", "reset", "truncate"]

ADMIN_PREFIX = "/_emulator/"


class EmulatedReset(ConnectionResetError):
    """Raised by an emulator to drop the connection (a TCP reset on a real socket)."""


@dataclass
class Request:
    """One HTTP request as an emulator sees it."""

    method: str
    path: str
    raw_path: str
    query_string: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    environ: dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        """Build a request from a WSGI environ."""
        length = environ.get("CONTENT_LENGTH") or "0"
        try:
            size = int(length)
        except ValueError:
            size = 0
        stream = environ.get("wsgi.input")
        body = stream.read(size) if (stream is not None and size > 0) else b""
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        if environ.get("CONTENT_LENGTH"):
            headers["content-length"] = str(environ["CONTENT_LENGTH"])
        # PATH_INFO is latin-1 decoded bytes per PEP 3333; recover the UTF-8 text.
        path_info = str(environ.get("PATH_INFO", "/"))
        try:
            path = path_info.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            path = path_info
        raw_path = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or path)
        raw_path = raw_path.split("?", 1)[0]
        query_string = str(environ.get("QUERY_STRING", ""))
        return cls(
            method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
            path=path,
            raw_path=raw_path,
            query_string=query_string,
            query=parse_qs(query_string, keep_blank_values=True),
            headers=headers,
            body=body,
            environ=environ,
        )

    def arg(self, name: str) -> str | None:
        """The first value of query parameter ``name``, or None."""
        values = self.query.get(name)
        return values[0] if values else None

    def args(self, name: str) -> list[str]:
        """Every value of a repeated query parameter."""
        return list(self.query.get(name, []))

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies sent with the request."""
        jar: SimpleCookie = SimpleCookie()
        raw = self.headers.get("cookie")
        if raw:
            jar.load(raw)
        return {key: morsel.value for key, morsel in jar.items()}

    @property
    def bearer(self) -> str | None:
        """The Bearer token of the Authorization header, or None."""
        auth = self.headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@dataclass
class Response:
    """An HTTP response produced by an emulator."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(
        cls,
        status: int,
        payload: Any,
        headers: Iterable[tuple[str, str]] = (),
        content_type: str = "application/json",
    ) -> Response:
        """A JSON response (compact encoding, UTF-8)."""
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        return cls(status, body, [("Content-Type", content_type), *headers])

    @classmethod
    def text(cls, status: int, text: str, content_type: str = "text/plain") -> Response:
        """A text response."""
        return cls(status, text.encode(), [("Content-Type", content_type)])

    @classmethod
    def empty(cls, status: int, headers: Iterable[tuple[str, str]] = ()) -> Response:
        """A response with no body (and no Content-Type)."""
        return cls(status, b"", list(headers))

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (case-insensitive)."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


Handler = Callable[..., Response]


class Router:
    """Maps (method, path regex) to handlers; named groups become keyword arguments."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` and a full-match ``pattern``."""
        self._routes.append((method.upper(), re.compile(pattern), handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | list[str] | None:
        """The handler and its path parameters; the allowed methods when only the method
        differs (for a 405); None when no route matches the path."""
        allowed: list[str] = []
        for route_method, pattern, handler in self._routes:
            found = pattern.fullmatch(path)
            if not found:
                continue
            if route_method == method:
                return handler, {k: unquote(v) for k, v in found.groupdict().items()}
            allowed.append(route_method)
        return allowed or None


@dataclass
class FaultRule:
    """One injected fault. A rule matches a request by method, path regex, query regex and a
    body substring; it fires on the ``nth`` matching request and then ``times`` times in a row
    (``times=None``: every matching request from the ``nth`` on)."""

    kind: FaultKind
    method: str | None = None
    path: str | None = None
    query: str | None = None
    body: str | None = None
    nth: int = 1
    times: int | None = 1
    status: int = 503
    retry_after: float | None = None
    delay: float = 0.0
    jitter: float = 0.0
    id: int = 0
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.kind not in ("latency", "status", "reset", "truncate"):
            raise ValueError(f"kind must be latency, status, reset or truncate, not {self.kind!r}")
        if self.nth < 1 or (self.times is not None and self.times < 1):
            raise ValueError("nth and times count from 1")
        if not 100 <= self.status <= 599:
            raise ValueError(f"status {self.status} is not an HTTP status")
        if self.delay < 0 or self.jitter < 0:
            raise ValueError("delay and jitter cannot be negative")

    def matches(self, request: Request) -> bool:
        """Whether this rule applies to ``request`` (ignores counters)."""
        if self.method and self.method.upper() != request.method:
            return False
        if self.path and not re.search(self.path, request.path):
            return False
        if self.query and not re.search(self.query, request.query_string):
            return False
        return not (self.body and self.body.encode() not in request.body)

    def should_fire(self) -> bool:
        """Advance the counters for one matching request; True when the fault fires now."""
        self.seen += 1
        if self.seen < self.nth:
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        self.fired += 1
        return True


@dataclass
class FaultDecision:
    """What the injector decided for one request."""

    delay: float = 0.0
    response: Response | None = None
    reset: bool = False
    truncate: bool = False


class FaultInjector:
    """Holds the fault rules of one emulator; thread-safe."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._next_id = 1

    def add(self, rule: FaultRule) -> FaultRule:
        """Install ``rule`` and return it (with its id set)."""
        with self._lock:
            rule.id = self._next_id
            self._next_id += 1
            self._rules.append(rule)
        return rule

    def inject(self, kind: FaultKind, **options: Any) -> FaultRule:
        """Shorthand: ``inject("status", status=503, path="/users", nth=3)``."""
        return self.add(FaultRule(kind=kind, **options))

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[FaultRule]:
        """A copy of the installed rules."""
        with self._lock:
            return list(self._rules)

    def decide(self, request: Request) -> FaultDecision:
        """Evaluate every rule against ``request``."""
        decision = FaultDecision()
        with self._lock:
            for rule in self._rules:
                if not rule.matches(request) or not rule.should_fire():
                    continue
                if rule.kind == "latency":
                    decision.delay += rule.delay + random.uniform(0, rule.jitter)
                elif rule.kind == "reset":
                    decision.reset = True
                elif rule.kind == "truncate":
                    decision.truncate = True
                elif decision.response is None:
                    decision.response = _fault_response(rule)
        return decision


def _fault_response(rule: FaultRule) -> Response:
    headers: list[tuple[str, str]] = []
    if rule.retry_after is not None:
        headers.append(("Retry-After", _format_seconds(rule.retry_after)))
    try:
        phrase = HTTPStatus(rule.status).phrase
    except ValueError:
        phrase = "Injected fault"
    return Response.json(rule.status, {"detail": f"{phrase} (injected fault)"}, headers)


def _format_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass
class RequestRecord:
    """One request seen by an emulator, for counting and for read-only proofs."""

    method: str
    path: str
    write: bool
    status: int


class RequestLog:
    """Every request an emulator answered (admin requests excluded)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        """Record one request."""
        with self._lock:
            self.records.append(record)

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self.records.clear()

    def summary(self) -> dict[str, Any]:
        """Totals: requests, writes, and a count per ``METHOD path``."""
        with self._lock:
            records = list(self.records)
        per_route = Counter(f"{r.method} {r.path}" for r in records)
        return {
            "total": len(records),
            "writes": sum(1 for r in records if r.write),
            "by_route": dict(per_route),
        }


class Emulator:
    """Base of the three emulators: a WSGI application with state behind one lock.

    Subclasses implement :meth:`handle` (the API itself), :meth:`snapshot` and :meth:`restore`
    (JSON-able state, for the sandbox's persistence), and may refine :meth:`is_write`.
    """

    service: ClassVar[str] = "emulator"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults = FaultInjector()
        self.log = RequestLog()
        self.on_write: Callable[[Emulator], None] | None = None

    # -- to implement -------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        """Answer one API request (called with :attr:`lock` held)."""
        raise NotImplementedError

    def snapshot(self) -> dict[str, Any]:
        """The whole state as JSON-able data."""
        raise NotImplementedError

    def restore(self, data: dict[str, Any]) -> None:
        """Replace the state with ``data`` from :meth:`snapshot`."""
        raise NotImplementedError

    def is_write(self, request: Request) -> bool:
        """Whether ``request`` may change state (used by the read-only proofs)."""
        return request.method not in {"GET", "HEAD", "OPTIONS"}

    # -- WSGI ---------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        request = Request.from_environ(environ)
        if request.path.startswith(ADMIN_PREFIX):
            response = self.admin(request)
        else:
            response = self._serve(request)
        reason = _reason(response.status)
        headers = [h for h in response.headers if h[0].lower() != "content-length"]
        headers.append(("Content-Length", str(len(response.body))))
        start_response(f"{response.status} {reason}", headers)
        return [response.body]

    def _serve(self, request: Request) -> Response:
        decision = self.faults.decide(request)
        if decision.delay > 0:
            time.sleep(decision.delay)
        write = self.is_write(request)
        if decision.reset:
            self.log.add(RequestRecord(request.method, request.path, write, 0))
            _reset_connection(request)
        if decision.response is not None:
            response = decision.response
        else:
            with self.lock:
                response = self.handle(request)
            if write and self.on_write is not None:
                self.on_write(self)
        self.log.add(RequestRecord(request.method, request.path, write, response.status))
        if decision.truncate and response.body:
            response = Response(
                response.status, response.body[: len(response.body) // 2], response.headers
            )
        return response

    # -- admin endpoint -----------------------------------------------------------------
    def admin(self, request: Request) -> Response:
        """``/_emulator/``: ``GET requests`` (counts), ``DELETE requests`` (reset the counts),
        ``GET|POST|DELETE faults`` (list, add one rule from a JSON body, clear all),
        ``GET state`` (the snapshot)."""
        what = request.path[len(ADMIN_PREFIX) :].strip("/")
        if what == "requests" and request.method == "GET":
            return Response.json(200, self.log.summary())
        if what == "requests" and request.method == "DELETE":
            self.log.clear()
            return Response.empty(204)
        if what == "faults" and request.method == "GET":
            return Response.json(200, [asdict(rule) for rule in self.faults.rules()])
        if what == "faults" and request.method == "DELETE":
            self.faults.clear()
            return Response.empty(204)
        if what == "faults" and request.method == "POST":
            try:
                options = request.json()
                rule = self.faults.add(FaultRule(**options))
            except (ValueError, TypeError) as exc:
                return Response.json(400, {"detail": f"bad fault rule: {exc}"})
            return Response.json(201, asdict(rule))
        if what == "state" and request.method == "GET":
            with self.lock:
                return Response.json(200, self.snapshot())
        return Response.json(404, {"detail": "unknown admin endpoint"})


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _reset_connection(request: Request) -> None:
    """Abort the connection: with SO_LINGER 0 the server's close sends a TCP RST."""
    sock = request.environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # The server's next read sees EOF, so it closes the connection (and sends the RST)
            # instead of waiting for another request on it.
            sock.shutdown(socket.SHUT_RD)
        except OSError:
            pass
    raise EmulatedReset("connection reset (injected fault)")


class SandboxTransport(httpx.BaseTransport):
    """An httpx transport that calls an emulator in-process (no socket), mapping an
    injected reset to the same httpx error a real reset gives."""

    def __init__(self, app: Emulator) -> None:
        self._inner = httpx.WSGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return self._inner.handle_request(request)
        except EmulatedReset as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc

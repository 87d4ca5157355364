"""The shared HTTP layer: retries, backoff, Retry-After, errors, counting, secrets."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from functools import partial

import httpx
import pytest

from dezkysync.http import (
    AuthenticationFailed,
    IncompleteRead,
    RequestCounter,
    RetryPolicy,
    ServiceClient,
    ServiceError,
    ServiceUnavailable,
    UnexpectedResponse,
    parse_retry_after,
    run_bounded,
    scrub,
)

TOKEN = "s3cr3t-token-value"


class Script:
    """A MockTransport answering from a list of responses (or exceptions), recording requests."""

    def __init__(
        self, *steps: httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]
    ):
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        if callable(step) and not isinstance(step, httpx.Response):
            return step(request)
        return step


def client(script: Script, **kwargs: object) -> tuple[ServiceClient, list[float]]:
    slept: list[float] = []
    retry = kwargs.pop("retry", RetryPolicy(attempts=4, base=0.1, max_delay=1.0, jitter=0.0))
    http = ServiceClient(
        "authentik",
        "http://svc.test",
        TOKEN,
        transport=httpx.MockTransport(script),
        retry=retry,  # type: ignore[arg-type]
        sleep=slept.append,
        **kwargs,  # type: ignore[arg-type]
    )
    return http, slept


def ok(payload: object = None) -> httpx.Response:
    return httpx.Response(200, json={"ok": True} if payload is None else payload)


def test_sends_bearer_token_and_json() -> None:
    script = Script(ok())
    http, _ = client(script)
    assert http.get_json("/api/v3/x/", params={"page": 1, "type": ["a", "b"]}) == {"ok": True}
    request = script.requests[0]
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.url.query == b"page=1&type=a&type=b"


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_a_read_is_retried_on_retryable_statuses(status: int) -> None:
    script = Script(httpx.Response(status, json={"detail": "busy"}), ok())
    counter = RequestCounter()
    http, slept = client(script, counter=counter)
    assert http.get_json("/x") == {"ok": True}
    assert len(script.requests) == 2
    assert counter.requests("authentik") == 2
    assert counter.retries("authentik") == 1
    assert slept == [0.1]


def test_backoff_grows_exponentially_and_is_capped() -> None:
    script = Script(*(httpx.Response(503) for _ in range(5)), ok())
    http, slept = client(script, retry=RetryPolicy(attempts=6, base=0.1, max_delay=0.3, jitter=0))
    http.get_json("/x")
    assert slept == [0.1, 0.2, 0.3, 0.3, 0.3]


def test_jitter_keeps_delays_within_bounds() -> None:
    policy = RetryPolicy(base=1.0, max_delay=8.0, jitter=0.5)
    delays = [policy.backoff(3) for _ in range(200)]
    assert all(2.0 <= d <= 4.0 for d in delays)
    assert len(set(delays)) > 1


def test_retry_after_is_honoured_and_capped() -> None:
    script = Script(
        httpx.Response(429, headers={"Retry-After": "2"}),
        httpx.Response(429, headers={"Retry-After": "3600"}),
        ok(),
    )
    http, slept = client(
        script, retry=RetryPolicy(attempts=4, base=0.1, jitter=0, max_retry_after=5)
    )
    http.get_json("/x")
    assert slept == [2.0, 5.0]


def test_parse_retry_after_accepts_seconds_and_dates() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-3") == 0.0
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now=now) == 30.0


def test_retries_are_bounded_then_service_unavailable() -> None:
    script = Script(httpx.Response(503, json={"detail": "down for maintenance"}))
    http, slept = client(script)
    with pytest.raises(ServiceUnavailable) as caught:
        http.get_json("/api/v3/core/users/", params={"page": 3})
    assert len(script.requests) == 4
    assert len(slept) == 3
    message = str(caught.value)
    assert "authentik" in message and "GET /api/v3/core/users/?page=3" in message
    assert "HTTP 503" in message and "down for maintenance" in message and "4 attempts" in message


def test_connection_errors_and_timeouts_are_retried_for_reads() -> None:
    script = Script(
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("peer closed connection"),
        ok(),
    )
    http, slept = client(script)
    assert http.get_json("/x") == {"ok": True}
    assert len(slept) == 3


def test_connection_error_after_retries() -> None:
    script = Script(httpx.ConnectError("connection refused"))
    http, _ = client(script)
    with pytest.raises(ServiceUnavailable, match="connection failed"):
        http.get_json("/x")


def test_writes_are_not_retried_unless_marked_idempotent() -> None:
    script = Script(httpx.Response(503), ok())
    http, _ = client(script)
    with pytest.raises(ServiceUnavailable):
        http.send_json("POST", "/x", {"a": 1})
    assert len(script.requests) == 1

    script = Script(httpx.ConnectError("refused"), ok())
    http, _ = client(script)
    with pytest.raises(ServiceUnavailable):
        http.send_json("PATCH", "/x", {"a": 1})
    assert len(script.requests) == 1

    script = Script(httpx.Response(503), ok())
    counter = RequestCounter()
    http, _ = client(script, counter=counter)
    assert http.send_json("POST", "/jmap", {"q": 1}, idempotent=True, write=False) == {"ok": True}
    assert len(script.requests) == 2
    assert counter.writes() == 0  # a POST that only reads (a JMAP read) is not a write


def test_an_idempotent_write_is_retried_and_still_counted_as_a_write() -> None:
    script = Script(httpx.Response(503), ok())
    counter = RequestCounter()
    http, _ = client(script, counter=counter)
    assert http.send_json("POST", "/set_password", {"p": 1}, idempotent=True) == {"ok": True}
    assert len(script.requests) == 2
    assert counter.writes() == 2


def test_a_500_is_not_retried() -> None:
    script = Script(httpx.Response(500, json={"detail": "boom"}), ok())
    http, _ = client(script)
    with pytest.raises(UnexpectedResponse, match="HTTP 500: boom"):
        http.get_json("/x")
    assert len(script.requests) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failures(status: int) -> None:
    script = Script(httpx.Response(status, json={"detail": "Token invalid/expired"}))
    http, _ = client(script)
    with pytest.raises(AuthenticationFailed) as caught:
        http.get_json("/x")
    assert f"HTTP {status}" in str(caught.value)
    assert len(script.requests) == 1


def test_accepted_statuses_are_returned() -> None:
    script = Script(httpx.Response(404, json={"detail": "Invalid page."}))
    http, _ = client(script)
    assert http.request("GET", "/x", accept=(200, 404)).status_code == 404


def test_a_truncated_body_is_an_unexpected_response() -> None:
    script = Script(httpx.Response(200, content=b'{"pagination": {"count": 3'))
    http, _ = client(script)
    with pytest.raises(UnexpectedResponse, match="not valid JSON"):
        http.get_json("/x")


def test_the_token_never_appears_in_errors() -> None:
    echo = json.dumps({"detail": f"bad header Bearer {TOKEN}"})
    script = Script(httpx.Response(400, content=echo.encode()))
    http, _ = client(script)
    with pytest.raises(ServiceError) as caught:
        http.get_json("/x")
    assert TOKEN not in str(caught.value)
    assert "***" in str(caught.value)
    assert TOKEN not in repr(http)

    script = Script(httpx.ConnectError(f"failed for {TOKEN}"))
    http, _ = client(script)
    with pytest.raises(ServiceError) as caught:
        http.get_json("/x")
    assert TOKEN not in str(caught.value)


def test_scrub_shortens_and_replaces() -> None:
    assert scrub("a  b\nc", []) == "a b c"
    assert scrub("x" * 500, []).endswith("…")
    assert len(scrub("x" * 500, [])) == 200
    assert scrub("key=abc", ["abc", ""]) == "key=***"


def test_error_hierarchy() -> None:
    for cls in (ServiceUnavailable, AuthenticationFailed, UnexpectedResponse, IncompleteRead):
        assert issubclass(cls, ServiceError)
    error = IncompleteRead("ocis", "GET", "/graph/v1.0/users", "short")
    assert str(error) == "ocis: GET /graph/v1.0/users: short"


def test_limiter_bounds_requests_in_flight() -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return ok()

    http = ServiceClient(
        "ocis",
        "http://svc.test",
        TOKEN,
        transport=httpx.MockTransport(slow),
        limiter=threading.BoundedSemaphore(2),
    )
    run_bounded([lambda: http.get_json("/x") for _ in range(8)], 8)
    assert peak == 2


def test_run_bounded_keeps_order_and_raises_the_first_failure() -> None:
    assert run_bounded([partial(pow, n, 2) for n in range(10)], 4) == [n * n for n in range(10)]
    assert run_bounded([], 4) == []

    def fail(n: int) -> int:
        if n in (3, 5):
            raise ValueError(f"task {n}")
        return n

    with pytest.raises(ValueError, match="task 3"):
        run_bounded([partial(fail, n) for n in range(8)], 1)
    with pytest.raises(ValueError, match=r"task [35]"):
        run_bounded([partial(fail, n) for n in range(8)], 4)


def test_a_password_echoed_by_the_server_never_reaches_the_message() -> None:
    """Stalwart's notRequest echoes the request; a one-time password in it must be masked."""
    from dezkysync.apply.passwords import generate_password

    password = generate_password()  # registered with the redactor
    script = Script(
        httpx.Response(400, json={"detail": f'bad request: {{"secret": "{password}"}}'})
    )
    http, _ = client(script)
    with pytest.raises(UnexpectedResponse) as caught:
        http.send_json("POST", "/jmap", {"secret": password})
    assert password not in str(caught.value)
    assert "[REDACTED]" in str(caught.value)

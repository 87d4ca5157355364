"""The shared HTTP layer every service client is built on.

A small public API over httpx: :class:`ServiceClient` (one per service: base URL, token,
timeouts, retries with backoff, request counting, a swappable transport), :class:`RetryPolicy`,
:class:`RequestCounter`, :func:`run_bounded` (bounded concurrency) and the error hierarchy
(drawn in :mod:`dezkysync.http._errors`).
"""

from dezkysync.http._client import Params, ServiceClient
from dezkysync.http._counter import RequestCounter
from dezkysync.http._errors import (
    AuthenticationFailed,
    IncompleteRead,
    ServiceError,
    ServiceUnavailable,
    UnexpectedResponse,
    scrub,
)
from dezkysync.http._pool import run_bounded
from dezkysync.http._retry import NO_RETRY, RETRYABLE_STATUSES, RetryPolicy, parse_retry_after

__all__ = [
    "NO_RETRY",
    "RETRYABLE_STATUSES",
    "AuthenticationFailed",
    "IncompleteRead",
    "Params",
    "RequestCounter",
    "RetryPolicy",
    "ServiceClient",
    "ServiceError",
    "ServiceUnavailable",
    "UnexpectedResponse",
    "parse_retry_after",
    "run_bounded",
    "scrub",
]

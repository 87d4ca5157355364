"""Errors raised by the HTTP layer and the service clients built on it.

The whole hierarchy, drawn once::

    ServiceError                 a call to a service did not give a usable answer
    ├── ServiceUnavailable       no answer: connection refused or reset, timeout, or 429/502/503/504
    │                            still failing after the retries
    ├── AuthenticationFailed     the service refused the credentials (401, 403)
    ├── UnexpectedResponse       an answer the client cannot use: an unexpected status (500, 404
    │                            where a list was expected...), a body that is not the JSON the
    │                            API documents (a truncated body included), a JMAP method error
    └── IncompleteRead           a listing is missing pieces: a page absent or short, counts that
                                 disagree between pages, objects vanishing while being read

Every message names the service, the method and the path (with its query), and the status when
there was one. Messages never carry a token or a password: the service detail quoted from a
response body is shortened and scrubbed of every secret the client knows.

Rule: whatever the subclass, a ``ServiceError`` during a read means the live view is not
complete, and nothing may be planned from it (a failed read is never "absent").
"""

from __future__ import annotations

from collections.abc import Iterable

from dezkysync.redact import redact

_DETAIL_LIMIT = 200


class ServiceError(Exception):
    """A call to ``service`` failed; see the module docstring for the subclasses."""

    def __init__(
        self,
        service: str,
        method: str,
        path: str,
        problem: str,
        *,
        status: int | None = None,
        attempts: int = 1,
    ) -> None:
        self.service = service
        self.method = method
        self.path = path
        self.problem = problem
        self.status = status
        self.attempts = attempts
        super().__init__(self._render())

    def _render(self) -> str:
        what = self.problem if self.status is None else f"HTTP {self.status}: {self.problem}"
        tries = f" (after {self.attempts} attempts)" if self.attempts > 1 else ""
        return f"{self.service}: {self.method} {self.path}: {what}{tries}"


class ServiceUnavailable(ServiceError):
    """No usable answer: connection error, timeout, or a retryable status after retries."""


class AuthenticationFailed(ServiceError):
    """The service refused the credentials (or they lack the permission needed)."""


class UnexpectedResponse(ServiceError):
    """An answer the client cannot use (status, body shape, JMAP method error)."""


class IncompleteRead(ServiceError):
    """A listing came back incomplete or inconsistent; never read as "absent"."""


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ``***`` and shortened for a message.

    Every one-time password the run handled is masked too (:mod:`dezkysync.redact`): a server
    may echo a request back in its error (Stalwart's ``notRequest`` does), and a password in
    that request must not reach a message."""
    text = redact(text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = " ".join(text.split())
    if len(text) > _DETAIL_LIMIT:
        text = text[: _DETAIL_LIMIT - 1] + "…"
    return text

"""Counting requests per service (the benchmark and the tests read the counts)."""

from __future__ import annotations

import threading
from collections import Counter


class RequestCounter:
    """Thread-safe counts of HTTP requests sent (every attempt counts) and of retries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._retries: Counter[str] = Counter()
        self._writes: Counter[str] = Counter()

    def record(self, service: str, *, retry: bool, write: bool) -> None:
        """Count one request sent to ``service``."""
        with self._lock:
            self._requests[service] += 1
            if retry:
                self._retries[service] += 1
            if write:
                self._writes[service] += 1

    def requests(self, service: str | None = None) -> int:
        """Requests sent to ``service`` (all services when None)."""
        with self._lock:
            if service is None:
                return sum(self._requests.values())
            return self._requests[service]

    def retries(self, service: str | None = None) -> int:
        """Of those, how many were retries."""
        with self._lock:
            if service is None:
                return sum(self._retries.values())
            return self._retries[service]

    def writes(self, service: str | None = None) -> int:
        """Requests that may change state (anything but GET/HEAD/OPTIONS and read-only POSTs)."""
        with self._lock:
            if service is None:
                return sum(self._writes.values())
            return self._writes[service]

    def snapshot(self) -> dict[str, int]:
        """Requests per service, as a plain dict."""
        with self._lock:
            return dict(sorted(self._requests.items()))

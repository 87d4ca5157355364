"""Connecting to the three services and reading their live state in one go."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType

from dezkysync.config import Config, ServiceName
from dezkysync.http import RequestCounter, RetryPolicy, ServiceClient, run_bounded
from dezkysync.live.model import AuthentikState, LiveState, OcisState, StalwartState
from dezkysync.services.authentik import AuthentikClient
from dezkysync.services.ocis import OcisClient
from dezkysync.services.stalwart import StalwartClient


@dataclass
class ServiceClients:
    """The clients of one run (``stalwart`` is None when Stalwart provisioning is off), with
    one request counter and one limit on requests in flight shared by all."""

    authentik: AuthentikClient
    ocis: OcisClient
    stalwart: StalwartClient | None
    counter: RequestCounter
    concurrency: int
    _https: list[ServiceClient] = field(default_factory=list, repr=False)

    def close(self) -> None:
        """Close every connection pool."""
        for http in self._https:
            http.close()

    def __enter__(self) -> ServiceClients:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def connect(
    config: Config,
    *,
    counter: RequestCounter | None = None,
    retry: RetryPolicy | None = None,
) -> ServiceClients:
    """Clients for every service in use, over ``config.transports`` where given."""
    counter = counter if counter is not None else RequestCounter()
    limiter = threading.BoundedSemaphore(config.concurrency)
    https: dict[ServiceName, ServiceClient] = {}
    for name, settings in config.services.items():
        https[name] = ServiceClient(
            name,
            settings.url,
            settings.token,
            timeout=settings.timeout,
            transport=config.transports.get(name),
            retry=retry,
            counter=counter,
            limiter=limiter,
            max_connections=config.concurrency,
        )
    try:
        authentik = AuthentikClient(https["authentik"], concurrency=config.concurrency)
        ocis = OcisClient(https["ocis"])
    except KeyError as exc:
        for http in https.values():
            http.close()
        raise ValueError(f"the configuration has no {exc.args[0]} service") from None
    stalwart = None
    if config.stalwart_enabled and "stalwart" in https:
        stalwart = StalwartClient(https["stalwart"], concurrency=config.concurrency)
    return ServiceClients(
        authentik=authentik,
        ocis=ocis,
        stalwart=stalwart,
        counter=counter,
        concurrency=config.concurrency,
        _https=list(https.values()),
    )


def read_live_state(clients: ServiceClients) -> LiveState:
    """Read the three services concurrently. Any failed or partial read raises a
    :class:`dezkysync.http.ServiceError`: there is no partial ``LiveState``."""

    def read_stalwart() -> StalwartState | None:
        return clients.stalwart.read_state() if clients.stalwart is not None else None

    def read_authentik() -> AuthentikState:
        return clients.authentik.read_state()

    def read_ocis() -> OcisState:
        return clients.ocis.read_state()

    started = datetime.now(UTC)
    results: list[object] = run_bounded([read_stalwart, read_authentik, read_ocis], 3)
    stalwart, authentik, ocis = results
    assert isinstance(authentik, AuthentikState) and isinstance(ocis, OcisState)
    assert stalwart is None or isinstance(stalwart, StalwartState)
    return LiveState(
        stalwart=stalwart,
        authentik=authentik,
        ocis=ocis,
        read_at=started,
        requests=clients.counter.snapshot(),
    )

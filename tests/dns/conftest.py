"""A real NSD on loopback serving the cases of ``world.py``, once per test process."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import dns.asyncquery
import pytest

from dezkysync.dns.nsd import LocalNsd
from tests.dns.world import CASES
from tests.dns.zones import require_nsd


@pytest.fixture(scope="session")
def nsd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNsd]:
    """NSD serving every case of :data:`tests.dns.world.CASES`."""
    require_nsd()
    zones = {name: case.published for name, case in CASES.items()}
    with LocalNsd(zones, tmp_path_factory.mktemp("nsd")) as server:
        yield server


@pytest.fixture
def unused_port() -> int:
    """A loopback TCP port nothing listens on (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any DNS query of the code under test that would leave loopback."""
    real = dns.asyncquery.udp_with_fallback

    async def guarded(q: Any, where: str, *args: Any, **kwargs: Any) -> Any:
        if not ipaddress.ip_address(where).is_loopback:
            raise AssertionError(f"a test tried to query {where}: tests query loopback only")
        return await real(q, where, *args, **kwargs)

    monkeypatch.setattr(dns.asyncquery, "udp_with_fallback", guarded)

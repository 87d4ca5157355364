"""Reading the live state of the three emulators (in-process): complete, and a number of
requests that grows with pages, never with members."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from dezkysync.config import SERVICE_NAMES, Config, ServiceName, ServiceSettings
from dezkysync.http import RequestCounter, ServiceError
from dezkysync.sandbox._wsgi import Emulator, SandboxTransport
from dezkysync.services import connect, read_live_state
from dezkysync.tenants.model import Domain, Member, Tenant, TenantSet
from tests.services.seed import Seeder

TOKENS = {"stalwart": "tok-s", "authentik": "tok-a", "ocis": "tok-o"}


def world(tenants: int, members: int) -> TenantSet:
    from pathlib import Path

    built = []
    for n in range(tenants):
        domain = f"t{n:03d}.test"
        built.append(
            Tenant(
                slug=f"t{n:03d}",
                name=f"T{n}",
                state="present",
                domains=(Domain(domain, primary=True),),
                members=tuple(
                    Member(f"u{m:02d}@{domain}", f"User {m}", role="admin" if m == 0 else "member")
                    for m in range(members)
                ),
                lists=(),
                source=Path(f"t{n}.yaml"),
            )
        )
    return TenantSet(tenants=tuple(built), files=())


@pytest.fixture
def emulators() -> Iterator[dict[str, Emulator]]:
    from dezkysync.sandbox.authentik import AuthentikEmulator
    from dezkysync.sandbox.ocis import OcisEmulator
    from dezkysync.sandbox.stalwart import StalwartEmulator

    yield {
        "stalwart": StalwartEmulator(token=TOKENS["stalwart"], dkim_delay=0.0),
        "authentik": AuthentikEmulator(token=TOKENS["authentik"]),
        "ocis": OcisEmulator(token=TOKENS["ocis"]),
    }


def config(emulators: dict[str, Emulator], *, stalwart: bool = True) -> Config:
    names: tuple[ServiceName, ...] = SERVICE_NAMES if stalwart else ("authentik", "ocis")
    transports: dict[str, httpx.BaseTransport] = {n: SandboxTransport(emulators[n]) for n in names}
    return Config(
        services={n: ServiceSettings(n, f"http://{n}.invalid", TOKENS[n]) for n in names},
        stalwart_enabled=stalwart,
        transports=transports,
    )


def seed(emulators: dict[str, Emulator], tenants: TenantSet) -> None:
    transports: dict[str, httpx.BaseTransport] = {
        n: SandboxTransport(e) for n, e in emulators.items()
    }
    seeder = Seeder.over({n: f"http://{n}.invalid" for n in emulators}, TOKENS, transports)
    seeder.converge(tenants)
    seeder.close()
    for emulator in emulators.values():
        emulator.log.clear()


@pytest.mark.parametrize(
    ("tenants", "members", "expected"),
    [
        (2, 3, {"stalwart": 2, "authentik": 3, "ocis": 2}),
        (30, 20, {"stalwart": 3, "authentik": 1 + 7 + 1, "ocis": 2}),  # 600 members
    ],
)
def test_requests_grow_with_pages(
    emulators: dict[str, Emulator], tenants: int, members: int, expected: dict[str, int]
) -> None:
    desired = world(tenants, members)
    seed(emulators, desired)
    counter = RequestCounter()
    with connect(config(emulators), counter=counter) as clients:
        live = read_live_state(clients)
    assert counter.snapshot() == expected
    assert live.requests == expected
    assert live.stalwart is not None
    assert len(live.stalwart.mailboxes) == tenants * members
    assert len(live.authentik.identities) == tenants * members + 1  # + akadmin (unmanaged)
    assert {u.username for u in live.authentik.system_users} >= {"dezkysync"}
    assert len(live.authentik.groups) == 2 * tenants + 1  # + "authentik Admins"
    assert len(live.ocis.users) == tenants * members + 1  # + the dezkysync admin
    assert live.authentik.me.username == "dezkysync"
    assert live.stalwart.identity
    for emulator in emulators.values():
        assert emulator.log.summary()["writes"] == 0


def test_stalwart_disabled_reads_nothing_there(emulators: dict[str, Emulator]) -> None:
    with connect(config(emulators, stalwart=False)) as clients:
        assert clients.stalwart is None
        live = read_live_state(clients)
    assert live.stalwart is None
    assert emulators["stalwart"].log.summary()["total"] == 0


def test_one_failing_service_fails_the_whole_read(emulators: dict[str, Emulator]) -> None:
    emulators["ocis"].faults.inject("status", status=500, path="/graph/v1.0/users$", times=None)
    with connect(config(emulators)) as clients, pytest.raises(ServiceError, match="ocis"):
        read_live_state(clients)


def test_zone_files_through_the_client(emulators: dict[str, Emulator]) -> None:
    seed(emulators, world(3, 1))
    with connect(config(emulators)) as clients:
        assert clients.stalwart is not None
        zones = clients.stalwart.read_zone_files(["t001.test", "nope.test"])
    assert zones["nope.test"] is None
    assert "t001.test. IN MX" in (zones["t001.test"] or "")

"""How many requests, how much time and memory ``dezkysync plan`` takes at scale.

Generates N tenants x M members (default 200 x 25 = 5,000 members, plus a domain and a
mailing list per tenant), seeds the three emulators with exactly that (in-process, through
their HTTP APIs), serves them on loopback sockets with injected latency per request, then:

1. runs the real plan (read all live state + compute) and records requests per service, wall
   time and peak memory (tracemalloc);
2. runs a naive reader that fetches every object with its own request (one lookup per member
   and service, per domain, per group, per list), with the same concurrency and latency;

and prints both side by side with the ratios. Target: at most 150 requests in total for
200 tenants / 5,000 members.

    .venv/bin/python bench/plan_scale.py [--tenants 200] [--members 25] [--latency-ms 2]
    .venv/bin/python bench/plan_scale.py --quick        # seconds: 20 x 10, 1 ms
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from dezkysync.config import SERVICE_NAMES, Config, ServiceSettings  # noqa: E402
from dezkysync.http import RequestCounter, ServiceClient, run_bounded  # noqa: E402
from dezkysync.plan import compute_plan  # noqa: E402
from dezkysync.sandbox._wsgi import Emulator, SandboxTransport  # noqa: E402
from dezkysync.sandbox.authentik import AuthentikEmulator  # noqa: E402
from dezkysync.sandbox.ocis import OcisEmulator  # noqa: E402
from dezkysync.sandbox.server import serve  # noqa: E402
from dezkysync.sandbox.stalwart import StalwartEmulator  # noqa: E402
from dezkysync.services import connect, read_live_state  # noqa: E402
from dezkysync.services.ownership import GROUP_ROLES, group_name  # noqa: E402
from dezkysync.tenants.model import Domain, MailingList, Member, Tenant, TenantSet  # noqa: E402
from tests.services.seed import Seeder  # noqa: E402

SERVICES = SERVICE_NAMES
TARGET_REQUESTS = 150
TARGET_SCALE = (200, 25)


@dataclass
class Measure:
    """One run: requests per service, wall time, peak memory."""

    requests: dict[str, int]
    seconds: float
    peak_bytes: int | None

    @property
    def total(self) -> int:
        return sum(self.requests.values())


def build_tenants(tenants: int, members: int) -> TenantSet:
    """``tenants`` tenants of ``members`` members each (the first an admin), with a list."""
    built = []
    for n in range(tenants):
        slug = f"t{n:04d}"
        domain = f"{slug}.test"
        people = tuple(
            Member(
                email=f"user{m:03d}@{domain}",
                name=f"User {m} of {slug}",
                role="admin" if m == 0 else "member",
                aliases=(f"alias{m:03d}@{domain}",) if m % 5 == 0 else (),
                quota=2**30,
            )
            for m in range(members)
        )
        built.append(
            Tenant(
                slug=slug,
                name=f"Tenant {n}",
                state="present",
                domains=(Domain(domain, primary=True),),
                members=people,
                lists=(MailingList(f"team@{domain}", "Team", tuple(p.email for p in people[:5])),),
                source=Path(f"{slug}.yaml"),
            )
        )
    return TenantSet(tenants=tuple(built), files=())


def serve_emulators(
    conn: Connection, tokens: dict[str, str], tenants: int, members: int, latency_ms: float
) -> None:
    """Child process: seed the three emulators, serve them on loopback, report the URLs, and
    serve until told to stop (so the parent measures only dezkysync's own time and memory)."""
    emulators: dict[str, Emulator] = {
        "stalwart": StalwartEmulator(token=tokens["stalwart"], dkim_delay=0.0),
        "authentik": AuthentikEmulator(token=tokens["authentik"]),
        "ocis": OcisEmulator(token=tokens["ocis"]),
    }
    started = time.perf_counter()
    transports: dict[str, httpx.BaseTransport] = {
        name: SandboxTransport(e) for name, e in emulators.items()
    }
    seeder = Seeder.over({n: "http://seed.invalid" for n in SERVICES}, tokens, transports)
    try:
        seeder.converge(build_tenants(tenants, members))
    finally:
        seeder.close()
    seeded = time.perf_counter() - started
    for emulator in emulators.values():
        emulator.log.clear()
        emulator.faults.inject("latency", delay=latency_ms / 1000.0, times=None)
    servers = {name: serve(emulator) for name, emulator in emulators.items()}
    conn.send(({name: server.url for name, server in servers.items()}, seeded))
    conn.recv()  # "stop"
    for server in servers.values():
        server.close()
    conn.send({name: e.log.summary()["total"] for name, e in emulators.items()})


def config_for(urls: dict[str, str], tokens: dict[str, str], concurrency: int) -> Config:
    return Config(
        services={
            name: ServiceSettings(name=name, url=urls[name], token=tokens[name])
            for name in SERVICES
        },
        concurrency=concurrency,
    )


def measured(work: Callable[[], object], *, memory: bool) -> tuple[float, int | None]:
    gc.collect()
    if memory:
        tracemalloc.start()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    peak = None
    if memory:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return seconds, peak


def run_plan(config: Config, tenants: TenantSet) -> tuple[Measure, int]:
    counter = RequestCounter()
    changes = 0

    def work() -> None:
        nonlocal changes
        with connect(config, counter=counter) as clients:
            live = read_live_state(clients)
        changes = len(compute_plan(tenants, live).changes)

    seconds, peak = measured(work, memory=True)
    return Measure(counter.snapshot(), seconds, peak), changes


def run_naive(config: Config, tenants: TenantSet) -> Measure:
    """One request per object and service, with the same concurrency."""
    counter = RequestCounter()
    limiter = threading.BoundedSemaphore(config.concurrency)
    clients = {
        name: ServiceClient(
            name,
            config.services[name].url,
            config.services[name].token,
            counter=counter,
            limiter=limiter,
            max_connections=config.concurrency,
        )
        for name in SERVICES
    }
    using = ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"]

    def jmap_lookup(kind: str, filter_: dict[str, str]) -> None:
        calls = [
            [f"x:{kind}/query", {"filter": filter_}, "q"],
            [
                f"x:{kind}/get",
                {"#ids": {"resultOf": "q", "name": f"x:{kind}/query", "path": "/ids"}},
                "g",
            ],
        ]
        clients["stalwart"].send_json(
            "POST", "/jmap", {"using": using, "methodCalls": calls}, idempotent=True, accept=(200,)
        )

    authentik, ocis = clients["authentik"], clients["ocis"]
    tasks: list[Callable[[], object]] = []
    for tenant in tenants.tenants:
        for domain in tenant.domains:
            tasks.append(partial(jmap_lookup, "Domain", {"name": domain.name}))
        for role in GROUP_ROLES:
            name = group_name(tenant.slug, role)
            tasks.append(partial(authentik.get_json, "/api/v3/core/groups/", params={"name": name}))
        for mailing_list in tenant.lists:
            local = mailing_list.email.split("@")[0]
            tasks.append(partial(jmap_lookup, "MailingList", {"text": local}))
        for member in tenant.members:
            local = member.email.split("@")[0]
            tasks.append(partial(jmap_lookup, "Account", {"name": local}))
            tasks.append(
                partial(
                    authentik.get_json, "/api/v3/core/users/", params={"username": member.login}
                )
            )
            tasks.append(
                partial(ocis.request, "GET", f"/graph/v1.0/users/{member.login}", accept=(200, 404))
            )

    def work() -> None:
        run_bounded(tasks, config.concurrency)

    try:
        seconds, peak = measured(work, memory=False)
    finally:
        for client in clients.values():
            client.close()
    return Measure(counter.snapshot(), seconds, peak)


def table(plan: Measure, naive: Measure) -> str:
    def row(label: str, m: Measure) -> list[str]:
        peak = f"{m.peak_bytes / 2**20:.1f} MiB" if m.peak_bytes is not None else "-"
        return [
            label,
            *(str(m.requests.get(s, 0)) for s in SERVICES),
            str(m.total),
            f"{m.seconds:.2f} s",
            peak,
        ]

    header = ["", *SERVICES, "total", "wall time", "peak memory"]
    ratio = [
        "naive / plan",
        *(f"{naive.requests.get(s, 0) / max(1, plan.requests.get(s, 0)):.0f}x" for s in SERVICES),
        f"{naive.total / max(1, plan.total):.0f}x",
        f"{naive.seconds / max(1e-9, plan.seconds):.1f}x",
        "",
    ]
    rows = [header, row("dezkysync plan", plan), row("naive, per object", naive), ratio]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, r in enumerate(rows):
        lines.append(
            "  ".join(
                cell.rjust(w) if i else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(r, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=TARGET_SCALE[0])
    parser.add_argument("--members", type=int, default=TARGET_SCALE[1], help="members per tenant")
    parser.add_argument("--latency-ms", type=float, default=2.0, help="injected per request")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="20 tenants x 10 members, 1 ms")
    args = parser.parse_args(argv)
    if args.quick:
        args.tenants, args.members, args.latency_ms = 20, 10, 1.0

    tokens: dict[str, str] = {name: f"bench-{name}-token" for name in SERVICES}
    tenants = build_tenants(args.tenants, args.members)  # the same files the child seeds
    members = args.tenants * args.members
    print(
        f"plan_scale: {args.tenants} tenants x {args.members} members = {members} members, "
        f"latency {args.latency_ms:g} ms/request, concurrency {args.concurrency}"
    )
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(
        target=serve_emulators,
        args=(child, tokens, args.tenants, args.members, args.latency_ms),
        daemon=True,
    )
    process.start()
    try:
        urls, seeded = parent.recv()
        print(f"seeded the emulators in {seeded:.1f} s (in a child process; not measured)")
        config = config_for(urls, tokens, args.concurrency)
        plan, changes = run_plan(config, tenants)
        naive = run_naive(config, tenants)
        parent.send("stop")
        served = parent.recv()
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()
    if sum(served.values()) != plan.total + naive.total:
        print(f"warning: the emulators answered {served}, the clients counted more or less")
    print()
    print(table(plan, naive))
    print()
    print(f"plan: {changes} changes (the emulators hold exactly what the files describe)")
    if (args.tenants, args.members) == TARGET_SCALE:
        verdict = "met" if plan.total <= TARGET_REQUESTS else "MISSED"
        print(
            f"target: at most {TARGET_REQUESTS} requests for 200 tenants / 5,000 members: {verdict}"
        )
        return 0 if plan.total <= TARGET_REQUESTS else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the DNS check: N domains against a local NSD, concurrent vs one query at a time.

Starts NSD on loopback (``dezkysync.dns.nsd.LocalNsd``, the same helper the tests use) serving
N domains, each published exactly as expected (MX, SPF, an Ed25519 and an RSA-2048 DKIM key,
DMARC, the ownership record), then times ``check_domains`` twice in the same run: with its
default concurrency and with one query in flight at a time. Reports wall time, queries sent,
queries per second, the speed-up ratio, and the memory a concurrent check takes.

On loopback an answer takes a fraction of a millisecond, so the check is bound by Python's
CPU time and concurrency cannot gain much; what it is for is hiding the round trip to a real
resolver. ``--latency MS`` (default 5) therefore puts a relay in front of NSD, in a process of
its own, that delays every answer by MS milliseconds; ``--latency 0`` queries NSD directly.

    .venv/bin/python bench/dns_check.py                 # 1,000 domains, 5 ms round trip
    .venv/bin/python bench/dns_check.py --latency 0     # straight to NSD on loopback
    .venv/bin/python bench/dns_check.py --quick         # 100 domains, for a smoke run

Needs NSD (``scripts/install-dns-server``). Exits 1 when any domain is not reported as fine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import multiprocessing
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from dezkysync.dns import DEFAULT_CONCURRENCY, DnsReport, check_domains, expect_domain
from dezkysync.dns.expected import DomainExpectation
from dezkysync.dns.nsd import LocalNsd, NsdMissing, authoritative_zone
from dezkysync.dns.records import txt_zone_lines
from dezkysync.dns.resolvers import Resolver
from dezkysync.tenants.model import Domain

SALT = "bench-salt"
MAIL_HOST = "mx.platform.test"


@dataclass(frozen=True)
class Timing:
    """One timed check."""

    label: str
    concurrency: int
    seconds: float
    queries: int

    @property
    def rate(self) -> float:
        return self.queries / self.seconds if self.seconds else 0.0


def stalwart_zone_file(domain: str, rng: random.Random) -> str:
    """A dnsZoneFile shaped like Stalwart's: DKIM (Ed25519, RSA-2048), SPF, MX, DMARC."""
    ed25519 = base64.b64encode(rng.randbytes(32)).decode()
    rsa = base64.b64encode(rng.randbytes(294)).decode()
    lines = [
        *txt_zone_lines(
            f"v1-ed25519-20260708._domainkey.{domain}",
            f"v=DKIM1; k=ed25519; h=sha256; p={ed25519}",
        ),
        *txt_zone_lines(
            f"v1-rsa-20260708._domainkey.{domain}", f"v=DKIM1; k=rsa; h=sha256; p={rsa}"
        ),
        f'{domain}. IN TXT "v=spf1 mx -all"',
        f"{domain}. IN MX 10 {MAIL_HOST}.",
        f'_dmarc.{domain}. IN TXT "v=DMARC1; p=reject; rua=mailto:postmaster@{domain}"',
    ]
    return "\n".join(lines) + "\n"


def build(count: int) -> tuple[list[DomainExpectation], dict[str, str]]:
    """Expectations for ``count`` domains and the zones NSD serves for them."""
    rng = random.Random(20260708)
    expectations: list[DomainExpectation] = []
    zones: dict[str, str] = {}
    for index in range(count):
        name = f"d{index:05d}.bench.test"
        tenant = f"tenant{index // 3:05d}"
        expectation = expect_domain(tenant, Domain(name), stalwart_zone_file(name, rng), salt=SALT)
        expectations.append(expectation)
        lines = [line for record in expectation.records for line in record.zone_lines()]
        zones[name] = authoritative_zone(name, lines)
    return expectations, zones


def _relay_process(upstream_port: int, delay: float, conn: Connection) -> None:
    """Entry point of the relay process (see :func:`_relay`)."""
    asyncio.run(_relay(upstream_port, delay, conn))


async def _relay(upstream_port: int, delay: float, conn: Connection) -> None:
    """Forward UDP queries to NSD on loopback and answers back, each way after ``delay / 2``.

    Queries get relay-assigned message ids (restored on the way back) so answers always reach
    the client that asked, however many are in flight.
    """
    loop = asyncio.get_running_loop()
    waiting: dict[int, tuple[tuple[str, int], bytes]] = {}
    next_id = 0
    front: asyncio.DatagramTransport | None = None
    back: asyncio.DatagramTransport | None = None

    class Front(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            nonlocal next_id
            if len(data) < 12 or back is None:
                return
            next_id = (next_id + 1) % 65536
            waiting[next_id] = (addr, data[:2])
            loop.call_later(delay / 2, back.sendto, next_id.to_bytes(2, "big") + data[2:])

    class Back(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            found = waiting.pop(int.from_bytes(data[:2], "big"), None)
            if found is None or front is None:
                return
            client, original_id = found
            loop.call_later(delay / 2, front.sendto, original_id + data[2:], client)

    front, _ = await loop.create_datagram_endpoint(Front, local_addr=("127.0.0.1", 0))
    back, _ = await loop.create_datagram_endpoint(Back, remote_addr=("127.0.0.1", upstream_port))
    conn.send(front.get_extra_info("sockname")[1])
    await loop.create_future()  # until the process is terminated


def start_relay(
    upstream: Resolver, latency_ms: float
) -> tuple[multiprocessing.process.BaseProcess, Resolver]:
    """The relay process and the resolver address to query through it."""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(
        target=_relay_process, args=(upstream.port, latency_ms / 1000, theirs), daemon=True
    )
    process.start()
    if not ours.poll(30):
        process.terminate()
        raise RuntimeError("the latency relay did not start")
    return process, Resolver("127.0.0.1", int(ours.recv()))


def timed(
    label: str,
    expectations: list[DomainExpectation],
    resolver: Resolver,
    concurrency: int,
    timeout: float,
) -> tuple[Timing, DnsReport]:
    started = time.perf_counter()
    report = check_domains(expectations, [resolver], timeout, concurrency=concurrency)
    seconds = time.perf_counter() - started
    return Timing(label, concurrency, seconds, report.queries), report


def peak_memory(
    expectations: list[DomainExpectation], resolver: Resolver, concurrency: int, timeout: float
) -> int:
    """Peak bytes Python allocated during one concurrent check (tracemalloc)."""
    tracemalloc.start()
    try:
        check_domains(expectations, [resolver], timeout, concurrency=concurrency)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--domains", type=int, default=1000, help="domains to check")
    parser.add_argument("--quick", action="store_true", help="100 domains (a smoke run)")
    parser.add_argument(
        "--latency",
        type=float,
        default=5.0,
        help="milliseconds of round trip added to every query (0: none)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="queries in flight"
    )
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds per query attempt")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    count = 100 if args.quick else args.domains
    if count < 1 or args.concurrency < 1 or args.latency < 0:
        parser.error("--domains and --concurrency must be at least 1, --latency not negative")

    expectations, zones = build(count)
    with tempfile.TemporaryDirectory(prefix="dezkysync-bench-") as folder:
        started = time.perf_counter()
        try:
            server = LocalNsd(zones, Path(folder), startup_timeout=120).start()
        except NsdMissing as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 1
        startup = time.perf_counter() - started
        relay = None
        try:
            resolver = server.resolver
            if args.latency > 0:
                relay, resolver = start_relay(server.resolver, args.latency)
            timed("warm-up", expectations[:20], resolver, args.concurrency, args.timeout)
            fast, report = timed(
                "concurrent", expectations, resolver, args.concurrency, args.timeout
            )
            slow, baseline_report = timed("one at a time", expectations, resolver, 1, args.timeout)
            peak = peak_memory(expectations, server.resolver, args.concurrency, args.timeout)
        finally:
            if relay is not None:
                relay.terminate()
                relay.join(5)
            server.close()

    failures = [r.summary() for r in (report, baseline_report) if r.needs_attention]
    max_rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ratio = slow.seconds / fast.seconds if fast.seconds else 0.0
    if args.json:
        print(
            json.dumps(
                {
                    "domains": count,
                    "latency_ms": args.latency,
                    "nsd_startup_seconds": round(startup, 3),
                    "runs": [
                        {
                            "mode": t.label,
                            "concurrency": t.concurrency,
                            "seconds": round(t.seconds, 3),
                            "queries": t.queries,
                            "queries_per_second": round(t.rate, 1),
                        }
                        for t in (fast, slow)
                    ],
                    "speedup": round(ratio, 2),
                    "peak_python_bytes": peak,
                    "max_rss_kib": max_rss_kib,
                    "failures": failures,
                },
                indent=2,
            )
        )
    else:
        where = f"{args.latency:g} ms round trip" if args.latency > 0 else "no added latency"
        print(f"dns check of {count} domains against NSD on loopback ({where})")
        print(f"  NSD start-up ({count} zones): {startup:.2f} s")
        for t in (fast, slow):
            print(
                f"  {t.label:<14} concurrency {t.concurrency:>3}: {t.seconds:7.2f} s,"
                f" {t.queries} queries, {t.rate:8.0f} queries/s"
            )
        print(f"  speed-up: {ratio:.1f}x (one at a time / concurrent)")
        print(f"  peak Python memory of a concurrent check: {peak / 1_048_576:.1f} MiB")
        print(f"  peak process RSS: {max_rss_kib / 1024:.1f} MiB")
        for failure in failures:
            print(f"  FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

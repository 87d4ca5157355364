"""A throwaway NSD (NLnet Labs' authoritative DNS server) on loopback, for the DNS tests and
the benchmark.

:class:`LocalNsd` writes a configuration and one zone file per zone into a directory of its
own, starts ``nsd -d`` on a free port of a loopback address (no system paths, no privilege
drop, no control socket), waits until it answers for every zone, and stops it on
:meth:`~LocalNsd.close`. NSD comes from the distribution (``scripts/install-dns-server``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType

import dns.exception
import dns.message
import dns.query
import dns.rcode

from dezkysync.dns.records import normalise_name
from dezkysync.dns.resolvers import Resolver

INSTALL_HINT = "install NSD with scripts/install-dns-server (Debian/Ubuntu: apt-get install nsd)"
START_ATTEMPTS = 3


class NsdMissing(RuntimeError):
    """The ``nsd`` binary is not installed."""


class NsdFailed(RuntimeError):
    """NSD did not start or did not answer in time."""


def find_nsd() -> str | None:
    """The path of the ``nsd`` binary, if installed (``$PATH`` or ``/usr/sbin``)."""
    found = shutil.which("nsd")
    if found:
        return found
    for candidate in ("/usr/sbin/nsd", "/usr/local/sbin/nsd"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def authoritative_zone(zone: str, lines: Iterable[str], *, ttl: int = 300) -> str:
    """A complete zone file: ``$TTL``, SOA and NS for ``zone``, then ``lines`` (BIND lines
    with absolute names, e.g. from :meth:`ExpectedRecord.zone_lines`)."""
    origin = normalise_name(zone)
    head = [
        f"$TTL {ttl}",
        f"{origin}. IN SOA ns.{origin}. hostmaster.{origin}. 1 3600 600 86400 {ttl}",
        f"{origin}. IN NS ns.{origin}.",
        f"ns.{origin}. IN A 127.0.0.1",
    ]
    return "\n".join([*head, *lines]) + "\n"


class LocalNsd:
    """NSD serving ``zones`` (zone name -> complete zone file text) on ``host``."""

    def __init__(
        self,
        zones: Mapping[str, str],
        directory: Path,
        *,
        host: str = "127.0.0.1",
        startup_timeout: float = 30.0,
    ) -> None:
        if not zones:
            raise ValueError("NSD needs at least one zone")
        self.zones = {normalise_name(name): text for name, text in zones.items()}
        self.directory = directory
        self.host = host
        self.startup_timeout = startup_timeout
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def resolver(self) -> Resolver:
        """Where to send queries."""
        if not self.port:
            raise NsdFailed("NSD is not running")
        return Resolver(self.host, self.port)

    @property
    def log_path(self) -> Path:
        """NSD's log (and its console output)."""
        return self.directory / "nsd.log"

    def start(self) -> LocalNsd:
        """Write the files, start NSD and wait until it answers for every zone."""
        binary = find_nsd()
        if binary is None:
            raise NsdMissing(f"nsd is not installed: {INSTALL_HINT}")
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, text in self.zones.items():
            (self.directory / f"{name}.zone").write_text(text, encoding="utf-8")
        problem = ""
        for _ in range(START_ATTEMPTS):
            self.port = _free_port(self.host)
            self._write_config()
            problem, retry = self._launch(binary)
            if not problem:
                return self
            self.close()
            if not retry:
                break
        raise NsdFailed(f"NSD did not start: {problem}")

    def close(self) -> None:
        """Stop NSD (SIGTERM, then SIGKILL to its process group) and wait for it."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        # NSD's main process exits before its server and xfrd children: wait for them too
        # (they share its process group, which start_new_session gave the id of NSD's pid).
        deadline = time.monotonic() + 5
        while _group_running(process.pid):
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                break
            time.sleep(0.02)

    def __enter__(self) -> LocalNsd:
        return self.start() if self._process is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------
    def _write_config(self) -> None:
        folder = str(self.directory)
        server = [
            "server:",
            f"  ip-address: {self.host}@{self.port}",
            f"  port: {self.port}",
            '  username: ""',
            '  chroot: ""',
            f'  zonesdir: "{folder}"',
            '  database: ""',
            f'  zonelistfile: "{folder}/zone.list"',
            f'  xfrdfile: "{folder}/xfrd.state"',
            f'  xfrdir: "{folder}"',
            f'  pidfile: "{folder}/nsd.pid"',
            f'  logfile: "{folder}/nsd.log"',
            "  server-count: 1",
            "  reuseport: no",
            "  hide-version: yes",
            "  verbosity: 1",
            "  zonefiles-write: 0",
            "  minimal-responses: yes",
            "remote-control:",
            "  control-enable: no",
        ]
        zones = [
            line
            for name in self.zones
            for line in ("zone:", f"  name: {name}", f'  zonefile: "{name}.zone"')
        ]
        (self.directory / "nsd.conf").write_text("\n".join(server + zones) + "\n")

    def _launch(self, binary: str) -> tuple[str, bool]:
        """Start NSD: ``("", False)`` once it answers, else why not and whether another port
        may help (the one picked was taken in the meantime)."""
        self.log_path.unlink(missing_ok=True)
        with open(self.directory / "console.log", "wb") as console:
            self._process = subprocess.Popen(
                [
                    binary,
                    "-d",
                    "-c",
                    str(self.directory / "nsd.conf"),
                    "-P",
                    str(self.directory / "nsd.pid"),
                ],
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        names = list(self.zones)
        probes = [names[0], names[-1]] if len(names) > 1 else names
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                logs = self._logs()
                return f"it exited with status {self._process.returncode}: {logs}", (
                    "already in use" in logs
                )
            errors = [line for line in self._logs().split(" | ") if "error:" in line]
            if errors:
                return "; ".join(errors), False
            if all(self._answers(name) for name in probes):
                return "", False
            time.sleep(0.05)
        return f"no answer within {self.startup_timeout:g} s: {self._logs()}", False

    def _answers(self, zone: str) -> bool:
        query = dns.message.make_query(zone + ".", "SOA")
        try:
            response = dns.query.udp(query, self.host, timeout=0.2, port=self.port)
        except (dns.exception.DNSException, OSError):
            return False
        return response.rcode() == dns.rcode.NOERROR and bool(response.answer)

    def _logs(self) -> str:
        parts = []
        for path in (self.directory / "console.log", self.log_path):
            try:
                parts.append(path.read_text(encoding="utf-8", errors="replace").strip())
            except OSError:
                continue
        lines = [line.strip() for part in parts for line in part.splitlines() if line.strip()]
        return " | ".join(lines)[-2000:] or "no log"


def _group_running(group: int) -> bool:
    """Whether a process of process group ``group`` is still running (zombies excluded).

    Reads ``/proc``; where there is none, answers False (nothing to wait for).
    """
    try:
        entries = os.listdir("/proc")
    except OSError:
        return False
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue
        # After the command name: state, ppid, pgrp, ...
        if len(fields) > 2 and fields[2] == str(group) and fields[0] not in ("Z", "X"):
            return True
    return False


def _free_port(host: str) -> int:
    """A port free for both UDP and TCP on ``host`` right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(50):
        with socket.socket(family, socket.SOCK_STREAM) as tcp:
            tcp.bind((host, 0))
            port = int(tcp.getsockname()[1])
            with socket.socket(family, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind((host, port))
                except OSError:
                    continue
        return port
    raise NsdFailed(f"no free port on {host}")

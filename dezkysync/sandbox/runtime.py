"""The embedded sandbox: the three emulators with their state persisted in a directory.

``open_sandbox(DIR)`` gives in-process transports (no sockets) for ``--sandbox``;
``dezkysync sandbox serve`` serves the same emulators on loopback ports. Either way the state
lives in ``DIR/<service>.json``, written atomically, and the service tokens in
``DIR/credentials.json`` (mode 0600). One process at a time owns a sandbox directory (an
exclusive lock on ``DIR/.lock``).

In-process, the state is written after every request that may change it, before the answer
returns: the client and the "server" are one process, so a run killed halfway must find every
write it saw acknowledged (the crash-convergence tests rely on it). A served sandbox
(``deferred_writes``) writes in the background instead, coalescing a burst of requests into one
write a fraction of a second later, and on exit: rewriting the whole state after each of
thousands of seeding requests would make seeding quadratic.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx

from dezkysync.files import write_atomically
from dezkysync.sandbox._wsgi import Emulator, SandboxTransport

SERVICES: tuple[str, ...] = ("stalwart", "authentik", "ocis")
ENV_PREFIX = {"stalwart": "STALWART", "authentik": "AUTHENTIK", "ocis": "OCIS"}
IN_PROCESS_URLS = {service: f"http://{service}.sandbox.invalid" for service in SERVICES}


class SandboxError(Exception):
    """The sandbox directory cannot be used (locked, unreadable, corrupt)."""


def _emulator_factories() -> dict[str, Callable[[str], Emulator]]:
    from dezkysync.sandbox.authentik import AuthentikEmulator
    from dezkysync.sandbox.ocis import OcisEmulator
    from dezkysync.sandbox.stalwart import StalwartEmulator

    return {
        "stalwart": lambda token: StalwartEmulator(token=token),
        "authentik": lambda token: AuthentikEmulator(token=token),
        "ocis": lambda token: OcisEmulator(token=token),
    }


class SandboxSession:
    """The emulators of one sandbox directory, loaded and locked; persists on every write."""

    def __init__(
        self, directory: Path, *, deferred_writes: bool = False, flush_interval: float = 0.3
    ) -> None:
        self.directory = directory
        self.deferred_writes = deferred_writes
        self.flush_interval = flush_interval
        self._dirty: set[str] = set()
        self._dirty_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._writer: threading.Thread | None = None
        self._lock_file: IO[str] | None = None
        self.emulators: dict[str, Emulator] = {}
        self.tokens: dict[str, str] = {}
        self.transports: dict[str, httpx.BaseTransport] = {}
        self.env: dict[str, str] = {}
        self._persist_lock = threading.Lock()

    # -- life cycle -------------------------------------------------------------------
    def open(self) -> SandboxSession:
        """Lock the directory and load (or create) every emulator's state."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SandboxError(f"cannot create sandbox directory {self.directory}: {exc}") from exc
        self._lock()
        try:
            self.tokens = self._load_tokens()
            factories = _emulator_factories()
            for service in SERVICES:
                emulator = factories[service](self.tokens[service])
                self._restore(service, emulator)
                emulator.on_write = self._mark_dirty if self.deferred_writes else self._persist
                self.emulators[service] = emulator
                self.transports[service] = SandboxTransport(emulator)
        except BaseException:
            self.close()
            raise
        self.env = self.service_env(IN_PROCESS_URLS)
        if self.deferred_writes:
            self._writer = threading.Thread(
                target=self._write_in_background, name="sandbox-state-writer", daemon=True
            )
            self._writer.start()
        return self

    def close(self) -> None:
        """Persist every emulator and release the lock."""
        if self._writer is not None:
            self._stopping = True
            self._wake.set()
            self._writer.join(timeout=30)
            self._writer = None
        try:
            for emulator in self.emulators.values():
                self._persist(emulator)
        finally:
            if self._lock_file is not None:
                self._lock_file.close()
                self._lock_file = None

    def __enter__(self) -> SandboxSession:
        return self.open() if self._lock_file is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- what clients need --------------------------------------------------------------
    def service_env(self, urls: dict[str, str]) -> dict[str, str]:
        """The environment variables dezkysync reads, for the given base URLs."""
        env: dict[str, str] = {}
        for service in SERVICES:
            env[f"{ENV_PREFIX[service]}_URL"] = urls[service]
            env[f"{ENV_PREFIX[service]}_TOKEN"] = self.tokens[service]
        return env

    def reset(self) -> None:
        """Forget every object: each emulator back to a fresh install (tokens kept)."""
        factories = _emulator_factories()
        for service in SERVICES:
            fresh = factories[service](self.tokens[service])
            emulator = self.emulators[service]
            with emulator.lock:
                emulator.restore(fresh.snapshot())
            self._persist(emulator)

    # -- internals ----------------------------------------------------------------------
    def _lock(self) -> None:
        handle = open(self.directory / ".lock", "a+", encoding="utf-8")  # noqa: SIM115
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise SandboxError(
                f"the sandbox in {self.directory} is in use by {holder}; stop it first "
                "(or, while `dezkysync sandbox serve` runs, use the environment file it wrote "
                "instead of --sandbox)"
            ) from exc
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        self._lock_file = handle

    def _load_tokens(self) -> dict[str, str]:
        path = self.directory / "credentials.json"
        tokens: dict[str, str] = {}
        if path.exists():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise SandboxError(f"cannot read {path}: {exc}") from exc
            if isinstance(loaded, dict):
                tokens = {k: v for k, v in loaded.items() if isinstance(v, str)}
        missing = [service for service in SERVICES if service not in tokens]
        for service in missing:
            tokens[service] = f"sandbox-{service}-{secrets.token_urlsafe(24)}"
        if missing:
            write_atomically(path, json.dumps(tokens, indent=2).encode())
        return tokens

    def _state_path(self, service: str) -> Path:
        return self.directory / f"{service}.json"

    def _restore(self, service: str, emulator: Emulator) -> None:
        path = self._state_path(service)
        if not path.exists():
            return
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            with emulator.lock:
                emulator.restore(data)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SandboxError(
                f"the sandbox state {path} is unreadable ({exc}); "
                "`dezkysync sandbox reset` starts afresh"
            ) from exc

    def _mark_dirty(self, emulator: Emulator) -> None:
        with self._dirty_lock:
            self._dirty.add(emulator.service)
        self._wake.set()

    def _write_in_background(self) -> None:
        while not self._stopping:
            self._wake.wait()
            if self._stopping:
                return  # close() writes everything
            time.sleep(self.flush_interval)  # let a burst of requests finish first
            self._wake.clear()
            with self._dirty_lock:
                dirty, self._dirty = self._dirty, set()
            for service in sorted(dirty):
                try:
                    self._persist(self.emulators[service])
                except OSError as exc:  # keep serving; the next write or close() retries
                    with self._dirty_lock:
                        self._dirty.add(service)
                    print(f"sandbox: cannot save the {service} state: {exc}", file=sys.stderr)

    def _persist(self, emulator: Emulator) -> None:
        # One writer at a time, so an older snapshot never replaces a newer one.
        with self._persist_lock:
            with emulator.lock:
                data = json.dumps(emulator.snapshot(), separators=(",", ":")).encode()
            write_atomically(self._state_path(emulator.service), data)


def open_sandbox(directory: Path) -> SandboxSession:
    """Open (lock and load) the sandbox in ``directory``; close it, or use ``with``."""
    return SandboxSession(directory).open()

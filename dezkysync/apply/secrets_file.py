"""The secrets file: the one-time password of every member created or reset.

JSON, mode 0600, created before any service is touched (a run refuses to start when it cannot
be). Every entry is durable on disk before the run moves on: the whole file is rewritten to a
temporary file (0600), fsynced and renamed over the old one, then the directory is fsynced.
Entries already in the file are never lost: they are read first, and a file that cannot be read
stops the run instead of being overwritten. One writer at a time (an exclusive lock).
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from dezkysync import redact
from dezkysync.files import write_atomically

FORMAT_VERSION = 1
MODE = 0o600


class SecretsFileError(Exception):
    """The secrets file cannot be created, read or written safely."""


@dataclass(frozen=True)
class SecretEntry:
    """One password handed out."""

    tenant: str
    email: str
    login: str
    password: str
    reason: str  # "created", "reset", "recreated"
    time: str

    def __repr__(self) -> str:  # never show the password by accident
        return f"SecretEntry(tenant={self.tenant!r}, email={self.email!r}, reason={self.reason!r})"


def now() -> str:
    """The current UTC time, ISO 8601 with seconds."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class SecretsFile:
    """An open secrets file; use :meth:`open` before touching any service."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._lock_handle: IO[str] | None = None

    @classmethod
    def open(cls, path: Path) -> SecretsFile:
        """Create (0600) or load ``path``; raise :class:`SecretsFileError` when unsafe."""
        secrets_file = cls(path)
        secrets_file._open()
        return secrets_file

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock_path = self.path.with_name(f".{self.path.name}.lock")
            handle = open(lock_path, "a", encoding="utf-8")  # noqa: SIM115
            os.chmod(lock_path, MODE)
        except OSError as exc:
            raise SecretsFileError(f"cannot create the secrets file {self.path}: {exc}") from exc
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.close()
            raise SecretsFileError(
                f"the secrets file {self.path} is in use by another dezkysync run"
            ) from exc
        self._lock_handle = handle
        try:
            if self.path.exists():
                self._load()
            self._write()  # proves we can write it, and fixes its mode to 0600
        except BaseException:
            self.close()
            raise

    def _load(self) -> None:
        try:
            mode = stat.S_IMODE(self.path.stat().st_mode)
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SecretsFileError(
                f"the secrets file {self.path} exists but cannot be read "
                f"({exc.__class__.__name__}); refusing to overwrite it: move it away or hand "
                "over its passwords first"
            ) from None
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise SecretsFileError(
                f"the secrets file {self.path} is not a dezkysync secrets file; refusing to "
                "overwrite it"
            )
        if mode & 0o077:
            # Tighten it right away (the rewrite below keeps 0600).
            os.chmod(self.path, MODE)
        self._entries = [e for e in entries if isinstance(e, dict)]
        for entry in self._entries:
            password = entry.get("password")
            if isinstance(password, str):
                redact.register(password)

    def _write(self) -> None:
        payload = {"format_version": FORMAT_VERSION, "entries": self._entries}
        data = json.dumps(payload, indent=2, ensure_ascii=False).encode() + b"\n"
        try:
            write_atomically(self.path, data, mode=MODE)
        except OSError as exc:
            raise SecretsFileError(f"cannot write the secrets file {self.path}: {exc}") from None

    def record(
        self, *, tenant: str, email: str, login: str, password: str, reason: str
    ) -> SecretEntry:
        """Add one entry and make it durable before returning."""
        redact.register(password)
        entry = SecretEntry(tenant, email, login, password, reason, now())
        with self._lock:
            self._entries.append(asdict(entry))
            self._write()
        return entry

    @property
    def entries(self) -> list[SecretEntry]:
        """Every entry in the file, oldest first."""
        with self._lock:
            return [SecretEntry(**e) for e in self._entries if _complete(e)]

    def close(self) -> None:
        """Release the lock."""
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    def __enter__(self) -> SecretsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _complete(entry: dict[str, Any]) -> bool:
    fields = ("tenant", "email", "login", "password", "reason", "time")
    return all(isinstance(entry.get(f), str) for f in fields)

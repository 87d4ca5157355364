"""The journal: the audit trail of a run, one JSON object per line.

Every change gets a line when it ends (applied, failed, skipped, blocked), with its timing, the
run id and the actor. A line is flushed and fsynced before the run moves on, so a run that dies
halfway still says exactly what it did. Messages pass through :func:`dezkysync.redact.redact`:
the journal never holds a secret.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import threading
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Literal

from dezkysync.apply.secrets_file import now
from dezkysync.redact import redact

Status = Literal["applied", "failed", "skipped", "blocked", "started", "finished", "recorded"]


def actor_from_environment(env: Mapping[str, str] | None = None) -> str:
    """Who runs dezkysync: the CI's user when in CI, else ``user@host``."""
    env = os.environ if env is None else env
    for variable, system in (
        ("GITHUB_ACTOR", "github"),
        ("GITLAB_USER_LOGIN", "gitlab"),
        ("BUILDKITE_BUILD_CREATOR_EMAIL", "buildkite"),
        ("CIRCLE_USERNAME", "circleci"),
        ("DEZKYSYNC_ACTOR", None),
    ):
        value = env.get(variable)
        if value:
            return f"{system}:{value}" if system else value
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


class Journal:
    """An append-only JSON-lines journal (or a no-op when ``path`` is None)."""

    def __init__(self, path: Path | None, *, command: str, actor: str | None = None) -> None:
        self.path = path
        self.run_id = uuid.uuid4().hex[:12]
        self.command = command
        self.actor = actor or actor_from_environment()
        self._lock = threading.Lock()
        self._handle: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(path, "a", encoding="utf-8")  # noqa: SIM115

    def write(self, status: Status, **fields: Any) -> None:
        """Append one durable line."""
        entry: dict[str, Any] = {
            "time": now(),
            "run": self.run_id,
            "command": self.command,
            "actor": self.actor,
            "status": status,
        }
        entry.update(fields)
        line = redact(json.dumps(entry, ensure_ascii=False, sort_keys=False, default=str))
        if self._handle is None:
            return
        with self._lock:
            self._handle.write(line + "\n")
            self._handle.flush()
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        """Close the file."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

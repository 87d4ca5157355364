"""Fixtures for the apply tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.apply.support import Stack


@pytest.fixture
def stack() -> Iterator[Stack]:
    """Fresh emulators on loopback sockets (DKIM keys after 50 ms)."""
    running = Stack.start()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with no dezkysync.yaml, the run's default files landing there."""
    monkeypatch.chdir(tmp_path)
    for variable in ("DEZKYSYNC_CONFIG", "NO_COLOR", "DEZKYSYNC_TEST_KILL_AFTER"):
        monkeypatch.delenv(variable, raising=False)
    return tmp_path

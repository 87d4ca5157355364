"""Fixtures shared by every emulator's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dezkysync.sandbox._wsgi import Emulator
from dezkysync.sandbox.server import RunningServer, serve


@pytest.fixture
def server(emulator: Emulator) -> Iterator[RunningServer]:
    """The test's ``emulator`` fixture on a real loopback socket."""
    with serve(emulator) as running:
        yield running

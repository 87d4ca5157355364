"""Fixtures for the OCIS emulator tests: a fresh install, checked clients in-process and over
a real loopback socket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dezkysync.sandbox.ocis import OcisEmulator
from dezkysync.sandbox.server import RunningServer
from tests.sandbox.ocis.helpers import ADMIN_TOKEN, Graph, in_process


@pytest.fixture
def emulator() -> OcisEmulator:
    """A fresh install: only the admin service user ``dezkysync``."""
    return OcisEmulator(token=ADMIN_TOKEN)


@pytest.fixture
def graph(emulator: OcisEmulator) -> Iterator[Graph]:
    """The admin's checked client, in-process."""
    with in_process(emulator) as client:
        yield client


@pytest.fixture
def http(server: RunningServer) -> Iterator[Graph]:
    """The admin's checked client over the real socket."""
    with Graph(base_url=server.url, token=ADMIN_TOKEN) as client:
        yield client

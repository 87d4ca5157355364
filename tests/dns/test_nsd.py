"""The throwaway NSD helper, and what the DNS tests do when NSD is not installed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import tests.dns.zones as zones
from dezkysync.dns.check import check_domains
from dezkysync.dns.nsd import (
    LocalNsd,
    NsdFailed,
    NsdMissing,
    _group_running,
    authoritative_zone,
)
from dezkysync.dns.records import ExpectedRecord
from dezkysync.dns.resolvers import Resolver
from tests.dns.world import CASES


def test_authoritative_zone_adds_soa_and_ns() -> None:
    record = ExpectedRecord("spf", "a.test", "TXT", ("v=spf1 mx -all",))
    text = authoritative_zone("A.test.", record.zone_lines())
    lines = text.splitlines()
    assert lines[0] == "$TTL 300"
    assert lines[1].startswith("a.test. IN SOA ns.a.test. hostmaster.a.test. 1 ")
    assert lines[-1] == 'a.test. IN TXT "v=spf1 mx -all"'


@pytest.mark.dns
def test_broken_zone_fails_fast_with_nsds_own_words(tmp_path: Path) -> None:
    zones.require_nsd()
    server = LocalNsd({"bad.test": "this is not a zone\n"}, tmp_path, startup_timeout=20)
    with pytest.raises(NsdFailed, match=r"bad\.test\.zone:1: syntax error"):
        server.start()
    assert server._process is None  # stopped again


@pytest.mark.dns
def test_stop_leaves_no_process_behind(tmp_path: Path) -> None:
    zones.require_nsd()
    with LocalNsd({"a.test": authoritative_zone("a.test", [])}, tmp_path) as server:
        pid = int((tmp_path / "nsd.pid").read_text().strip() or 0)
        assert pid > 0
        assert server.resolver.port == server.port
        assert _group_running(pid)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not _group_running(pid)  # nor any of its children (server, xfrd)


def test_no_nsd_means_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("dezkysync.dns.nsd.find_nsd", lambda: None)
    with pytest.raises(NsdMissing, match="scripts/install-dns-server"):
        LocalNsd({"a.test": ""}, tmp_path).start()


def test_without_nsd_dns_tests_skip_or_fail_under_require_specs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(zones, "find_nsd", lambda: None)
    monkeypatch.delenv("DEZKYSYNC_REQUIRE_SPECS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="scripts/install-dns-server"):
        zones.require_nsd()
    monkeypatch.setenv("DEZKYSYNC_REQUIRE_SPECS", "1")
    with pytest.raises(pytest.fail.Exception, match="scripts/install-dns-server"):
        zones.require_nsd()


def test_needs_a_zone(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        LocalNsd({}, tmp_path)


def test_the_loopback_guard_stops_queries_leaving_the_host() -> None:
    expectation = CASES["good.test"].expectation
    with pytest.raises(AssertionError, match="loopback only"):
        check_domains([expectation], [Resolver("192.0.2.1")], timeout=0.1)

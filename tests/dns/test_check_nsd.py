"""check_domains against a real authoritative server (NSD on loopback)."""

from __future__ import annotations

import time
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import pytest

from dezkysync.dns.check import check_domains
from dezkysync.dns.expected import expect_domain
from dezkysync.dns.nsd import LocalNsd
from dezkysync.dns.report import DnsReport, DomainResult, RecordResult
from dezkysync.dns.resolvers import Resolver, parse_resolver
from dezkysync.tenants.model import Domain
from tests.dns.world import CASES, FINE, TENANT
from tests.dns.zones import (
    SALT,
    datagrams_waiting,
    ipv6_loopback_available,
    require_nsd,
    silent_resolver,
    stalwart_zone_file,
)

pytestmark = pytest.mark.dns


@pytest.fixture(scope="module")
def report(nsd: LocalNsd) -> DnsReport:
    expectations = [case.expectation for case in CASES.values()]
    return check_domains(expectations, [nsd.resolver], timeout=2.0)


def _domain(report: DnsReport, name: str) -> DomainResult:
    return next(d for d in report.domains if d.domain == name)


def _record(report: DnsReport, name: str, label: str) -> RecordResult:
    return next(r for r in _domain(report, name).records if r.expected.label == label)


def test_correct_domains_need_no_attention(report: DnsReport) -> None:
    for name in FINE:
        domain = _domain(report, name)
        assert not domain.needs_attention, [(r.expected.label, r.detail) for r in domain.records]
        assert {r.status for r in domain.records} == {"ok"}
    assert {r.expected.kind for r in _domain(report, "good.test").records} == {
        "mx",
        "spf",
        "dkim",
        "dmarc",
        "ownership",
    }


def test_summary_counts_domains_needing_attention(report: DnsReport) -> None:
    assert report.needs_attention
    assert report.attention_count == len(CASES) - len(FINE)
    assert report.summary() == f"{len(CASES) - len(FINE)} of {len(CASES)} domains need attention"
    flagged = {d.domain for d in report.domains if d.needs_attention}
    assert flagged == set(CASES) - FINE


def test_missing_dkim_is_nxdomain(report: DnsReport) -> None:
    domain = _domain(report, "nodkim.test")
    broken = domain.attention
    assert [r.expected.label for r in broken] == ["DKIM v1-rsa-20260708"]
    assert broken[0].status == "missing"
    assert "v1-rsa-20260708._domainkey.nodkim.test does not exist (NXDOMAIN)" in broken[0].detail
    assert _record(report, "nodkim.test", "DKIM v1-ed25519-20260708").ok


def test_missing_mx_on_an_existing_name_is_nodata(report: DnsReport) -> None:
    record = _record(report, "nomx.test", "MX")
    assert record.status == "missing"
    assert record.detail.endswith("nomx.test exists but has no MX record (NODATA)")


def test_weaker_dmarc_than_the_tenant_file_asks(report: DnsReport) -> None:
    domain = _domain(report, "weakdmarc.test")
    assert [r.expected.label for r in domain.attention] == ["DMARC"]
    record = domain.attention[0]
    assert record.status == "mismatch"
    assert "p=none is weaker than the expected p=quarantine" in record.detail
    assert record.expected.text.startswith("v=DMARC1; p=quarantine;")


def test_two_spf_records(report: DnsReport) -> None:
    record = _record(report, "twospf.test", "SPF")
    assert record.status == "duplicate"
    assert len(record.findings[0].found) == 2


def test_wrong_mx(report: DnsReport) -> None:
    record = _record(report, "wrongmx.test", "MX")
    assert record.status == "mismatch"
    assert "no MX for mx.platform.test" in record.detail
    assert "unexpected MX 10 mail.other-provider.test" in record.detail
    assert record.findings[0].found == ("10 mail.other-provider.test.",)


def test_long_rsa_key_split_over_strings_matches(nsd: LocalNsd, report: DnsReport) -> None:
    record = _record(report, "longkey.test", "DKIM big")
    assert record.ok
    # NSD really serves the key as several strings (split every 100 bytes, not at 255).
    query = dns.message.make_query("big._domainkey.longkey.test.", "TXT", use_edns=0, payload=4096)
    response = dns.query.udp(query, nsd.host, port=nsd.port, timeout=2)
    (rdata,) = response.answer[0]
    assert len(rdata.strings) >= 8
    assert max(len(s) for s in rdata.strings) <= 100


def test_answers_too_big_for_udp_are_fetched_over_tcp(nsd: LocalNsd, report: DnsReport) -> None:
    assert _record(report, "bigtxt.test", "ownership").ok
    query = dns.message.make_query(
        "_dezkysync-challenge.bigtxt.test.", "TXT", use_edns=0, payload=1232
    )
    response = dns.query.udp(query, nsd.host, port=nsd.port, timeout=2)
    assert response.flags & dns.flags.TC  # the check's UDP answer was truncated


def test_one_query_per_question_when_all_answer(report: DnsReport) -> None:
    questions = {(r.name, r.rdtype) for c in CASES.values() for r in c.expectation.records}
    assert report.queries == len(questions)


def test_silent_resolver_is_a_resolver_error_not_missing(nsd: LocalNsd) -> None:
    expectation = CASES["good.test"].expectation
    with silent_resolver() as (silent, sock):
        started = time.monotonic()
        report = check_domains([expectation], [nsd.resolver, silent], timeout=0.3)
        elapsed = time.monotonic() - started
        received = datagrams_waiting(sock)

    (domain,) = report.domains
    assert domain.needs_attention
    assert {r.status for r in domain.records} == {"resolver-error"}
    for record in domain.records:
        assert f"{nsd.resolver}: as expected" in record.detail
        assert f"{silent}: no answer within 0.3 s (tried 2 times)" in record.detail
    questions = len({(r.name, r.rdtype) for r in expectation.records})
    assert received == 2 * questions  # every question asked once more after its timeout
    assert elapsed < 2.0  # concurrent: not questions x attempts x timeout


def test_server_refusing_the_zone_is_a_resolver_error(nsd: LocalNsd) -> None:
    text = stalwart_zone_file("unserved.test")
    expectation = expect_domain(TENANT, Domain("unserved.test"), text, salt=SALT)
    report = check_domains([expectation], [nsd.resolver], timeout=1.0)
    statuses = {r.status for r in report.domains[0].records}
    assert statuses == {"resolver-error"}
    assert all(r.detail == f"{nsd.resolver}: REFUSED" for r in report.domains[0].records)
    assert report.queries == len(expectation.records)  # REFUSED is final: no retry


def test_each_resolver_is_asked_once_even_if_named_twice(nsd: LocalNsd) -> None:
    expectation = CASES["good.test"].expectation
    report = check_domains([expectation], [nsd.resolver, nsd.resolver], timeout=1.0)
    assert report.resolvers == (str(nsd.resolver),)
    assert not report.needs_attention


@pytest.mark.skipif(not ipv6_loopback_available(), reason="no IPv6 loopback on this host")
def test_ipv6_resolver(tmp_path: Path) -> None:
    require_nsd()
    case = CASES["good.test"]
    with LocalNsd({"good.test": case.published}, tmp_path, host="::1") as server:
        resolver = parse_resolver(f"[::1]:{server.port}")
        assert resolver == Resolver("::1", server.port)
        report = check_domains([case.expectation], [resolver], timeout=2.0)
    assert not report.needs_attention
    assert report.resolvers == (f"[::1]:{server.port}",)


def test_invalid_arguments() -> None:
    expectation = CASES["good.test"].expectation
    with pytest.raises(ValueError, match="resolver"):
        check_domains([expectation], [], timeout=1.0)
    with pytest.raises(ValueError, match="timeout"):
        check_domains([expectation], [Resolver("127.0.0.1", 9)], timeout=0)

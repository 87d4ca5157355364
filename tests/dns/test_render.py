"""The report as text, JSON and Markdown, and a domain's records as a zone (no server)."""

from __future__ import annotations

import json

import dns.zone

from dezkysync.dns.compare import check_record
from dezkysync.dns.expected import DomainExpectation, expect_domain
from dezkysync.dns.query import Answer, Question
from dezkysync.dns.render import render, render_json, render_markdown, render_text, render_zone
from dezkysync.dns.report import DnsReport, DomainResult
from dezkysync.dns.resolvers import Resolver
from dezkysync.tenants.model import Dmarc, Domain
from tests.dns.zones import SALT, stalwart_zone_file

RESOLVER = Resolver("127.0.0.1", 5300)


def _answer_all(expectation: DomainExpectation) -> dict[str, Answer]:
    """Answers publishing exactly what is expected."""
    answers: dict[str, Answer] = {}
    for record in expectation.records:
        question = Question(record.name, record.rdtype)
        if record.rdtype == "MX":
            answers[record.label] = Answer(RESOLVER, question, "answer", exchanges=record.exchanges)
        else:
            answers[record.label] = Answer(RESOLVER, question, "answer", texts=record.values)
    return answers


def _result(expectation: DomainExpectation, answers: dict[str, Answer]) -> DomainResult:
    return DomainResult(
        tenant=expectation.tenant,
        domain=expectation.domain,
        records=tuple(check_record(r, [answers[r.label]]) for r in expectation.records),
        problem=expectation.problem,
    )


def _report() -> DnsReport:
    fine = expect_domain(
        "acme", Domain("acme.example"), stalwart_zone_file("acme.example"), salt=SALT
    )
    broken = expect_domain(
        "globex",
        Domain("globex.example", dmarc=Dmarc("reject")),
        stalwart_zone_file("globex.example"),
        salt=SALT,
    )
    answers = _answer_all(broken)
    rsa = next(r for r in broken.records if r.selector == "v1-rsa-20260708")
    answers[rsa.label] = Answer(RESOLVER, Question(rsa.name, "TXT"), "nxdomain")
    answers["MX"] = Answer(
        RESOLVER, Question("globex.example", "MX"), "failed", error="odd | answer (tried 2 times)"
    )
    return DnsReport(
        domains=(_result(fine, _answer_all(fine)), _result(broken, answers)),
        resolvers=(str(RESOLVER),),
        queries=12,
    )


def test_text() -> None:
    text = render_text(_report())
    lines = text.splitlines()

    assert lines[0] == "ok  acme.example (tenant acme): 6 records as expected"
    assert lines[1] == "!!  globex.example (tenant globex)"
    assert lines[-1] == "1 of 2 domains need attention"
    assert lines[-2] == "resolvers: 127.0.0.1:5300 (12 queries)"
    assert "v1-rsa-20260708._domainkey.globex.example does not exist (NXDOMAIN)" in text
    # The record to publish, in full and split into 255-byte strings, for the missing key:
    assert "          v1-rsa-20260708._domainkey.globex.example. IN TXT (" in lines
    # ...but not for a record only a resolver error left unverified.
    assert "globex.example. IN MX 10 mx.platform.test." not in text
    assert "\x1b[" not in text


def test_text_colour_is_optional() -> None:
    assert "\x1b[" in render(_report(), "text", color=True)


def test_json() -> None:
    data = json.loads(render_json(_report()))

    assert data["summary"] == {
        "domains": 2,
        "need_attention": 1,
        "text": "1 of 2 domains need attention",
    }
    assert data["resolvers"] == ["127.0.0.1:5300"]
    assert data["queries"] == 12
    acme, globex = data["domains"]
    assert acme["needs_attention"] is False
    assert globex["needs_attention"] is True
    statuses = {
        r["kind"] + (":" + r["selector"] if r["selector"] else ""): r["status"]
        for r in globex["records"]
    }
    assert statuses == {
        "mx": "resolver-error",
        "spf": "ok",
        "dkim:v1-ed25519-20260708": "ok",
        "dkim:v1-rsa-20260708": "missing",
        "dmarc": "ok",
        "ownership": "ok",
    }
    rsa = next(r for r in globex["records"] if r["selector"] == "v1-rsa-20260708")
    assert rsa["publish"][0] == "v1-rsa-20260708._domainkey.globex.example. IN TXT ("
    assert rsa["resolvers"] == [
        {
            "resolver": "127.0.0.1:5300",
            "status": "missing",
            "detail": "v1-rsa-20260708._domainkey.globex.example does not exist (NXDOMAIN)",
            "found": [],
        }
    ]
    dmarc = next(r for r in globex["records"] if r["kind"] == "dmarc")
    assert dmarc["expected"] == ["v=DMARC1; p=reject; rua=mailto:postmaster@globex.example"]


def test_markdown() -> None:
    text = render_markdown(_report())

    assert text.startswith("### DNS check: 1 of 2 domains need attention\n")
    assert "| `acme.example` | acme | ok |" in text
    assert "| `globex.example` | globex | **needs attention** |" in text
    assert "#### `globex.example` (tenant globex)" in text
    assert (
        "| DKIM v1-rsa-20260708 | `v1-rsa-20260708._domainkey.globex.example` | **missing** |"
        in text
    )
    # A pipe in a detail never breaks the table:
    assert "| **resolver-error** | 127.0.0.1:5300: odd \\| answer (tried 2 times) |" in text
    assert "```dns\nv1-rsa-20260708._domainkey.globex.example. IN TXT (" in text
    assert "#### `acme.example`" not in text  # fine domains only in the summary table


def test_empty_report() -> None:
    report = DnsReport(domains=(), resolvers=("1.1.1.1",), queries=0)
    assert not report.needs_attention
    assert render_text(report).endswith("0 of 0 domains need attention\n")
    assert json.loads(render_json(report))["domains"] == []


def test_zone_output_parses_and_has_every_record() -> None:
    expectation = expect_domain(
        "acme",
        Domain("acme.example", dmarc=Dmarc("quarantine")),
        stalwart_zone_file("acme.example"),
        salt=SALT,
    )
    text = render_zone(expectation)

    assert text.startswith("; records to publish for acme.example (tenant acme)\n")
    zone = dns.zone.from_text(
        "$TTL 300\n" + text, origin="acme.example.", relativize=False, check_origin=False
    )
    names = {name.to_text() for name, _ in zone.iterate_rdatasets()}
    assert {
        "acme.example.",
        "v1-rsa-20260708._domainkey.acme.example.",
        "_dmarc.acme.example.",
        "_dezkysync-challenge.acme.example.",
        "_imaps._tcp.acme.example.",
    } <= names
    dmarc = zone.get_rdataset("_dmarc.acme.example.", "TXT")
    assert dmarc is not None
    assert b"".join(next(iter(dmarc)).strings).startswith(b"v=DMARC1; p=quarantine;")


def test_zone_output_without_tenant_says_what_is_left_out() -> None:
    expectation = expect_domain(
        None, Domain("acme.example"), stalwart_zone_file("acme.example"), salt=SALT
    )
    text = render_zone(expectation)
    assert "ownership record and the tenant's DMARC policy are left out" in text
    assert "_dezkysync-challenge" not in text

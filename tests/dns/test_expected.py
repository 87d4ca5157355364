"""What each domain must publish: Stalwart's records, the tenant's DMARC, the ownership token."""

from __future__ import annotations

from pathlib import Path

import pytest

from dezkysync.dns.expected import dmarc_text, expect_domain, expect_tenants
from dezkysync.dns.ownership import ownership_token
from dezkysync.tenants.model import Dmarc, Domain, Tenant
from tests.dns.zones import CAPTURED_ZONE, SALT, stalwart_zone_file


def _tenant(slug: str, *domains: Domain, state: str = "present") -> Tenant:
    return Tenant(
        slug=slug,
        name=slug.title(),
        state=state,  # type: ignore[arg-type]
        domains=domains,
        members=(),
        lists=(),
        source=Path(f"{slug}.yaml"),
    )


def test_records_from_the_captured_zone_file() -> None:
    expectation = expect_domain("acme", Domain("example.org"), CAPTURED_ZONE, salt=SALT)

    assert expectation.problem is None
    assert [(r.kind, r.name, r.rdtype) for r in expectation.records] == [
        ("mx", "example.org", "MX"),
        ("spf", "example.org", "TXT"),
        ("dkim", "tm1._domainkey.example.org", "TXT"),
        ("dkim", "tm2._domainkey.example.org", "TXT"),
        ("dkim", "v1-ed25519-20260708._domainkey.example.org", "TXT"),
        ("dkim", "v1-rsa-20260708._domainkey.example.org", "TXT"),
        ("dmarc", "_dmarc.example.org", "TXT"),
        ("ownership", "_dezkysync-challenge.example.org", "TXT"),
    ]
    by_kind = {r.kind: r for r in expectation.records}
    assert by_kind["mx"].values == ("10 localhost.",)
    assert by_kind["spf"].values == ("v=spf1 mx -all",)
    assert by_kind["dmarc"].values == ("v=DMARC1; p=reject; rua=mailto:postmaster@example.org",)
    assert by_kind["ownership"].values == (ownership_token("acme", "example.org", SALT),)
    assert expectation.records[2].selector == "tm1"
    assert expectation.records[2].label == "DKIM tm1"
    assert len(expectation.other_records) == 13


def test_tenant_dmarc_policy_takes_precedence() -> None:
    domain = Domain("example.org", dmarc=Dmarc("quarantine"))
    records = expect_domain("acme", domain, CAPTURED_ZONE, salt=SALT).records
    dmarc = next(r for r in records if r.kind == "dmarc")
    # Stalwart's rua stays: the tenant file only named a policy.
    assert dmarc.text == "v=DMARC1; p=quarantine; rua=mailto:postmaster@example.org"


def test_tenant_dmarc_rua_ruf_and_pct_replace_stalwarts() -> None:
    override = Dmarc("none", rua="mailto:d@acme.example", ruf="mailto:f@acme.example", pct=50)
    assert dmarc_text("v=DMARC1; p=reject; rua=mailto:postmaster@acme.example", override) == (
        "v=DMARC1; p=none; rua=mailto:d@acme.example; ruf=mailto:f@acme.example; pct=50"
    )


@pytest.mark.parametrize(
    ("stalwart", "override", "expected"),
    [
        (None, None, None),
        ("v=DMARC1; p=reject", None, "v=DMARC1; p=reject"),
        (None, Dmarc("reject"), "v=DMARC1; p=reject"),
        (
            None,
            Dmarc("quarantine", rua="mailto:r@a.example"),
            "v=DMARC1; p=quarantine; rua=mailto:r@a.example",
        ),
        # p= belongs right after v= (RFC 7489 §6.4), even when Stalwart's record lacks it.
        (
            "v=DMARC1; rua=mailto:r@a.example",
            Dmarc("none"),
            "v=DMARC1; p=none; rua=mailto:r@a.example",
        ),
        ("V=dmarc1;p=reject;adkim=s", Dmarc("quarantine"), "v=DMARC1; p=quarantine; adkim=s"),
    ],
)
def test_dmarc_text(stalwart: str | None, override: Dmarc | None, expected: str | None) -> None:
    assert dmarc_text(stalwart, override) == expected


def test_domain_not_in_stalwart_yet() -> None:
    domain = Domain("new.example", dmarc=Dmarc("reject"))
    expectation = expect_domain("acme", domain, None, salt=SALT)

    assert expectation.problem is not None
    assert "Stalwart has no domain new.example" in expectation.problem
    assert [r.kind for r in expectation.records] == ["dmarc", "ownership"]


def test_unreadable_zone_file_is_a_domain_problem_not_a_crash() -> None:
    expectation = expect_domain("acme", Domain("example.org"), "example.org. IN MX x\n", salt=SALT)
    assert expectation.problem is not None
    assert "not valid BIND syntax" in expectation.problem
    assert [r.kind for r in expectation.records] == ["ownership"]


def test_without_a_tenant_there_is_no_ownership_record() -> None:
    expectation = expect_domain(None, Domain("example.org"), CAPTURED_ZONE, salt=SALT)
    assert "ownership" not in {r.kind for r in expectation.records}


def test_expect_tenants_covers_present_tenants_only() -> None:
    acme = _tenant("acme", Domain("acme.example", primary=True), Domain("acme-mail.example"))
    gone = _tenant("gone", Domain("gone.example", primary=True), state="absent")
    zone_files = {
        "acme.example": stalwart_zone_file("acme.example"),
        "acme-mail.example": None,
        "gone.example": stalwart_zone_file("gone.example"),
    }

    expectations = expect_tenants([acme, gone], zone_files, salt=SALT)

    assert [(e.tenant, e.domain) for e in expectations] == [
        ("acme", "acme.example"),
        ("acme", "acme-mail.example"),
    ]
    assert expectations[0].problem is None
    assert expectations[1].problem is not None


def test_zone_lines_list_checked_records_then_the_others() -> None:
    expectation = expect_domain("acme", Domain("example.org"), CAPTURED_ZONE, salt=SALT)
    lines = expectation.zone_lines()
    marker = lines.index("; also in Stalwart's zone file (not checked by dezkysync)")
    assert any(
        line.startswith("_dezkysync-challenge.example.org. IN TXT") for line in lines[:marker]
    )
    assert "autodiscover.example.org. IN CNAME localhost." in lines[marker:]

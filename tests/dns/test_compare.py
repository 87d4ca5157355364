"""Judging answers against expected records, without a server: each kind, each status, and
how the verdicts of several resolvers combine."""

from __future__ import annotations

import pytest

from dezkysync.dns.compare import check_record, judge
from dezkysync.dns.ownership import ownership_record, ownership_token
from dezkysync.dns.query import Answer, Question
from dezkysync.dns.records import ExpectedRecord, Mx
from dezkysync.dns.resolvers import Resolver
from tests.dns.zones import SALT, dkim_text, rsa_key

ONE = Resolver("127.0.0.1", 5301)
TWO = Resolver("127.0.0.2", 5302)

MX = ExpectedRecord("mx", "acme.example", "MX", ("10 mx1.platform.test.", "20 mx2.platform.test."))
SPF = ExpectedRecord("spf", "acme.example", "TXT", ("v=spf1 mx -all",))
KEY = rsa_key("acme")
DKIM = ExpectedRecord("dkim", "s1._domainkey.acme.example", "TXT", (dkim_text(KEY),), selector="s1")
DMARC = ExpectedRecord(
    "dmarc", "_dmarc.acme.example", "TXT", ("v=DMARC1; p=quarantine; rua=mailto:d@acme.example",)
)
OWNERSHIP = ownership_record("acme", "acme.example", SALT)
TOKEN = ownership_token("acme", "acme.example", SALT)


def txt(expected: ExpectedRecord, *texts: str, resolver: Resolver = ONE) -> Answer:
    return Answer(resolver, Question(expected.name, "TXT"), "answer", texts=texts)


def mx(*exchanges: tuple[int, str], resolver: Resolver = ONE) -> Answer:
    found = tuple(sorted(Mx(p, h) for p, h in exchanges))
    return Answer(resolver, Question(MX.name, "MX"), "answer", exchanges=found)


def outcome(
    expected: ExpectedRecord, kind: str, resolver: Resolver = ONE, error: str = ""
) -> Answer:
    return Answer(
        resolver,
        Question(expected.name, expected.rdtype),
        kind,  # type: ignore[arg-type]
        error=error or None,
    )


# -- negative answers and failing resolvers ------------------------------------------------
def test_nxdomain_and_nodata_are_missing_with_different_details() -> None:
    nx = judge(DKIM, outcome(DKIM, "nxdomain"))
    nodata = judge(MX, outcome(MX, "nodata"))
    assert nx.status == nodata.status == "missing"
    assert nx.detail == "s1._domainkey.acme.example does not exist (NXDOMAIN)"
    assert nodata.detail == "acme.example exists but has no MX record (NODATA)"


@pytest.mark.parametrize("error", ["no answer within 0.5 s (tried 2 times)", "REFUSED", "SERVFAIL"])
def test_a_failing_resolver_is_a_resolver_error_never_missing(error: str) -> None:
    for expected in (MX, SPF, DKIM, DMARC, OWNERSHIP):
        result = check_record(expected, [outcome(expected, "failed", error=error)])
        assert result.status == "resolver-error"
        assert result.detail == f"127.0.0.1:5301: {error}"


# -- MX --------------------------------------------------------------------------------------
def test_mx_as_expected() -> None:
    verdict = judge(MX, mx((20, "MX2.platform.test"), (10, "mx1.platform.test")))
    assert verdict.status == "ok"
    assert verdict.found == ("10 mx1.platform.test.", "20 mx2.platform.test.")


@pytest.mark.parametrize(
    ("published", "detail"),
    [
        ([(10, "mx1.platform.test")], "no MX for mx2.platform.test"),
        (
            [(10, "mx1.platform.test"), (30, "mx2.platform.test")],
            "mx2.platform.test has priority 30, expected 20",
        ),
        (
            [(10, "mx1.platform.test"), (20, "mx2.platform.test"), (5, "old.mail.test")],
            "unexpected MX 5 old.mail.test",
        ),
        (
            [(10, "mail.elsewhere.test")],
            "no MX for mx1.platform.test; no MX for mx2.platform.test;"
            " unexpected MX 10 mail.elsewhere.test",
        ),
        (
            [(10, "mx1.platform.test"), (20, "mx2.platform.test"), (30, "mx2.platform.test")],
            "unexpected MX 30 mx2.platform.test",
        ),
    ],
)
def test_wrong_mx(published: list[tuple[int, str]], detail: str) -> None:
    verdict = judge(MX, mx(*published))
    assert verdict.status == "mismatch"
    assert verdict.detail == detail


# -- SPF -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "published",
    [
        "v=spf1 mx -all",
        "v=spf1 mx ~all",
        "v=spf1 +mx include:_spf.mailer.test -all",
        "V=SPF1 MX -ALL",
    ],
)
def test_spf_as_expected(published: str) -> None:
    assert judge(SPF, txt(SPF, "google-site-verification=abc", published)).status == "ok"


@pytest.mark.parametrize(
    ("published", "detail"),
    [
        ("v=spf1 a -all", "SPF lacks the mechanism mx"),
        ("v=spf1 mx ?all", "SPF ends with ?all, expected -all or ~all at the end"),
        ("v=spf1 mx +all", "SPF ends with all, expected -all or ~all at the end"),
        ("v=spf1 mx", "SPF ends with mx, expected -all or ~all at the end"),
        ("v=spf1", "SPF lacks the mechanism mx; is empty, expected -all or ~all at the end"),
    ],
)
def test_spf_mismatch(published: str, detail: str) -> None:
    verdict = judge(SPF, txt(SPF, published))
    assert (verdict.status, verdict.detail) == ("mismatch", detail)


def test_two_spf_records_are_a_duplicate() -> None:
    verdict = judge(SPF, txt(SPF, "v=spf1 mx -all", "v=spf1 include:_spf.mailer.test ~all"))
    assert verdict.status == "duplicate"
    assert verdict.detail.startswith("2 SPF records")
    assert len(verdict.found) == 2


def test_no_spf_among_other_txt_records() -> None:
    verdict = judge(SPF, txt(SPF, "google-site-verification=abc", "v=spf10 nope"))
    assert verdict.status == "missing"
    assert verdict.detail == "no SPF record (TXT starting with v=spf1) among 2 other TXT records"


# -- DKIM ------------------------------------------------------------------------------------
def test_dkim_key_with_folded_whitespace_matches() -> None:
    folded = f"v=DKIM1; k=rsa;\tp={KEY[:100]} {KEY[100:300]}\t{KEY[300:]} "
    assert judge(DKIM, txt(DKIM, folded)).status == "ok"


def test_dkim_without_version_tag_is_still_a_key_record() -> None:
    assert judge(DKIM, txt(DKIM, f"k=rsa; p={KEY}")).status == "ok"


def test_dkim_other_key_is_a_mismatch() -> None:
    other = rsa_key("someone else")
    verdict = judge(DKIM, txt(DKIM, dkim_text(other)))
    assert verdict.status == "mismatch"
    assert f"…{other[-12:]}" in verdict.detail
    assert f"…{KEY[-12:]}" in verdict.detail


def test_dkim_revoked_key_is_a_mismatch() -> None:
    verdict = judge(DKIM, txt(DKIM, "v=DKIM1; k=rsa; p="))
    assert verdict.status == "mismatch"
    assert "revoked" in verdict.detail


def test_two_dkim_records_for_one_selector_are_a_duplicate() -> None:
    verdict = judge(DKIM, txt(DKIM, dkim_text(KEY), dkim_text(rsa_key("old"))))
    assert verdict.status == "duplicate"


def test_dkim_name_with_only_unrelated_txt_is_missing() -> None:
    verdict = judge(DKIM, txt(DKIM, "hello"))
    assert verdict.status == "missing"
    assert "among 1 other TXT record" in verdict.detail


# -- DMARC -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "published",
    [
        "v=DMARC1; p=quarantine; rua=mailto:d@acme.example",
        "v=DMARC1; p=reject; rua=mailto:d@acme.example",  # stronger is fine
        "v=DMARC1;p=QUARANTINE;rua=mailto:other@x.test,MAILTO:d@ACME.example!10m",
        "v=DMARC1; p=quarantine; pct=100; rua=mailto:d@acme.example; ruf=mailto:f@acme.example",
    ],
)
def test_dmarc_as_expected(published: str) -> None:
    assert judge(DMARC, txt(DMARC, published)).status == "ok"


@pytest.mark.parametrize(
    ("published", "detail"),
    [
        (
            "v=DMARC1; p=none; rua=mailto:d@acme.example",
            "DMARC policy p=none is weaker than the expected p=quarantine",
        ),
        ("v=DMARC1; p=reject", "DMARC rua lacks mailto:d@acme.example"),
        (
            "v=DMARC1; p=reject; rua=mailto:d@acme.example; pct=20",
            "DMARC pct=20 is below the expected 100",
        ),
        (
            "v=DMARC1; p=block; rua=mailto:d@acme.example",
            "DMARC has no valid policy (p=none, quarantine or reject)",
        ),
        (
            "v=DMARC1; rua=mailto:d@acme.example; pct=x",
            "DMARC has no valid policy (p=none, quarantine or reject);"
            " pct is not a number from 0 to 100",
        ),
    ],
)
def test_dmarc_mismatch(published: str, detail: str) -> None:
    verdict = judge(DMARC, txt(DMARC, published))
    assert (verdict.status, verdict.detail) == ("mismatch", detail)


def test_dmarc_expected_pct_and_ruf_are_checked() -> None:
    expected = ExpectedRecord(
        "dmarc",
        "_dmarc.acme.example",
        "TXT",
        ("v=DMARC1; p=none; ruf=mailto:f@acme.example; pct=50",),
    )
    assert (
        judge(expected, txt(expected, "v=DMARC1; p=none; ruf=mailto:f@acme.example; pct=60")).status
        == "ok"
    )
    verdict = judge(expected, txt(expected, "v=DMARC1; p=none; pct=40"))
    assert (
        verdict.detail == "DMARC ruf lacks mailto:f@acme.example; pct=40 is below the expected 50"
    )


def test_two_dmarc_records_are_a_duplicate() -> None:
    verdict = judge(DMARC, txt(DMARC, "v=DMARC1; p=reject", "v=DMARC1; p=none"))
    assert verdict.status == "duplicate"


# -- ownership ---------------------------------------------------------------------------------
def test_ownership_token() -> None:
    assert judge(OWNERSHIP, txt(OWNERSHIP, TOKEN)).status == "ok"
    foreign = ownership_token("globex", "acme.example", SALT)
    assert judge(OWNERSHIP, txt(OWNERSHIP, foreign)).status == "mismatch"
    both = judge(OWNERSHIP, txt(OWNERSHIP, foreign, TOKEN))
    assert both.status == "duplicate"
    assert "1 other verification token" in both.detail
    assert judge(OWNERSHIP, txt(OWNERSHIP, "something else")).status == "missing"


# -- several resolvers -------------------------------------------------------------------------
def test_all_resolvers_agree() -> None:
    result = check_record(
        SPF, [txt(SPF, "v=spf1 mx -all"), txt(SPF, "v=spf1 mx -all", resolver=TWO)]
    )
    assert result.ok
    assert result.detail == ""
    assert [f.resolver for f in result.findings] == ["127.0.0.1:5301", "127.0.0.2:5302"]


def test_one_resolver_lagging_makes_the_record_missing_and_says_which() -> None:
    result = check_record(DKIM, [txt(DKIM, dkim_text(KEY)), outcome(DKIM, "nxdomain", TWO)])
    assert result.status == "missing"
    assert result.detail == (
        "127.0.0.1:5301: as expected; "
        "127.0.0.2:5302: s1._domainkey.acme.example does not exist (NXDOMAIN)"
    )


def test_a_real_problem_outranks_a_resolver_error() -> None:
    result = check_record(
        SPF, [txt(SPF, "v=spf1 a -all"), outcome(SPF, "failed", TWO, "SERVFAIL (tried 2 times)")]
    )
    assert result.status == "mismatch"
    assert "127.0.0.2:5302: SERVFAIL (tried 2 times)" in result.detail


def test_resolvers_with_the_same_verdict_are_named_together() -> None:
    result = check_record(MX, [outcome(MX, "nodata"), outcome(MX, "nodata", TWO)])
    assert result.detail == (
        "127.0.0.1:5301, 127.0.0.2:5302: acme.example exists but has no MX record (NODATA)"
    )


def test_no_answers_at_all_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        check_record(SPF, [])

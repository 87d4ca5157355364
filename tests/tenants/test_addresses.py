"""Domain and address rules: normalisation, syntax, scripts and look-alikes."""

from __future__ import annotations

import pytest

from dezkysync.tenants.addresses import (
    AddressError,
    label_scripts,
    lookup_email,
    normalize_domain,
    normalize_email,
    skeleton,
    u_form,
)


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("acme.example", "acme.example"),
        ("ACME.Example.", "acme.example"),
        ("Bücher.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.EXAMPLE", "xn--bcher-kva.example"),
        ("ｆｕｌｌｗｉｄｔｈ.example", "fullwidth.example"),  # UTS 46 mapping
        ("παράδειγμα.example", "xn--hxajbheg2az3al.example"),  # Greek only: allowed
        ("a-b.c-d.example", "a-b.c-d.example"),
        ("1and1.example", "1and1.example"),
    ],
)
def test_domains_are_normalised(given: str, normal: str) -> None:
    assert normalize_domain(given) == normal


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("", "cannot be empty"),
        (" acme.example", "white space"),
        ("acme", "at least two labels"),
        (".", "is not a domain name"),
        ("acme..example", "empty label"),
        ("a" * 64 + ".example", "the limit is 63"),
        (".".join(["abcdefghi"] * 26), "the limit is 253"),
        ("acme_x.example", "only letters, digits and '-'"),
        ("acme-.example", "may not start or end with '-'"),
        ("ab--cd.example", "reserves for encodings like xn--"),
        ("xn--a.example", "not a valid IDNA A-label"),
        ("10.0.0.1", "IP address"),
        ("pаypal.example", "mixes scripts (Cyrillic, Latin)"),
        ("xn--pypal-4ve.example", "mixes scripts"),
        ("gοοgle.example", "mixes scripts (Greek, Latin)"),
        ("a\u200db.example", "not valid under IDNA 2008"),
    ],
)
def test_bad_domains_are_refused_with_a_reason(given: str, problem: str) -> None:
    with pytest.raises(AddressError) as caught:
        normalize_domain(given)
    assert problem in str(caught.value)


def test_japanese_label_mixing_han_and_katakana_is_allowed() -> None:
    name = normalize_domain("日本語テスト.example")
    assert name.startswith("xn--") and u_form(name) == "日本語テスト.example"


def test_long_idn_label_counts_its_dns_form() -> None:
    with pytest.raises(AddressError, match="in its DNS form"):
        normalize_domain("ü" * 60 + ".example")


def test_scripts_and_skeletons() -> None:
    assert label_scripts("acme-2") == {"Latin"}
    assert label_scripts("аcme") == {"Cyrillic", "Latin"}
    assert label_scripts("日本語テスト") == {"Han", "Katakana"}
    assert skeleton(normalize_domain("асме.example")) == "acme.example"
    assert skeleton("acme.example") == "acme.example"
    assert skeleton(normalize_domain("bücher.example")) != skeleton("bucher.example")
    assert u_form("xn--bcher-kva.example") == "bücher.example"
    assert u_form("xn--a.example") == "xn--a.example"  # undecodable: shown as is


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("Alice@ACME.example", "alice@acme.example"),
        ("first.last+tag@acme.example", "first.last+tag@acme.example"),
        ("under_score-dash@acme.example.", "under_score-dash@acme.example"),
        ("jo@Bücher.example", "jo@xn--bcher-kva.example"),
    ],
)
def test_addresses_are_normalised(given: str, normal: str) -> None:
    assert normalize_email(given) == normal


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("", "cannot be empty"),
        ("alice", "needs exactly one '@'"),
        ("a@b@acme.example", "needs exactly one '@'"),
        ("@acme.example", "nothing before the '@'"),
        ("alice@", "no domain after the '@'"),
        ("al ice@acme.example", "white space"),
        (".alice@acme.example", "may not start or end with '.'"),
        ("alice.@acme.example", "may not start or end with '.'"),
        ("al..ice@acme.example", "hold '..'"),
        ("al'ice@acme.example", "may hold only letters, digits and '.', '-', '_', '+'"),
        ("jörg@acme.example", "may hold only letters"),
        ("a" * 65 + "@acme.example", "the limit is 64"),
        ("alice@acme", "at least two labels"),
        ("alice@аcme.example", "mixes scripts"),
        ("a" * 10 + "@" + ".".join(["b" * 49] * 5) + ".ex", "the limit is 254"),
    ],
)
def test_bad_addresses_are_refused(given: str, problem: str) -> None:
    with pytest.raises(AddressError) as caught:
        normalize_email(given)
    assert problem in str(caught.value)


def test_outside_addresses_may_use_any_dot_atom_local_part() -> None:
    assert normalize_email("O'Brien@Partner.example", external=True) == "o'brien@partner.example"
    with pytest.raises(AddressError, match="characters not allowed"):
        normalize_email("a(b)@partner.example", external=True)
    with pytest.raises(AddressError, match=r"'\.\.'"):
        normalize_email("a..b@partner.example", external=True)


def test_lookup_never_raises() -> None:
    assert lookup_email(" Alice@Bücher.Example ") == "alice@xn--bcher-kva.example"
    assert lookup_email("not an address") == "not an address"
    assert lookup_email("x@bad_domain.example") == "x@bad_domain.example"

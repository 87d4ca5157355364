"""Reading Stalwart's dnsZoneFile (the live capture, byte for byte, and variations)."""

from __future__ import annotations

import pytest

from dezkysync.dns.records import Mx
from dezkysync.dns.tags import dkim_public_key
from dezkysync.dns.zonefile import ZoneFileError, parse_zone_file
from tests.dns.zones import CAPTURED_ZONE, stalwart_zone_file


def test_captured_zone_file_is_sorted_into_mail_records() -> None:
    zone = parse_zone_file("example.org", CAPTURED_ZONE)

    assert zone.domain == "example.org"
    assert zone.mx == (Mx(10, "localhost"),)
    assert zone.spf == "v=spf1 mx -all"
    assert zone.dmarc == "v=DMARC1; p=reject; rua=mailto:postmaster@example.org"
    assert [selector for selector, _ in zone.dkim] == [
        "tm1",
        "tm2",
        "v1-ed25519-20260708",
        "v1-rsa-20260708",
    ]


def test_long_dkim_strings_are_joined_without_separator() -> None:
    dkim = dict(parse_zone_file("example.org", CAPTURED_ZONE).dkim)

    rsa = dkim["v1-rsa-20260708"]
    key = dkim_public_key(rsa)
    assert key is not None
    # The capture splits this key after "...0rmR"; the two halves must meet with nothing between.
    assert "f0rmRmL9+Gjo5" in rsa
    assert len(key) == 392  # base64 of a 294-byte RSA-2048 SubjectPublicKeyInfo
    assert key.startswith("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA")
    assert key.endswith("IDAQAB")
    assert dkim["tm2"] == (
        "v=DKIM1; k=ed25519; h=sha256; p=fnu0gYq8NVK9Uy9CHwcBewpPc/6mas3orb7Im07C+w4="
    )


def test_records_dezkysync_does_not_check_are_kept_in_order() -> None:
    other = parse_zone_file("example.org", CAPTURED_ZONE).other

    assert [(r.name, r.rdtype) for r in other][:2] == [
        ("_caldavs._tcp.example.org", "SRV"),
        ("_carddavs._tcp.example.org", "SRV"),
    ]
    assert {r.rdtype for r in other} == {"SRV", "CNAME", "TXT"}
    assert len(other) == 13
    assert ("_mta-sts.example.org", "TXT", "v=STSv1; id=4232045293755012620") in {
        (r.name, r.rdtype, r.value) for r in other
    }


def test_domain_case_and_trailing_dot_do_not_matter() -> None:
    zone = parse_zone_file("Example.ORG.", CAPTURED_ZONE)
    assert zone.domain == "example.org"
    assert len(zone.dkim) == 4


def test_zone_file_with_only_some_records() -> None:
    text = "example.net. IN MX 20 b.mx.test.\nexample.net. IN MX 10 a.mx.test.\n"
    zone = parse_zone_file("example.net", text)
    assert zone.mx == (Mx(10, "a.mx.test"), Mx(20, "b.mx.test"))
    assert zone.spf is None
    assert zone.dmarc is None
    assert zone.dkim == ()


def test_spf_of_the_mail_host_is_not_the_domains_spf() -> None:
    text = stalwart_zone_file("example.net").replace(
        'example.net. IN TXT "v=spf1 mx -all"',
        'mail.example.net. IN TXT "v=spf1 a -all"\nexample.net. IN TXT "v=spf1 mx -all"',
    )
    zone = parse_zone_file("example.net", text)
    assert zone.spf == "v=spf1 mx -all"
    assert ("mail.example.net", "TXT", "v=spf1 a -all") in {
        (r.name, r.rdtype, r.value) for r in zone.other
    }


@pytest.mark.parametrize(
    "text",
    [
        'example.org. IN TXT (\n  "unterminated"\n',
        "example.org. IN MX ten mx.example.org.\n",
        "example.org. IN BOGUS 1\n",
    ],
)
def test_unreadable_zone_file_is_an_error(text: str) -> None:
    with pytest.raises(ZoneFileError, match=r"example\.org"):
        parse_zone_file("example.org", text)


def test_names_outside_the_domain_are_ignored() -> None:
    text = 'elsewhere.test. IN TXT "v=spf1 -all"\nexample.org. IN MX 10 mx.test.\n'
    zone = parse_zone_file("example.org", text)
    assert zone.spf is None
    assert zone.other == ()
    assert zone.mx == (Mx(10, "mx.test"),)

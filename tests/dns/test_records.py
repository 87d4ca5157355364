"""BIND output of records (255-byte strings, quoting) and the resolver option syntax."""

from __future__ import annotations

import dns.zone
import pytest

from dezkysync.dns.records import ExpectedRecord, Mx, ZoneRecord, quote_txt, split_txt
from dezkysync.dns.resolvers import Resolver, parse_resolver


def _read_back(lines: list[str], origin: str = "example.org") -> dict[tuple[str, str], list[str]]:
    """Parse BIND lines with dnspython; TXT values joined, others as text."""
    zone = dns.zone.from_text(
        "$TTL 300\n" + "\n".join(lines) + "\n",
        origin=origin + ".",
        relativize=False,
        check_origin=False,
    )
    found: dict[tuple[str, str], list[str]] = {}
    for name, rdataset in zone.iterate_rdatasets():
        key = (name.to_text(), dns.rdatatype.to_text(rdataset.rdtype))
        for rdata in rdataset:
            if key[1] == "TXT":
                found.setdefault(key, []).append(b"".join(rdata.strings).decode())
            else:
                found.setdefault(key, []).append(rdata.to_text())
    return found


@pytest.mark.parametrize(
    ("size", "strings"), [(0, 1), (1, 1), (255, 1), (256, 2), (510, 2), (511, 3)]
)
def test_txt_is_split_into_255_byte_strings(size: int, strings: int) -> None:
    chunks = split_txt("x" * size)
    assert len(chunks) == strings
    assert all(len(chunk) <= 255 for chunk in chunks)
    assert b"".join(chunks) == b"x" * size


def test_long_dkim_record_round_trips_through_a_zone_parser() -> None:
    text = "v=DKIM1; k=rsa; p=" + "A" * 700
    record = ExpectedRecord("dkim", "s1._domainkey.example.org", "TXT", (text,), selector="s1")

    lines = record.zone_lines()

    assert lines[0] == "s1._domainkey.example.org. IN TXT ("
    assert lines[-1] == ")"
    assert len(lines) == 2 + 3  # 718 bytes: 255 + 255 + 208
    assert _read_back(lines) == {("s1._domainkey.example.org.", "TXT"): [text]}


def test_quotes_backslashes_and_non_ascii_survive() -> None:
    text = 'say "hi" \\ to café'
    record = ExpectedRecord("spf", "example.org", "TXT", (text,))
    assert quote_txt(b'a"b\\c') == '"a\\"b\\\\c"'
    assert _read_back(record.zone_lines()) == {("example.org.", "TXT"): [text]}


def test_mx_lines_are_sorted_by_priority() -> None:
    record = ExpectedRecord("mx", "example.org", "MX", ("20 b.mx.test.", "10 A.mx.test"))
    assert record.exchanges == (Mx(10, "a.mx.test"), Mx(20, "b.mx.test"))
    assert record.zone_lines() == [
        "example.org. IN MX 10 a.mx.test.",
        "example.org. IN MX 20 b.mx.test.",
    ]


def test_other_records_keep_their_rdata() -> None:
    srv = ZoneRecord("_imaps._tcp.example.org", "SRV", "0 1 993 mx.test.")
    assert srv.zone_lines() == ["_imaps._tcp.example.org. IN SRV 0 1 993 mx.test."]


@pytest.mark.parametrize("text", ["10", "ten mx.test.", "10 "])
def test_bad_mx_value(text: str) -> None:
    with pytest.raises(ValueError):
        Mx.parse(text)


@pytest.mark.parametrize(
    ("text", "resolver", "shown"),
    [
        ("1.1.1.1", Resolver("1.1.1.1", 53), "1.1.1.1"),
        (" 127.0.0.1:5353 ", Resolver("127.0.0.1", 5353), "127.0.0.1:5353"),
        ("::1", Resolver("::1", 53), "::1"),
        ("[::1]:5353", Resolver("::1", 5353), "[::1]:5353"),
        ("[2001:db8::0001]", Resolver("2001:db8::1", 53), "2001:db8::1"),
    ],
)
def test_parse_resolver(text: str, resolver: Resolver, shown: str) -> None:
    assert parse_resolver(text) == resolver
    assert str(parse_resolver(text)) == shown


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("dns.google", "not an IP address"),
        ("1.1.1.1:", "port is missing"),
        ("1.1.1.1:0", "from 1 to 65535"),
        ("1.1.1.1:70000", "from 1 to 65535"),
        ("1.1.1.1:dns", "from 1 to 65535"),
        ("[::1", r"\[::1\]:53"),
        ("[::1]5353", r"\[::1\]:53"),
        ("[::1]:", "port is missing"),
        ("", "not an IP address"),
    ],
)
def test_bad_resolver(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_resolver(text)

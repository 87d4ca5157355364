"""DNS records as dezkysync speaks about them: what to publish, in BIND syntax.

Names are absolute, lowercase and written without the trailing dot; TXT values are the whole
text with the record's character-strings already joined. :meth:`ExpectedRecord.zone_lines`
turns a record back into BIND lines, splitting long TXT values into 255-byte strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RecordKind = Literal["mx", "spf", "dkim", "dmarc", "ownership"]
RecordType = Literal["MX", "TXT"]

#: How each kind is named in reports.
KIND_LABELS: dict[RecordKind, str] = {
    "mx": "MX",
    "spf": "SPF",
    "dkim": "DKIM",
    "dmarc": "DMARC",
    "ownership": "ownership",
}

#: The longest character-string a TXT record can hold (RFC 1035 §3.3).
TXT_STRING_MAX = 255


@dataclass(frozen=True, order=True)
class Mx:
    """One mail exchanger: priority (preference) and host."""

    priority: int
    host: str  # lowercase, no trailing dot

    def __str__(self) -> str:
        return f"{self.priority} {self.host}."

    @classmethod
    def parse(cls, text: str) -> Mx:
        """Parse ``"10 mx.example.net."`` (the MX rdata in presentation form)."""
        priority, _, host = text.strip().partition(" ")
        if not priority.isdigit() or not host.strip():
            raise ValueError(f"not an MX value: {text!r}")
        return cls(int(priority), normalise_name(host))


@dataclass(frozen=True)
class ZoneRecord:
    """One record of a zone, for records dezkysync publishes but does not check."""

    name: str
    rdtype: str  # "SRV", "CNAME", "TXT", ...
    value: str  # TXT: the joined text; other types: the rdata in presentation form

    def zone_lines(self) -> list[str]:
        """The record in BIND syntax."""
        if self.rdtype == "TXT":
            return txt_zone_lines(self.name, self.value)
        return [f"{self.name}. IN {self.rdtype} {self.value}"]


@dataclass(frozen=True)
class ExpectedRecord:
    """A record a domain must publish for mail to work and to prove ownership.

    ``values`` holds one TXT text, or one ``"PRIORITY HOST."`` per mail exchanger for MX.
    """

    kind: RecordKind
    name: str
    rdtype: RecordType
    values: tuple[str, ...]
    selector: str | None = None  # DKIM only

    @property
    def label(self) -> str:
        """``"MX"``, ``"SPF"``, ``"DKIM v1-rsa-20260708"``, ``"DMARC"``, ``"ownership"``."""
        base = KIND_LABELS[self.kind]
        return f"{base} {self.selector}" if self.selector else base

    @property
    def text(self) -> str:
        """The expected TXT text (the first value)."""
        return self.values[0] if self.values else ""

    @property
    def exchanges(self) -> tuple[Mx, ...]:
        """The expected mail exchangers (MX records only), sorted."""
        return tuple(sorted(Mx.parse(value) for value in self.values))

    def zone_lines(self) -> list[str]:
        """The record(s) to publish, in BIND syntax."""
        if self.rdtype == "MX":
            return [f"{self.name}. IN MX {mx}" for mx in self.exchanges]
        lines: list[str] = []
        for value in self.values:
            lines.extend(txt_zone_lines(self.name, value))
        return lines


def normalise_name(name: str) -> str:
    """Lowercase, without the trailing dot."""
    return name.strip().rstrip(".").lower()


def txt_zone_lines(name: str, text: str) -> list[str]:
    """A TXT record in BIND syntax; a value over 255 bytes becomes several strings in
    ``( … )`` over several lines, as Stalwart writes them."""
    chunks = split_txt(text)
    if len(chunks) == 1:
        return [f"{name}. IN TXT {quote_txt(chunks[0])}"]
    return [
        f"{name}. IN TXT (",
        *(f"    {quote_txt(chunk)}" for chunk in chunks),
        ")",
    ]


def split_txt(text: str) -> list[bytes]:
    """The TXT value as character-strings of at most 255 bytes each."""
    data = text.encode("utf-8")
    if not data:
        return [b""]
    return [data[i : i + TXT_STRING_MAX] for i in range(0, len(data), TXT_STRING_MAX)]


def quote_txt(chunk: bytes) -> str:
    """One character-string in quotes, with ``"`` and ``\\`` escaped and bytes outside
    printable ASCII written as ``\\DDD``."""
    out: list[str] = []
    for byte in chunk:
        if byte in (0x22, 0x5C):
            out.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def join_txt(strings: list[bytes] | tuple[bytes, ...]) -> str:
    """A TXT record's character-strings joined with no separator, as text (bytes that are
    not UTF-8 become U+FFFD: such a value never matches what dezkysync expects)."""
    return b"".join(strings).decode("utf-8", errors="replace")

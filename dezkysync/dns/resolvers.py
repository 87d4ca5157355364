"""Which DNS resolvers to ask: ``IP``, ``IP:PORT``, ``IPv6`` or ``[IPv6]:PORT``."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True)
class Resolver:
    """A DNS server to query (a recursive resolver, or an authoritative server in tests)."""

    address: str  # an IPv4 or IPv6 address
    port: int = 53

    def __str__(self) -> str:
        if self.port == 53:
            return self.address
        if ":" in self.address:
            return f"[{self.address}]:{self.port}"
        return f"{self.address}:{self.port}"


#: The resolvers ``dns check`` asks when none is given.
DEFAULT_RESOLVERS: tuple[Resolver, ...] = (Resolver("1.1.1.1"), Resolver("8.8.8.8"))


def parse_resolver(text: str) -> Resolver:
    """Read ``1.1.1.1``, ``127.0.0.1:5353``, ``::1`` or ``[::1]:5353``; raise ValueError
    with a message fit for the operator otherwise."""
    spec = text.strip()
    host, port_text = spec, ""
    if spec.startswith("["):
        host, bracket, rest = spec[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"resolver {text!r}: write an IPv6 address with a port as [::1]:53")
        port_text = rest[1:]
        if rest and not port_text:
            raise ValueError(f"resolver {text!r}: the port is missing after ':'")
    elif spec.count(":") == 1:
        host, _, port_text = spec.partition(":")
        if not port_text:
            raise ValueError(f"resolver {text!r}: the port is missing after ':'")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"resolver {text!r}: not an IP address (use IP, IP:PORT or [IPv6]:PORT)"
        ) from None
    port = 53
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"resolver {text!r}: the port must be a number from 1 to 65535")
        port = int(port_text)
    return Resolver(address.compressed, port)

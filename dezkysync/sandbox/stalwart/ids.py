"""Stalwart's object ids on the wire.

Ids are unsigned 64-bit numbers written in lowercase base32 with the alphabet
``abcdefghijklmnopqrstuvwxyz792013`` (0 is ``"a"``, 53 is ``"bv"``). Domains, accounts and
mailing lists get small sequential numbers; DKIM signatures get snowflake ids (milliseconds
since 2021-09-22 shifted left by 21 bits, a 12-bit sequence and a 9-bit node id), which look
like ``"i0ertxweadqb"``. The recovery admin is ``u32::MAX`` = ``"d333333"``; singletons use the
literal id ``"singleton"``.
"""

from __future__ import annotations

ALPHABET = "abcdefghijklmnopqrstuvwxyz792013"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}
MAX_ID = (1 << 64) - 1

SINGLETON = "singleton"
RECOVERY_ADMIN_ID = 0xFFFF_FFFF  # "d333333"

SNOWFLAKE_EPOCH_SECONDS = 1_632_280_000
_SEQUENCE_BITS = 12
_NODE_BITS = 9
_NODE_ID = 1


def encode_id(number: int) -> str:
    """The wire form of ``number`` (big-endian base32, no padding)."""
    if number < 0 or number > MAX_ID:
        raise ValueError(f"id out of range: {number}")
    if number == 0:
        return ALPHABET[0]
    digits: list[str] = []
    while number:
        number, rest = divmod(number, 32)
        digits.append(ALPHABET[rest])
    return "".join(reversed(digits))


def decode_id(text: object) -> int | None:
    """The number behind a wire id, or None when ``text`` is not a valid id."""
    if not isinstance(text, str) or not text or len(text) > 13:
        return None
    number = 0
    for char in text:
        value = _VALUE.get(char)
        if value is None:
            return None
        number = number * 32 + value
    return number if number <= MAX_ID else None


def snowflake(timestamp: float, sequence: int) -> int:
    """A snowflake id for wall-clock ``timestamp`` (seconds) and a sequence number."""
    millis = max(0, int(timestamp * 1000) - SNOWFLAKE_EPOCH_SECONDS * 1000)
    sequence &= (1 << _SEQUENCE_BITS) - 1
    return (millis << (_SEQUENCE_BITS + _NODE_BITS)) | (sequence << _NODE_BITS) | _NODE_ID

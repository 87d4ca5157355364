"""Domain names and email addresses: normalisation, syntax and look-alike checks.

Domains become lowercase IDNA 2008 A-labels without a trailing dot; addresses get a lowercase
local part on a normalised domain. Anything the mail server would refuse or an operator could
misread (labels mixing scripts, Cyrillic look-alikes of a Latin domain) is rejected with a
message that says why.
"""

from __future__ import annotations

import re
import unicodedata

import idna

MAX_DOMAIN_LENGTH = 253
MAX_LABEL_LENGTH = 63
MAX_LOCAL_PART_LENGTH = 64
MAX_ADDRESS_LENGTH = 254

# What Stalwart accepts for the local part of its own accounts, aliases and lists.
_LOCAL_PART = re.compile(r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*")
# RFC 5322 dot-atom, for outside addresses that only receive mail (list recipients).
_EXTERNAL_LOCAL_PART = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
)
_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")

# Scripts that may share one label (UTS #39 "highly restrictive"): Latin with the scripts of
# Chinese, Japanese or Korean writing. Any other mix is refused.
_ALLOWED_SCRIPT_MIXES: tuple[frozenset[str], ...] = (
    frozenset({"Latin", "Han", "Hiragana", "Katakana"}),
    frozenset({"Latin", "Han", "Bopomofo"}),
    frozenset({"Latin", "Han", "Hangul"}),
)
_SCRIPT_BY_NAME_PREFIX = {
    "CJK": "Han",
    "IDEOGRAPHIC": "Han",
    "KATAKANA-HIRAGANA": "Katakana",
}

# Letters of other scripts that render like Latin letters (from Unicode's confusables.txt).
_CONFUSABLE_WITH_LATIN = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "с": "c",
        "ԁ": "d",
        "е": "e",
        "ё": "e",
        "һ": "h",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "к": "k",
        "ӏ": "l",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "ԛ": "q",
        "ѕ": "s",
        "т": "t",
        "у": "y",
        "ԝ": "w",
        "х": "x",
        "ү": "y",
        "ь": "b",
        "г": "r",
        "п": "n",
        # Greek
        "α": "a",
        "β": "b",
        "ε": "e",
        "η": "n",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "γ": "y",
        "ω": "w",
        # Armenian
        "օ": "o",
        "ս": "u",
        "հ": "h",
        "ո": "n",
        "ց": "g",
        "զ": "q",
        # Latin letters that pass for others
        "ı": "i",
        "ȷ": "j",
        "ɑ": "a",
        "ɡ": "g",
        "ʏ": "y",
    }
)


class AddressError(ValueError):
    """An address or domain that cannot be used; the message says why."""


def normalize_domain(text: str) -> str:
    """The lowercase A-label form of a domain name; raises ``AddressError``."""
    if not text or not text.strip():
        raise AddressError("a domain name cannot be empty")
    if text != text.strip() or any(ch.isspace() for ch in text):
        raise AddressError(f"domain {text!r} contains white space")
    name = text[:-1] if text.endswith(".") else text
    if not name:
        raise AddressError(f"{text!r} is not a domain name")
    labels = name.split(".")
    if len(labels) < 2:
        raise AddressError(
            f"domain {text!r} needs at least two labels (like acme.example); "
            "a bare top-level name cannot carry mail"
        )
    a_labels = [_a_label(label, text) for label in labels]
    normalized = ".".join(a_labels)
    if len(normalized) > MAX_DOMAIN_LENGTH:
        raise AddressError(
            f"domain {text!r} is {len(normalized)} characters long in its DNS form; "
            f"the limit is {MAX_DOMAIN_LENGTH}"
        )
    if a_labels[-1].isdigit():
        raise AddressError(f"{text!r} looks like an IP address, not a domain name")
    return normalized


def _a_label(label: str, whole: str) -> str:
    if not label:
        raise AddressError(f"domain {whole!r} has an empty label (two dots in a row?)")
    if label.isascii():
        lower = label.lower()
        if len(lower) > MAX_LABEL_LENGTH:
            raise AddressError(
                f"label {label!r} of domain {whole!r} is {len(lower)} characters long; "
                f"the limit is {MAX_LABEL_LENGTH}"
            )
        if not _LDH_LABEL.fullmatch(lower):
            raise AddressError(
                f"label {label!r} of domain {whole!r} may hold only letters, digits and '-', "
                "and may not start or end with '-'"
            )
        if lower.startswith("xn--"):
            try:
                u_label = idna.ulabel(lower)
            except (idna.IDNAError, UnicodeError) as exc:
                raise AddressError(
                    f"label {label!r} of domain {whole!r} is not a valid IDNA A-label ({exc})"
                ) from None
            _check_scripts(u_label, whole)
        elif lower[2:4] == "--":
            raise AddressError(
                f"label {label!r} of domain {whole!r} has '--' in the third and fourth place, "
                "which DNS reserves for encodings like xn--"
            )
        return lower
    _check_scripts(label.lower(), whole)
    try:
        encoded = idna.encode(label, uts46=True, std3_rules=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        if "too long" in str(exc).lower():
            encoded = "xn--" + idna.uts46_remap(label).encode("punycode").decode("ascii")
        else:
            raise AddressError(
                f"label {label!r} of domain {whole!r} is not valid under IDNA 2008 ({exc})"
            ) from None
    if len(encoded) > MAX_LABEL_LENGTH:
        raise AddressError(
            f"label {label!r} of domain {whole!r} is {len(encoded)} characters long in its "
            f"DNS form ({encoded}); the limit is {MAX_LABEL_LENGTH}"
        )
    return encoded


def script_of(char: str) -> str:
    """The Unicode script of a letter ("Latin", "Cyrillic", ...); "Common" for the rest.

    ``unicodedata`` has no script property, so this reads it from the character name, which
    starts with the script for letters ("CYRILLIC SMALL LETTER A").
    """
    category = unicodedata.category(char)
    if category.startswith("M"):
        return "Inherited"
    if not category.startswith("L"):
        return "Common"
    name = unicodedata.name(char, "")
    if not name:
        return "Unknown"
    first = name.split(" ", 1)[0]
    if first in ("MODIFIER", "SMALL", "LETTER"):
        return "Common"
    return _SCRIPT_BY_NAME_PREFIX.get(first, first.capitalize())


def label_scripts(label: str) -> frozenset[str]:
    """The scripts of the letters in a (Unicode) label, ignoring digits, '-' and marks."""
    return frozenset(script_of(ch) for ch in label) - {"Common", "Inherited"}


def _check_scripts(u_label: str, whole: str) -> None:
    scripts = label_scripts(unicodedata.normalize("NFC", u_label))
    if len(scripts) <= 1 or any(scripts <= allowed for allowed in _ALLOWED_SCRIPT_MIXES):
        return
    counts: dict[str, int] = {}
    for ch in u_label:
        counts[script_of(ch)] = counts.get(script_of(ch), 0) + 1
    main = max(sorted(scripts), key=lambda script: counts[script])
    odd = ", ".join(
        f"{ch!r} (U+{ord(ch):04X} {unicodedata.name(ch, '?')})"
        for ch in dict.fromkeys(u_label)
        if script_of(ch) in scripts and script_of(ch) != main
    )
    raise AddressError(
        f"label {u_label!r} of domain {whole!r} mixes scripts ({', '.join(sorted(scripts))}): "
        f"{odd} among {main} letters. Mixed-script labels can impersonate other domains; "
        "spell the label in one script"
    )


def u_form(domain: str) -> str:
    """The Unicode form of a normalised (A-label) domain, for messages."""
    try:
        return idna.decode(domain)
    except (idna.IDNAError, UnicodeError):
        return domain


def skeleton(domain: str) -> str:
    """What a domain looks like: its Unicode form with look-alike letters mapped to Latin.

    Two different domains with the same skeleton are easy to confuse when read.
    """
    text = unicodedata.normalize("NFKC", u_form(domain)).lower()
    return text.translate(_CONFUSABLE_WITH_LATIN)


def normalize_email(text: str, *, external: bool = False) -> str:
    """An address with a lowercase local part on a normalised domain; raises ``AddressError``.

    Own addresses (members, aliases, lists) follow the mail server's rule for local parts:
    letters, digits, ``.``, ``-``, ``_``, ``+``. ``external=True`` accepts any RFC 5322
    dot-atom local part, for outside addresses that only receive mail.
    """
    if not text:
        raise AddressError("an email address cannot be empty")
    if any(ch.isspace() for ch in text):
        raise AddressError(f"address {text!r} contains white space")
    if text.count("@") != 1:
        raise AddressError(f"{text!r} is not an email address (it needs exactly one '@')")
    local, _, domain = text.partition("@")
    if not local:
        raise AddressError(f"address {text!r} has nothing before the '@'")
    if not domain:
        raise AddressError(f"address {text!r} has no domain after the '@'")
    local = local.lower()
    pattern = _EXTERNAL_LOCAL_PART if external else _LOCAL_PART
    if not pattern.fullmatch(local):
        if local.startswith(".") or local.endswith(".") or ".." in local:
            problem = "may not start or end with '.' or hold '..'"
        elif external:
            problem = "holds characters not allowed in an address"
        else:
            problem = "may hold only letters, digits and '.', '-', '_', '+'"
        raise AddressError(f"the local part of {text!r} {problem}")
    if len(local) > MAX_LOCAL_PART_LENGTH:
        raise AddressError(
            f"the local part of {text!r} is {len(local)} characters long; "
            f"the limit is {MAX_LOCAL_PART_LENGTH}"
        )
    try:
        normalized_domain = normalize_domain(domain)
    except AddressError as exc:
        raise AddressError(f"address {text!r}: {exc}") from None
    address = f"{local}@{normalized_domain}"
    if len(address) > MAX_ADDRESS_LENGTH:
        raise AddressError(
            f"address {text!r} is {len(address)} characters long; the limit is {MAX_ADDRESS_LENGTH}"
        )
    return address


def lookup_domain(text: str) -> str:
    """Best-effort normalisation for look-ups: never raises, falls back to lowercase."""
    try:
        return normalize_domain(text)
    except AddressError:
        return text.strip().rstrip(".").lower()


def lookup_email(text: str) -> str:
    """Best-effort normalisation of an address for look-ups: never raises."""
    local, at, domain = text.strip().rpartition("@")
    if not at:
        return text.strip().lower()
    return f"{local.lower()}@{lookup_domain(domain)}"

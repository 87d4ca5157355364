"""Pure helpers: wire ids, name sanitising (PSL), password strength, secrets, DKIM keys."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

import pytest

from dezkysync.apply.passwords import generate_password
from dezkysync.sandbox.stalwart.dkim import (
    ed25519_public_key,
    generate_private_key,
    public_key,
    selector_from_template,
)
from dezkysync.sandbox.stalwart.ids import decode_id, encode_id, snowflake
from dezkysync.sandbox.stalwart.names import sanitize_domain, sanitize_email, sanitize_local_part
from dezkysync.sandbox.stalwart.secrets_store import hash_secret, is_password_hash, verify_secret
from dezkysync.sandbox.stalwart.strength import password_problem


@pytest.mark.parametrize(
    ("number", "text"), [(0, "a"), (1, "b"), (6, "g"), (53, "bv"), (0xFFFFFFFF, "d333333")]
)
def test_ids_use_stalwarts_base32_alphabet(number: int, text: str) -> None:
    assert encode_id(number) == text
    assert decode_id(text) == number


def test_live_snowflake_ids_decode_and_new_ones_look_alike() -> None:
    assert decode_id("i0ertxweadqb") == 321041580909661697
    assert decode_id("not-an-id") is None
    assert decode_id("") is None
    generated = encode_id(snowflake(datetime(2026, 7, 29, tzinfo=UTC).timestamp(), 5))
    assert len(generated) == 12 and generated.startswith("i")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Example.COM", "example.com"),
        (" example .org ", "example.org"),
        ("münchen.de", "xn--mnchen-3ya.de"),
        ("tenant.test", "tenant.test"),
        ("corp.internal", "corp.internal"),
        ("co.uk", "co.uk"),
        ("mail.example.org", "mail.example.org"),
    ],
)
def test_domains_are_canonicalised(given: str, expected: str) -> None:
    assert sanitize_domain(given) == expected


@pytest.mark.parametrize(
    "given", ["acme.invalid", "example", "com", "a..b.com", "example.com.", "x.invalidtld", ""]
)
def test_domains_without_a_public_suffix_or_reserved_tld_are_refused(given: str) -> None:
    # .example (RFC 2606) is not on the Public Suffix List: Stalwart refuses it.
    assert sanitize_domain(given) is None


def test_local_parts_and_addresses() -> None:
    assert sanitize_local_part(" John Doe") == "johndoe"
    assert sanitize_local_part("a.b+tag") == "a.b+tag"
    assert sanitize_local_part("!invalid") == "!invalid"  # "!" is legal atext
    for bad in ("", "inva..lid", ".lead", "trail.", "a(b"):
        assert sanitize_local_part(bad) is None, bad
    assert sanitize_email("Foo.Bar@München.DE") == "foo.bar@xn--mnchen-3ya.de"
    assert sanitize_email("user@com") is None
    assert sanitize_email("nobody") is None


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("12345", "Password must be at least 8 characters long."),
        ("x" * 129, "Password must be at most 128 characters long."),
        (
            "12345678",
            "Password is too weak. This is a top-10 common password. "
            "Add another word or two. Uncommon words are better.",
        ),
    ],
)
def test_password_policy_messages_match_stalwart(password: str, message: str) -> None:
    assert password_problem(password) == message


@pytest.mark.parametrize(
    "weak", ["password1", "aaaaaaaa", "correcthorse", "qwertyuiop", "abcdefgh"]
)
def test_weak_passwords_are_refused(weak: str) -> None:
    problem = password_problem(weak)
    assert problem is not None and problem.startswith("Password is too weak.")


@pytest.mark.parametrize(
    "strong",
    [
        "correct horse battery staple",
        "this is a very strong password",
        "very strong password indeed",
        "brand new secret",
        "hello world",  # accepted by the real server in its own tests
    ],
)
def test_passphrases_pass(strong: str) -> None:
    assert password_problem(strong) is None


def test_random_passwords_pass() -> None:
    for _ in range(20):
        assert password_problem(secrets.token_urlsafe(15)[:20]) is None
        assert password_problem(generate_password()) is None


def test_secret_hashes_verify_and_prehashed_values_are_recognised() -> None:
    stored = hash_secret("s3cret-Value")
    assert verify_secret(stored, "s3cret-Value")
    assert not verify_secret(stored, "other")
    assert "s3cret" not in stored
    assert is_password_hash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")
    assert is_password_hash("{SSHA}c29tZWhhc2g=")
    assert not is_password_hash("$notahash")
    assert not is_password_hash("{unknown}x")
    plain = "{PLAIN}letmein-please"
    assert verify_secret(plain, "letmein-please")


def test_ed25519_matches_rfc8032_vector() -> None:
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    expected = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert ed25519_public_key(seed).hex() == expected


def test_generated_keys_have_the_published_shapes() -> None:
    rsa = public_key("Dkim1RsaSha256", generate_private_key("Dkim1RsaSha256", b"seed"))
    assert rsa is not None and rsa.startswith("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA")
    assert len(base64.b64decode(rsa)) == 294 and rsa.endswith("IDAQAB")
    ed = public_key("Dkim1Ed25519Sha256", generate_private_key("Dkim1Ed25519Sha256", b"seed"))
    assert ed is not None and len(base64.b64decode(ed)) == 32
    assert public_key("Dkim1RsaSha256", "not a key") is None
    assert generate_private_key("Dkim1RsaSha256", b"a") == generate_private_key(
        "Dkim1RsaSha256", b"a"
    )


def test_selector_templates() -> None:
    when = datetime(2026, 7, 8, tzinfo=UTC)
    template = "v{version}-{algorithm}-{date-%Y%m%d}"
    assert selector_from_template(template, "Dkim1RsaSha256", when, b"") == "v1-rsa-20260708"
    assert selector_from_template(template, "Dkim1Ed25519Sha256", when, b"") == (
        "v1-ed25519-20260708"
    )
    assert selector_from_template("{algorithm} {hash}", "Dkim1RsaSha256", when, b"") == "rsasha256"
    for bad, message in [
        ("{bogus}", "unrecognized variable"),
        ("{algorithm", "unclosed"),
        ("   ", "empty"),
        ("{date-}", "empty strftime"),
    ]:
        with pytest.raises(ValueError, match=message):
            selector_from_template(bad, "Dkim1RsaSha256", when, b"")

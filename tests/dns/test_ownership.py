"""The ownership record: name, token format, stability and what the token depends on."""

from __future__ import annotations

import re

from dezkysync.dns.ownership import (
    DEFAULT_SALT,
    SALT_ENV,
    ownership_name,
    ownership_record,
    ownership_salt,
    ownership_token,
)

# The documented example (docs/dns.md), computed with
#   printf 'acme:acme.example' | openssl dgst -sha256 -hmac 'dezkysync-ownership-v1'
# A change here breaks every published ownership record, so it must be deliberate.
KNOWN_TOKEN = (
    "dezkysync-verification=1b9e33abc6ccb526f6e8ca819b767e484fb67ea67304d9072d772c3051de14b2"
)


def test_token_shape_and_name() -> None:
    token = ownership_token("acme", "acme.example", "s3cret")
    assert re.fullmatch(r"dezkysync-verification=[0-9a-f]{64}", token)
    assert ownership_name("acme.example") == "_dezkysync-challenge.acme.example"
    record = ownership_record("acme", "acme.example", "s3cret")
    assert (record.kind, record.name, record.rdtype, record.values) == (
        "ownership",
        "_dezkysync-challenge.acme.example",
        "TXT",
        (token,),
    )


def test_token_is_stable_and_documented() -> None:
    assert ownership_token("acme", "acme.example", DEFAULT_SALT) == KNOWN_TOKEN


def test_token_depends_on_tenant_domain_and_salt() -> None:
    base = ownership_token("acme", "acme.example", "one")
    assert ownership_token("acme", "acme.example", "one") == base
    assert ownership_token("globex", "acme.example", "one") != base
    assert ownership_token("acme", "acme-mail.example", "one") != base
    assert ownership_token("acme", "acme.example", "two") != base


def test_domain_spelling_does_not_change_the_token() -> None:
    assert ownership_token("acme", "ACME.example.", "s") == ownership_token(
        "acme", "acme.example", "s"
    )


def test_salt_comes_from_the_environment_with_a_documented_default() -> None:
    assert ownership_salt({}) == DEFAULT_SALT
    assert ownership_salt({SALT_ENV: ""}) == DEFAULT_SALT
    assert ownership_salt({SALT_ENV: "install-42"}) == "install-42"

"""x:Domain: defaults, names, uniqueness, DKIM generation, dnsZoneFile, guarded destroy."""

from __future__ import annotations

import base64
import re

import dns.rdatatype
import dns.zone
import pytest

from tests.sandbox.stalwart.conftest import FakeClock, Jmap


def dkim_ids(jmap: Jmap, domain_id: str) -> list[str]:
    result = jmap.one("x:DkimSignature/query", {"filter": {"domainId": domain_id}})
    return list(result["ids"])


def test_minimal_create_takes_every_default(jmap: Jmap) -> None:
    ident = jmap.create("Domain", {"name": "Example.ORG"})
    assert ident == "b"
    domain = jmap.get("Domain", ident)
    assert domain["name"] == "example.org"
    assert domain["dkimManagement"] == {
        "algorithms": {"Dkim1Ed25519Sha256": True, "Dkim1RsaSha256": True},
        "selectorTemplate": "v{version}-{algorithm}-{date-%Y%m%d}",
        "rotateAfter": 7776000000,
        "retireAfter": 604800000,
        "deleteAfter": 2592000000,
        "@type": "Automatic",
    }
    assert domain["reportAddressUri"] == "mailto:postmaster"
    assert domain["isEnabled"] is True and domain["allowRelaying"] is False
    assert domain["certificateManagement"] == {"@type": "Manual"}
    assert domain["subAddressing"] == {"@type": "Enabled"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", domain["createdAt"])
    assert list(domain)[-2:] == ["dnsZoneFile", "id"]
    assert jmap.create("Domain", {"name": "example.net"}) == "c"


@pytest.mark.parametrize(
    "name", ["nodot", "bad..name.com", "x.invalidtld", "acme.invalid", "example"]
)
def test_invalid_domain_names(jmap: Jmap, name: str) -> None:
    result = jmap.one("x:Domain/set", {"create": {"d": {"name": name}}})
    assert result["notCreated"]["d"] == {
        "type": "invalidPatch",
        "description": "Invalid domain name",
        "properties": ["name"],
    }


def test_example_tld_is_a_documented_sandbox_only_deviation(jmap: Jmap) -> None:
    """Real Stalwart refuses .example (not on the PSL); the sandbox accepts it so that the
    documented examples can be applied. No production domain lives there."""
    ident = jmap.create("Domain", {"name": "acme.example"})
    assert jmap.get("Domain", ident, ["name"]) == {"name": "acme.example", "id": ident}


def test_idn_and_reserved_tlds_are_accepted(jmap: Jmap) -> None:
    ident = jmap.create("Domain", {"name": "münchen.de"})
    assert jmap.get("Domain", ident, ["name"]) == {"name": "xn--mnchen-3ya.de", "id": ident}
    jmap.create("Domain", {"name": "tenant.test"})
    jmap.create("Domain", {"name": "corp.internal"})


def test_name_and_alias_uniqueness(jmap: Jmap) -> None:
    first = jmap.create("Domain", {"name": "example.com", "aliases": {"beispiel.de": True}})
    cases = [
        ({"name": "example.com"}, ["name"]),
        ({"name": "example.net", "aliases": {"example.com": True}}, ["aliases"]),
        ({"name": "example.net", "aliases": {"beispiel.de": True}}, ["aliases"]),
        ({"name": "beispiel.de"}, ["name"]),
    ]
    for value, properties in cases:
        result = jmap.one("x:Domain/set", {"create": {"d": value}})
        assert result["notCreated"]["d"] == {
            "type": "primaryKeyViolation",
            "properties": properties,
            "objectId": {"object": "Domain", "id": first},
        }
    other = jmap.create("Domain", {"name": "example.net"})
    clash = jmap.update("Domain", other, {"aliases/beispiel.de": True})
    assert clash["notUpdated"][other]["type"] == "primaryKeyViolation"
    assert jmap.update("Domain", other, {"aliases/example.nl": True})["updated"] == {other: None}
    assert jmap.get("Domain", other, ["aliases"])["aliases"] == {"example.nl": True}
    jmap.update("Domain", other, {"aliases/example.nl": False})
    assert jmap.get("Domain", other, ["aliases"])["aliases"] == {}


def test_dkim_keys_appear_after_the_delay(jmap: Jmap, clock: FakeClock) -> None:
    ident = jmap.create("Domain", {"name": "example.org"})
    assert dkim_ids(jmap, ident) == []
    assert "_domainkey" not in jmap.get("Domain", ident, ["dnsZoneFile"])["dnsZoneFile"]
    clock.advance(0.5)
    keys = dkim_ids(jmap, ident)
    assert len(keys) == 2 and all(len(k) == 12 and k.startswith("i") for k in keys)
    listed = jmap.one("x:DkimSignature/get", {"ids": keys})["list"]
    by_type = {key["@type"]: key for key in listed}
    assert set(by_type) == {"Dkim1Ed25519Sha256", "Dkim1RsaSha256"}
    ed, rsa = by_type["Dkim1Ed25519Sha256"], by_type["Dkim1RsaSha256"]
    assert ed["selector"] == "v1-ed25519-20260708" and rsa["selector"] == "v1-rsa-20260708"
    assert ed["stage"] == rsa["stage"] == "active"
    assert ed["privateKey"] == {"secret": "****", "@type": "Text"}
    assert ed["nextTransitionAt"] is None and ed["domainId"] == ident
    assert len(base64.b64decode(ed["publicKey"])) == 32
    assert rsa["publicKey"].startswith("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA")
    assert list(ed)[-3:] == ["@type", "publicKey", "id"]


def test_manual_dkim_creates_no_keys_and_switching_to_automatic_does(
    jmap: Jmap, clock: FakeClock
) -> None:
    ident = jmap.create("Domain", {"name": "example.org", "dkimManagement": {"@type": "Manual"}})
    clock.advance(5)
    assert dkim_ids(jmap, ident) == []
    jmap.update("Domain", ident, {"dkimManagement": {"@type": "Automatic"}})
    clock.advance(0.5)
    assert len(dkim_ids(jmap, ident)) == 2


def test_bad_selector_template(jmap: Jmap) -> None:
    value = {
        "name": "example.org",
        "dkimManagement": {"@type": "Automatic", "selectorTemplate": "{x}"},
    }
    result = jmap.one("x:Domain/set", {"create": {"d": value}})
    assert result["notCreated"]["d"] == {
        "type": "invalidProperties",
        "description": "unrecognized variable '{x}'",
        "properties": ["selectorTemplate"],
    }


def test_zone_file_parses_and_follows_stalwarts_layout(jmap: Jmap, clock: FakeClock) -> None:
    ident = jmap.create("Domain", {"name": "example.org"})
    clock.advance(1)
    text = jmap.get("Domain", ident, ["dnsZoneFile"])["dnsZoneFile"]
    lines = text.splitlines()
    assert lines[0].startswith(
        'v1-ed25519-20260708._domainkey.example.org. IN TXT "v=DKIM1; k=ed25519'
    )
    assert lines[1] == "v1-rsa-20260708._domainkey.example.org. IN TXT ("
    first_chunk = re.fullmatch(r'    "(.*)"', lines[2])
    assert first_chunk is not None and len(first_chunk.group(1)) == 255
    assert lines[4] == ")"
    expected_tail = [
        'example.org. IN TXT "v=spf1 mx -all"',
        "example.org. IN MX 10 mail.sandbox.test.",
        '_dmarc.example.org. IN TXT "v=DMARC1; p=reject; rua=mailto:postmaster@example.org"',
        "_caldavs._tcp.example.org. IN SRV 0 1 443 mail.sandbox.test.",
        "_carddavs._tcp.example.org. IN SRV 0 1 443 mail.sandbox.test.",
        "_imaps._tcp.example.org. IN SRV 0 1 993 mail.sandbox.test.",
        "_jmap._tcp.example.org. IN SRV 0 1 443 mail.sandbox.test.",
        "_pop3s._tcp.example.org. IN SRV 0 1 995 mail.sandbox.test.",
        "_submissions._tcp.example.org. IN SRV 0 1 465 mail.sandbox.test.",
        "mta-sts.example.org. IN CNAME mail.sandbox.test.",
    ]
    assert lines[5:15] == expected_tail
    assert re.fullmatch(r'_mta-sts\.example\.org\. IN TXT "v=STSv1; id=\d+"', lines[15])
    assert (
        lines[16]
        == '_smtp._tls.example.org. IN TXT "v=TLSRPTv1; rua=mailto:postmaster@example.org"'
    )
    assert lines[17] == "ua-auto-config.example.org. IN CNAME mail.sandbox.test."
    assert lines[18].startswith('_ua-auto-config.example.org. IN TXT "v=UAAC1; a=sha256; d=')
    assert lines[19:] == [
        "autoconfig.example.org. IN CNAME mail.sandbox.test.",
        "autodiscover.example.org. IN CNAME mail.sandbox.test.",
    ]
    zone = dns.zone.from_text(
        "$TTL 3600\n" + text, origin="example.org.", relativize=False, check_origin=False
    )
    rsa_name = dns.name.from_text("v1-rsa-20260708._domainkey.example.org.")
    rdata = zone.find_rdataset(rsa_name, dns.rdatatype.TXT)[0]
    joined = b"".join(rdata.strings).decode()
    key = jmap.one("x:DkimSignature/query", {"filter": {"domainId": ident}})["ids"]
    publics = {k["publicKey"] for k in jmap.one("x:DkimSignature/get", {"ids": key})["list"]}
    assert joined.removeprefix("v=DKIM1; k=rsa; h=sha256; p=") in publics


def test_zone_file_without_report_address_and_with_an_inside_host(jmap: Jmap) -> None:
    ident = jmap.create(
        "Domain",
        {"name": "mail.test", "reportAddressUri": None, "dkimManagement": {"@type": "Manual"}},
    )
    text = jmap.get("Domain", ident, ["dnsZoneFile"])["dnsZoneFile"]
    assert "_dmarc" not in text and "_smtp._tls" not in text
    other = jmap.create("Domain", {"name": "sandbox.test", "dkimManagement": {"@type": "Manual"}})
    inside = jmap.get("Domain", other, ["dnsZoneFile"])["dnsZoneFile"].splitlines()
    assert inside[0] == 'mail.sandbox.test. IN TXT "v=spf1 a -all"'
    assert inside[1] == 'sandbox.test. IN TXT "v=spf1 mx -all"'


def test_zone_file_is_left_out_unless_asked(jmap: Jmap, domain: str) -> None:
    assert "dnsZoneFile" not in jmap.get("Domain", domain, ["name", "aliases"])
    everything = jmap.one("x:Domain/get", {"ids": [domain], "properties": None})["list"][0]
    assert "dnsZoneFile" in everything


def test_destroy_blocked_by_dkim_only_then_keys_first(jmap: Jmap, clock: FakeClock) -> None:
    ident = jmap.create("Domain", {"name": "example.org"})
    clock.advance(1)
    keys = sorted(dkim_ids(jmap, ident))
    blocked = jmap.destroy("Domain", ident)
    assert blocked == {
        "accountId": "d333333",
        "notDestroyed": {
            ident: {
                "type": "objectIsLinked",
                "objectId": {"object": "Domain", "id": ident},
                "linkedObjects": [{"object": "DkimSignature", "id": key} for key in keys],
            }
        },
    }
    assert jmap.get("Domain", ident, ["name"])["name"] == "example.org"
    [_, removed] = jmap.call(
        ["x:DkimSignature/get", {"ids": None, "properties": ["id"]}, "R1"],
        [
            "x:DkimSignature/set",
            {"#destroy": {"resultOf": "R1", "name": "x:DkimSignature/get", "path": "/list/*/id"}},
            "R2",
        ],
    )
    assert sorted(removed[1]["destroyed"]) == keys
    assert jmap.destroy("Domain", ident)["destroyed"] == [ident]


def test_destroy_blocked_by_accounts_lists_aliases_and_settings(jmap: Jmap, domain: str) -> None:
    other = jmap.create("Domain", {"name": "example.net", "dkimManagement": {"@type": "Manual"}})
    user = jmap.create(
        "Account",
        {
            "@type": "User",
            "name": "ann",
            "domainId": other,
            "aliases": {"0": {"name": "a", "domainId": domain}},
        },
    )
    listing = jmap.create("MailingList", {"name": "team", "domainId": domain})
    jmap.update("SystemSettings", "singleton", {"defaultDomainId": domain})
    blocked = jmap.destroy("Domain", domain)["notDestroyed"][domain]
    assert blocked["type"] == "objectIsLinked"
    assert blocked["linkedObjects"] == [
        {"object": "Account", "id": user},
        {"object": "MailingList", "id": listing},
        {"object": "SystemSettings", "id": "singleton"},
    ]
    assert jmap.get("Domain", domain, ["name"])["name"] == "example.org"
    assert jmap.get("Account", user, ["name"])["name"] == "ann"


def test_text_filter_and_sorting(jmap: Jmap) -> None:
    b = jmap.create(
        "Domain",
        {
            "name": "zeta.org",
            "description": "Customer Alpha",
            "dkimManagement": {"@type": "Manual"},
        },
    )
    c = jmap.create("Domain", {"name": "alpha.org", "dkimManagement": {"@type": "Manual"}})
    assert jmap.one("x:Domain/query", {"filter": {"text": "alpha"}})["ids"] == [c, b]
    by_name = jmap.one("x:Domain/query", {"sort": [{"property": "name"}]})["ids"]
    assert by_name == [c, b]
    desc = jmap.one("x:Domain/query", {"sort": [{"property": "name", "isAscending": False}]})
    assert desc["ids"] == [b, c]
    assert jmap.one("x:Domain/query", {"filter": {"name": "ALPHA.org"}})["ids"] == []

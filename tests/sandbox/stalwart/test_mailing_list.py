"""x:MailingList: recipients as a Set, shared address uniqueness, destroy."""

from __future__ import annotations

from tests.sandbox.stalwart.conftest import Jmap


def test_create_update_destroy(jmap: Jmap, domain: str) -> None:
    ident = jmap.create(
        "MailingList",
        {"name": "newsletter", "domainId": domain, "recipients": {"JDoe@Example.COM": True}},
    )
    assert jmap.get("MailingList", ident) == {
        "name": "newsletter",
        "domainId": domain,
        "description": None,
        "aliases": {},
        "memberTenantId": None,
        "recipients": {"jdoe@example.com": True},
        "emailAddress": "newsletter@example.org",
        "id": ident,
    }
    assert jmap.update("MailingList", ident, {"recipients/sales@example.com": True})["updated"] == {
        ident: None
    }
    assert jmap.get("MailingList", ident, ["recipients"])["recipients"] == {
        "jdoe@example.com": True,
        "sales@example.com": True,
    }
    jmap.update("MailingList", ident, {"recipients/jdoe@example.com": None})
    jmap.update("MailingList", ident, {"recipients/nobody@example.com": False})
    assert jmap.get("MailingList", ident, ["recipients"])["recipients"] == {
        "sales@example.com": True
    }
    bad = jmap.update("MailingList", ident, {"recipients/not-an-address": True})
    assert bad["notUpdated"][ident]["description"] == "Invalid email address"
    assert jmap.destroy("MailingList", ident)["destroyed"] == [ident]


def test_list_names_share_address_uniqueness(jmap: Jmap, domain: str) -> None:
    ident = jmap.create("MailingList", {"name": "team", "domainId": domain})
    taken = jmap.one(
        "x:Account/set", {"create": {"u": {"@type": "User", "name": "team", "domainId": domain}}}
    )
    assert taken["notCreated"]["u"] == {
        "type": "primaryKeyViolation",
        "properties": ["email"],
        "objectId": {"object": "MailingList", "id": ident},
    }


def test_only_text_filters(jmap: Jmap, domain: str) -> None:
    ident = jmap.create(
        "MailingList", {"name": "team", "domainId": domain, "description": "All staff"}
    )
    assert jmap.one("x:MailingList/query", {"filter": {"text": "staff"}})["ids"] == [ident]
    assert jmap.one("x:MailingList/query", {"filter": {"text": "team"}})["ids"] == [ident]


def test_deleting_an_account_leaves_lists_alone(jmap: Jmap, domain: str) -> None:
    user = jmap.create("Account", {"@type": "User", "name": "ann", "domainId": domain})
    ident = jmap.create(
        "MailingList", {"name": "team", "domainId": domain, "recipients": {"ann@example.org": True}}
    )
    assert jmap.destroy("Account", user)["destroyed"] == [user]
    assert jmap.get("MailingList", ident, ["recipients"])["recipients"] == {"ann@example.org": True}

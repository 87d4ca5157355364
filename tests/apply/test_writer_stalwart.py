"""The Stalwart writer against the emulator over loopback: DKIM wait, the objectIsLinked
algorithm, passwords, suspension that keeps the password, aliases on renumbered lists."""

from __future__ import annotations

import pytest

from dezkysync.apply.passwords import generate_password
from dezkysync.http import ServiceError
from dezkysync.live.model import suspended_permissions
from dezkysync.services.ownership import read_stalwart_description, stalwart_description
from dezkysync.services.writers import StalwartWriter, WriteRefused
from tests.apply.support import Endpoints, Stack, jmap


def writer(stack: Stack, **options: float) -> StalwartWriter:
    clients = stack.clients()
    assert clients.stalwart is not None
    return StalwartWriter(clients.stalwart, **options)


def account(stack: Stack, ident: str, *properties: str) -> dict[str, object]:
    with stack.api("stalwart") as api:
        answer = jmap(api, ["x:Account/get", {"ids": [ident], "properties": list(properties)}, "g"])
    found: dict[str, object] = answer["g"]["list"][0]
    return found


def test_domain_create_carries_the_marker_and_waits_for_dkim(stack: Stack) -> None:
    w = writer(stack)
    domain_id = w.create_domain("acme.test", stalwart_description(None, "acme"))
    assert w.wait_for_dkim(domain_id) is True
    with stack.api("stalwart") as api:
        answer = jmap(
            api,
            ["x:Domain/get", {"ids": [domain_id], "properties": ["name", "description"]}, "d"],
            ["x:DkimSignature/query", {"filter": {"domainId": domain_id}}, "k"],
        )
    domain = answer["d"]["list"][0]
    assert domain["name"] == "acme.test"
    assert read_stalwart_description(domain["description"])[1].tenant == "acme"  # type: ignore[union-attr]
    assert len(answer["k"]["ids"]) == 2


def test_dkim_wait_is_bounded() -> None:
    slow = Stack.start(dkim_delay=30.0)
    try:
        w = writer(slow, dkim_timeout=0.3, poll_interval=0.05)
        domain_id = w.create_domain("slow.test", "[dezkysync:tenant=acme]")
        assert w.wait_for_dkim(domain_id) is False
    finally:
        slow.close()


def test_domain_delete_takes_its_own_dkim_keys_along(stack: Stack) -> None:
    w = writer(stack)
    domain_id = w.create_domain("gone.test", "[dezkysync:tenant=acme]")
    assert w.wait_for_dkim(domain_id)
    assert w.delete_domain(domain_id, "gone.test") is True
    with stack.api("stalwart") as api:
        answer = jmap(
            api,
            ["x:Domain/query", {"filter": {"name": "gone.test"}}, "d"],
            ["x:DkimSignature/query", {"filter": {"domainId": domain_id}}, "k"],
        )
    assert answer["d"]["ids"] == [] and answer["k"]["ids"] == []
    assert w.delete_domain(domain_id, "gone.test") is False  # already gone


def test_domain_still_in_use_is_refused_naming_the_users(stack: Stack) -> None:
    w = writer(stack)
    domain_id = w.create_domain("busy.test", "[dezkysync:tenant=acme]")
    assert w.wait_for_dkim(domain_id)
    w.create_mailbox(
        email="someone@busy.test",
        domain_id=domain_id,
        description="Someone",
        password=generate_password(),
    )
    w.create_list(
        email="team@busy.test", domain_id=domain_id, description="Team", recipients=["a@x.test"]
    )
    with pytest.raises(WriteRefused) as refused:
        w.delete_domain(domain_id, "busy.test")
    message = str(refused.value)
    assert "account someone@busy.test" in message
    assert "mailing list team@busy.test" in message
    with stack.api("stalwart") as api:
        answer = jmap(
            api,
            ["x:Domain/query", {"filter": {"name": "busy.test"}}, "d"],
            ["x:DkimSignature/query", {"filter": {"domainId": domain_id}}, "k"],
        )
    assert answer["d"]["ids"] == [domain_id], "nothing may be deleted"
    assert len(answer["k"]["ids"]) == 2, "the DKIM keys stay when the domain stays"


def test_mailbox_password_suspend_and_resume_keep_the_password(stack: Stack) -> None:
    w = writer(stack)
    ends = Endpoints.of_stack(stack)
    domain_id = w.create_domain("acme.test", "[dezkysync:tenant=acme]")
    password = generate_password()
    mailbox = w.create_mailbox(
        email="alice@acme.test",
        domain_id=domain_id,
        description=stalwart_description("Alice", "acme"),
        password=password,
        quota=1024,
    )
    assert ends.mail_login("alice@acme.test", password) == 200
    assert ends.mail_login("alice@acme.test", "wrong-" + password) == 401
    assert w.suspend_mailbox(mailbox) is True
    assert w.suspend_mailbox(mailbox) is False  # idempotent
    assert ends.mail_login("alice@acme.test", password) == 403
    assert w.resume_mailbox(mailbox) is True
    assert ends.mail_login("alice@acme.test", password) == 200
    assert account(stack, mailbox, "permissions")["permissions"] == {"@type": "Inherit"}
    fresh = generate_password()
    w.set_password(mailbox, fresh)
    assert ends.mail_login("alice@acme.test", fresh) == 200
    assert ends.mail_login("alice@acme.test", password) == 401
    w.set_quota(mailbox, 2048)
    assert account(stack, mailbox, "quotas")["quotas"] == {"maxDiskQuota": 2048}


def test_resume_restores_custom_permissions_exactly(stack: Stack) -> None:
    w = writer(stack)
    domain_id = w.create_domain("acme.test", "[dezkysync:tenant=acme]")
    custom = {
        "@type": "Merge",
        "enabledPermissions": {"emailSend": True},
        "disabledPermissions": {"emailReceive": True},
    }
    mailbox = w.create_mailbox(
        email="bob@acme.test", domain_id=domain_id, description="Bob", password=generate_password()
    )
    with stack.api("stalwart") as api:
        jmap(api, ["x:Account/set", {"update": {mailbox: {"permissions": custom}}}, "u"])
    w.suspend_mailbox(mailbox)
    assert account(stack, mailbox, "permissions")["permissions"] == suspended_permissions(custom)
    w.resume_mailbox(mailbox)
    assert account(stack, mailbox, "permissions")["permissions"] == custom


def test_created_suspended_mailbox_refuses_logins(stack: Stack) -> None:
    w = writer(stack)
    domain_id = w.create_domain("acme.test", "[dezkysync:tenant=acme]")
    password = generate_password()
    mailbox = w.create_mailbox(
        email="bob@acme.test",
        domain_id=domain_id,
        description="Bob",
        password=password,
        suspended=True,
    )
    assert Endpoints.of_stack(stack).mail_login("bob@acme.test", password) == 403
    w.resume_mailbox(mailbox)
    assert Endpoints.of_stack(stack).mail_login("bob@acme.test", password) == 200


def test_aliases_are_found_by_address_after_renumbering(stack: Stack) -> None:
    w = writer(stack)
    domain_id = w.create_domain("acme.test", "[dezkysync:tenant=acme]")
    mailbox = w.create_mailbox(
        email="alice@acme.test", domain_id=domain_id, description="A", password=generate_password()
    )
    for name in ("one", "two", "three"):
        assert w.add_alias("x:Account", mailbox, f"{name}@acme.test", domain_id) is True
    assert w.add_alias("x:Account", mailbox, "two@acme.test", domain_id) is False
    assert w.remove_alias("x:Account", mailbox, "one@acme.test", domain_id) is True
    # "three" moved from index 2 to 1: it is still found by its address.
    assert w.remove_alias("x:Account", mailbox, "three@acme.test", domain_id) is True
    assert w.remove_alias("x:Account", mailbox, "three@acme.test", domain_id) is False
    aliases = account(stack, mailbox, "aliases")["aliases"]
    assert [a["name"] for a in aliases.values()] == ["two"]  # type: ignore[union-attr]


def test_list_recipients_change_member_by_member(stack: Stack) -> None:
    w = writer(stack)
    domain_id = w.create_domain("acme.test", "[dezkysync:tenant=acme]")
    list_id = w.create_list(
        email="team@acme.test",
        domain_id=domain_id,
        description=stalwart_description("Team", "acme"),
        recipients=["a@x.test", "b@x.test"],
    )
    w.change_recipients(list_id, add=["c@x.test"], remove=["a@x.test"])
    with stack.api("stalwart") as api:
        found = jmap(api, ["x:MailingList/get", {"ids": [list_id]}, "g"])["g"]["list"][0]
    assert found["recipients"] == {"b@x.test": True, "c@x.test": True}
    assert w.delete_list(list_id) is True
    assert w.delete_list(list_id) is False


def test_weak_or_duplicate_writes_fail_without_the_password_in_the_message(stack: Stack) -> None:
    w = writer(stack)
    domain_id = w.create_domain("acme.test", "[dezkysync:tenant=acme]")
    with pytest.raises(ServiceError) as weak:
        w.create_mailbox(
            email="x@acme.test", domain_id=domain_id, description="X", password="password1"
        )
    assert "password1" not in str(weak.value)
    assert "invalidProperties" in str(weak.value)
    password = generate_password()
    w.create_mailbox(email="y@acme.test", domain_id=domain_id, description="Y", password=password)
    with pytest.raises(ServiceError) as duplicate:
        w.create_mailbox(
            email="y@acme.test", domain_id=domain_id, description="Y", password=password
        )
    assert "primaryKeyViolation" in str(duplicate.value)
    assert password not in str(duplicate.value)

"""The Stalwart client: batching, paging, completeness checks, object conversion."""

from __future__ import annotations

import httpx
import pytest

from dezkysync.http import (
    IncompleteRead,
    RequestCounter,
    ServiceClient,
    UnexpectedResponse,
)
from dezkysync.live.model import Ownership
from dezkysync.services.stalwart import StalwartClient
from tests.services.fake_jmap import FakeJmap, account, domain


def b32(n: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz792013"
    text = ""
    while True:
        text = alphabet[n % 32] + text
        n //= 32
        if n == 0:
            return text


def make(fake: FakeJmap) -> tuple[StalwartClient, RequestCounter]:
    counter = RequestCounter()
    http = ServiceClient(
        "stalwart", "http://mail.test", "tok", transport=fake.transport(), counter=counter
    )
    return StalwartClient(http, concurrency=4), counter


def many_accounts(count: int) -> list[dict[str, object]]:
    return [account(b32(1000 + n), f"user{n:05d}", "b") for n in range(count)]


def test_small_state_in_one_jmap_request() -> None:
    fake = FakeJmap(
        {
            "x:Domain": [
                domain("b", "acme.example", "Acme [dezkysync:tenant=acme]"),
                domain("c", "other.example"),
            ],
            "x:Account": [
                account(
                    "d",
                    "alice",
                    "b",
                    emailAddress="alice@acme.example",
                    description="Alice Example [dezkysync:tenant=acme]",
                    aliases={
                        "0": {"name": "info", "domainId": "b"},
                        "3": {"name": "Sales", "domainId": "c", "enabled": False},
                    },
                    quotas={"maxDiskQuota": 1024},
                    permissions={
                        "@type": "Merge",
                        "enabledPermissions": {},
                        "disabledPermissions": {"authenticate": True},
                    },
                ),
                account("e", "bob", "c", description="Bob"),
                {**account("f", "staff", "b"), "@type": "Group"},
            ],
            "x:MailingList": [
                {
                    "id": "g",
                    "name": "team",
                    "domainId": "b",
                    "description": "Team [dezkysync:tenant=acme]",
                    "recipients": {"Alice@acme.example": True, "x@y.example": True},
                    "aliases": {},
                }
            ],
        }
    )
    client, counter = make(fake)
    state = client.read_state()
    assert counter.requests("stalwart") == 2  # the session, then one JMAP request
    assert fake.requests == 1
    assert state.identity == "admin" and state.account_id == "d333333"
    assert [d.name for d in state.domains] == ["acme.example", "other.example"]
    assert state.domain_by_name["acme.example"].owner == Ownership("acme")
    assert [m.email for m in state.mailboxes] == ["alice@acme.example", "bob@other.example"]
    alice = state.mailbox_by_email["alice@acme.example"]
    assert alice.display_name == "Alice Example" and alice.owner == Ownership("acme")
    assert alice.alias_emails == ("info@acme.example", "sales@other.example")
    assert [a.index for a in alice.aliases] == ["0", "3"]
    assert alice.aliases[1].enabled is False
    assert alice.quota == 1024 and alice.suspended
    bob = state.mailbox_by_email["bob@other.example"]
    assert (
        bob.owner is None and bob.display_name == "Bob" and not bob.suspended and bob.quota is None
    )
    (team,) = state.lists
    assert team.email == "team@acme.example"
    assert team.recipients == ("alice@acme.example", "x@y.example")
    assert state.address_holders["sales@other.example"] == ("alias", "alice@acme.example")
    assert "x:Account/changes" not in fake.calls


@pytest.mark.parametrize(("count", "max_requests"), [(500, 1), (501, 2), (1234, 2), (12_000, 4)])
def test_requests_grow_with_pages_not_objects(count: int, max_requests: int) -> None:
    fake = FakeJmap({"x:Domain": [domain("b", "acme.example")], "x:Account": many_accounts(count)})
    client, _ = make(fake)
    state = client.read_state()
    assert len(state.mailboxes) == count
    assert len({m.id for m in state.mailboxes}) == count
    assert fake.requests <= max_requests


def test_a_server_paging_shorter_than_asked_is_still_read_completely() -> None:
    fake = FakeJmap(
        {"x:Domain": [domain("b", "acme.example")], "x:Account": many_accounts(2345)}, query_cap=300
    )
    client, _ = make(fake)
    assert len(client.read_state().mailboxes) == 2345


def test_objects_created_while_paging_ids_make_the_read_incomplete() -> None:
    def grow(fake: FakeJmap, number: int) -> None:
        if number == 1:
            fake.objects["x:Account"].append(account("zzzz", "late", "b"))

    fake = FakeJmap(
        {"x:Domain": [domain("b", "acme.example")], "x:Account": many_accounts(6000)},
        before_request=grow,
    )
    client, _ = make(fake)
    with pytest.raises(IncompleteRead, match="total changed"):
        client.read_state()


def test_ids_known_in_the_first_request_are_a_consistent_snapshot() -> None:
    """Up to 5,500 objects every id comes in the first request; an object created later is
    simply not part of that snapshot (and the next plan sees it)."""

    def grow(fake: FakeJmap, number: int) -> None:
        if number == 1:
            fake.objects["x:Account"].append(account("zzzz", "late", "b"))

    fake = FakeJmap(
        {"x:Domain": [domain("b", "acme.example")], "x:Account": many_accounts(1200)},
        before_request=grow,
    )
    client, _ = make(fake)
    assert len(client.read_state().mailboxes) == 1200


def test_an_object_vanishing_between_query_and_get_is_incomplete() -> None:
    fake = FakeJmap({"x:Domain": [domain("b", "acme.example")], "x:Account": many_accounts(700)})
    fake.drop_from_get = {b32(1000 + 3)}
    client, _ = make(fake)
    with pytest.raises(IncompleteRead, match="missing from the answer"):
        client.read_state()


def test_a_method_error_fails_the_read() -> None:
    fake = FakeJmap({"x:Domain": [], "x:Account": []})
    fake.fail_method = "x:MailingList/query"
    client, _ = make(fake)
    with pytest.raises(UnexpectedResponse, match="x:MailingList/query failed: forbidden"):
        client.read_state()


def test_an_account_on_an_unknown_domain_is_incomplete() -> None:
    fake = FakeJmap(
        {"x:Domain": [domain("b", "acme.example")], "x:Account": [account("d", "a", "zz")]}
    )
    client, _ = make(fake)
    with pytest.raises(IncompleteRead, match="domain id zz"):
        client.read_state()


def test_a_session_without_the_management_account_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"username": "alice@acme.example", "primaryAccounts": {}})

    http = ServiceClient(
        "stalwart", "http://mail.test", "tok", transport=httpx.MockTransport(handler)
    )
    with pytest.raises(UnexpectedResponse, match="urn:stalwart:jmap"):
        StalwartClient(http).read_state()


def test_missing_totals_are_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(
                200, json={"username": "admin", "primaryAccounts": {"urn:stalwart:jmap": "a"}}
            )
        calls = __import__("json").loads(request.content)["methodCalls"]
        answers = [[n, {"ids": [], "list": [], "notFound": []}, c] for n, _, c in calls]
        return httpx.Response(200, json={"methodResponses": answers})

    http = ServiceClient(
        "stalwart", "http://mail.test", "tok", transport=httpx.MockTransport(handler)
    )
    with pytest.raises(UnexpectedResponse, match="no total"):
        StalwartClient(http).read_state()


def test_read_zone_files() -> None:
    fake = FakeJmap(
        {"x:Domain": [domain(b32(n), f"d{n}.example") for n in range(120)]},
    )
    fake.zone_files = {f"d{n}.example": f"d{n}.example. IN MX 10 mail." for n in range(120)}
    client, _ = make(fake)
    zones = client.read_zone_files(["D3.example.", "d77.example", "missing.example"])
    assert zones == {
        "D3.example.": "d3.example. IN MX 10 mail.",
        "d77.example": "d77.example. IN MX 10 mail.",
        "missing.example": None,
    }
    assert client.read_zone_files([]) == {}

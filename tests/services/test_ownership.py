"""Ownership markers: formats and robust parsing."""

from __future__ import annotations

import pytest

from dezkysync.live.model import Ownership
from dezkysync.services.ownership import (
    authentik_marker,
    group_name,
    ocis_owner,
    read_authentik_marker,
    read_stalwart_description,
    stalwart_description,
    with_authentik_marker,
)


def test_group_names() -> None:
    assert group_name("acme", "members") == "tenant-acme"
    assert group_name("acme", "admins") == "tenant-acme-admins"


def test_authentik_round_trip() -> None:
    attributes = with_authentik_marker({"profile": {"dept": "ops"}}, "acme")
    assert attributes == {
        "profile": {"dept": "ops"},
        "dezkysync": {"managed": True, "tenant": "acme"},
    }
    assert read_authentik_marker(attributes, group=False) == Ownership("acme")
    group = with_authentik_marker({}, "acme", "admins")
    assert read_authentik_marker(group, group=True) == Ownership("acme", "admins")
    assert authentik_marker("x", "members") == {"managed": True, "tenant": "x", "role": "members"}


@pytest.mark.parametrize(
    "attributes",
    [None, {}, {"tenant": "acme"}, {"dezkysync": {"managed": False, "tenant": "acme"}}],
)
def test_authentik_unmanaged(attributes: object) -> None:
    assert read_authentik_marker(attributes, group=False) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("attributes", "group"),
    [
        ({"dezkysync": "acme"}, False),
        ({"dezkysync": {"managed": "yes", "tenant": "acme"}}, False),
        ({"dezkysync": {"managed": True}}, False),
        ({"dezkysync": {"managed": True, "tenant": "Not A Slug"}}, False),
        ({"dezkysync": {"managed": True, "tenant": "acme"}}, True),  # a group without a role
        ({"dezkysync": {"managed": True, "tenant": "acme", "role": "owners"}}, True),
    ],
)
def test_authentik_unreadable_markers(attributes: dict[str, object], group: bool) -> None:
    owner = read_authentik_marker(attributes, group=group)
    assert owner is not None and owner.problem


def test_stalwart_round_trip() -> None:
    text = stalwart_description("Alice Example", "acme")
    assert text == "Alice Example [dezkysync:tenant=acme]"
    assert read_stalwart_description(text) == ("Alice Example", Ownership("acme"))
    assert stalwart_description(None, "acme") == "[dezkysync:tenant=acme]"
    assert read_stalwart_description("[dezkysync:tenant=acme]") == (None, Ownership("acme"))


@pytest.mark.parametrize(
    ("description", "display", "tenant"),
    [
        ("Alice  [ DezkySync : tenant = acme ]  ", "Alice", "acme"),
        ("Bob [dezkysync:tenant=globex;role=x]", "Bob", "globex"),
        ("Team [dezkysync:tenant=acme, v=1]", "Team", "acme"),
        ("Name with [brackets] [dezkysync:tenant=acme]", "Name with [brackets]", "acme"),
    ],
)
def test_stalwart_parsing_is_robust(description: str, display: str, tenant: str) -> None:
    assert read_stalwart_description(description) == (display, Ownership(tenant))


@pytest.mark.parametrize(
    ("description", "display"),
    [(None, None), ("", None), ("PIZZA!", "PIZZA!"), ("[dezkysync:tenant=a] trailing", None)],
)
def test_stalwart_unmanaged(description: str | None, display: str | None) -> None:
    shown, owner = read_stalwart_description(description)
    assert owner is None
    if description and display is None:
        assert shown == description  # a marker that is not a suffix does not count
    else:
        assert shown == display


@pytest.mark.parametrize(
    "description", ["X [dezkysync:]", "X [dezkysync:owner=acme]", "X [dezkysync:tenant=ACME!]"]
)
def test_stalwart_unreadable(description: str) -> None:
    display, owner = read_stalwart_description(description)
    assert display == "X"
    assert owner is not None and owner.problem


def test_ocis_follows_the_identity() -> None:
    assert ocis_owner(None) is None

"""/query paging and sorting (with Stalwart's fast-path quirks) and the 500/5000 limits."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.stalwart.conftest import Jmap


@pytest.fixture
def five(jmap: Jmap, domain: str) -> list[str]:
    """Five users b..f (ids ascending)."""
    creates = {f"u{i}": {"@type": "User", "name": f"user{i}", "domainId": domain} for i in range(5)}
    result = jmap.one("x:Account/set", {"create": creates})
    return [result["created"][f"u{i}"]["id"] for i in range(5)]


def query(jmap: Jmap, **args: Any) -> dict[str, Any]:
    return jmap.one("x:Account/query", args)


def test_default_sort_is_id_descending(jmap: Jmap, five: list[str]) -> None:
    assert five == ["b", "c", "d", "e", "f"]
    assert query(jmap) == {
        "accountId": "d333333",
        "queryState": "n",
        "canCalculateChanges": True,
        "position": 0,
        "ids": ["f", "e", "d", "c", "b"],
    }
    assert query(jmap, sort=[{"property": "id", "isAscending": True}])["ids"] == five


def test_fast_path_pages_ascending_then_reverses(jmap: Jmap, five: list[str]) -> None:
    first = query(jmap, limit=2)
    assert first["ids"] == ["c", "b"] and "limit" not in first and first["position"] == 0
    later = query(jmap, limit=2, position=2)
    assert later["ids"] == ["e", "d"] and later["position"] == 0
    slow = query(jmap, limit=2, position=0)
    assert slow["ids"] == ["f", "e"] and slow["limit"] == 2 and slow["position"] == 0


def test_total_and_limit_only_when_asked_or_cut(jmap: Jmap, five: list[str]) -> None:
    counted = query(jmap, limit=2, calculateTotal=True)
    assert counted["total"] == 5 and counted["limit"] == 2 and counted["ids"] == ["f", "e"]
    whole = query(jmap, calculateTotal=True)
    assert whole["total"] == 5 and "limit" not in whole
    moved = query(jmap, calculateTotal=True, position=3)
    assert moved["ids"] == ["c", "b"] and moved["position"] == 3


def test_ascending_pages_cover_everything_once(jmap: Jmap, five: list[str]) -> None:
    ascending = [{"property": "id", "isAscending": True}]
    seen: list[str] = []
    position = 0
    while True:
        page = query(jmap, sort=ascending, position=position, limit=2)["ids"]
        if not page:
            break
        seen += page
        position += len(page)
    assert seen == five


def test_anchors_and_negative_positions(jmap: Jmap, five: list[str]) -> None:
    ascending = [{"property": "id", "isAscending": True}]
    assert query(jmap, sort=ascending, anchor="c", limit=2)["ids"] == ["d", "e"]
    offset = query(jmap, sort=ascending, anchor="d", anchorOffset=-1, limit=2)
    assert offset["ids"] == ["c", "d"] and offset["position"] == 1
    tail = query(jmap, sort=ascending, position=-2, limit=5, calculateTotal=True)
    assert tail["ids"] == ["e", "f"] and tail["position"] == 3
    [[name, error, _]] = jmap.call(["x:Account/query", {"anchor": "zz", "anchorOffset": -1}, "q"])
    assert name == "error" and error["type"] == "anchorNotFound"


def test_bad_arguments(jmap: Jmap, five: list[str]) -> None:
    calls = [
        ["x:Account/query", {"sort": [{"property": "description"}]}, "a"],
        ["x:MailingList/query", {"sort": [{"property": "name"}]}, "b"],
        ["x:MailingList/query", {"filter": {"domainId": "b"}}, "c"],
        ["x:Account/query", {"filter": {"nonsense": 1}}, "d"],
        ["x:Account/query", {"limit": -1}, "e"],
        ["x:Account/query", {"filter": {"@type": "Robot"}}, "f"],
        ["x:SystemSettings/query", {}, "g"],
        ["x:Action/query", {}, "h"],
    ]
    responses = jmap.call(*calls)
    assert responses[0][1] == {
        "type": "unsupportedSort",
        "description": "Property description is not supported for sorting",
    }
    assert responses[1][1]["type"] == "unsupportedSort"
    assert responses[2][1] == {
        "type": "unsupportedFilter",
        "description": "Filter on property domainId is not supported or invalid",
    }
    assert responses[3][1] == {"type": "unsupportedFilter", "description": "nonsense"}
    assert responses[4][1]["type"] == "invalidArguments"
    assert responses[5][1]["type"] == "unsupportedFilter"
    assert responses[6][1]["type"] == "invalidArguments"
    assert responses[7][1] == {
        "type": "invalidArguments",
        "description": "Actions cannot be queried",
    }


def test_sort_by_type_and_the_zero_limit_quirk(jmap: Jmap, five: list[str], domain: str) -> None:
    group = jmap.create("Account", {"@type": "Group", "name": "staff", "domainId": domain})
    by_type = query(jmap, sort=[{"property": "@type"}])["ids"]
    assert by_type == [*five, group]  # User sorts before Group
    assert query(jmap, limit=0)["ids"] == ["b"]  # the store takes one id before checking


def test_comparison_filters(jmap: Jmap, five: list[str]) -> None:
    assert query(jmap, filter={"nameIsGreaterThan": "user2"}, sort=[{"property": "name"}])[
        "ids"
    ] == ["e", "f"]
    assert query(jmap, filter={"nameIsLessThanOrEqual": "user1"})["ids"] == ["c", "b"]


def test_get_limits(jmap: Jmap, domain: str) -> None:
    too_many = jmap.call(["x:Account/get", {"ids": [f"x{i}" for i in range(501)]}, "g"])
    assert too_many[0][1]["type"] == "requestTooLarge"
    creates = {str(i): {"name": f"d{i}.test"} for i in range(501)}
    big_set = jmap.call(["x:Domain/set", {"create": creates}, "s"])
    assert big_set[0][1]["type"] == "requestTooLarge"
    odd = jmap.one("x:Account/get", {"ids": ["!!", "zzzz"], "properties": ["name"]})
    assert odd["notFound"] == ["!!", "zzzz"] and odd["list"] == []


def test_properties_filtering_quirks(jmap: Jmap, five: list[str]) -> None:
    only = jmap.get("Account", "b", ["name", "bogus"])
    assert only == {"name": "user0", "id": "b"}
    typed = jmap.get("Account", "b", ["@type"])
    assert typed == {"@type": "User", "id": "b"}
    everything = jmap.get("Account", "b", ["bogus"])
    assert "emailAddress" in everything and "credentials" in everything
    empty_list = jmap.get("Account", "b", [])
    assert "emailAddress" in empty_list


def test_twenty_thousand_accounts(jmap: Jmap, domain: str) -> None:
    total, made = 20_000, 0
    while made < total:  # 16 creates of 500 per request
        calls = []
        for k in range(min(16, (total - made) // 500)):
            creates = {
                f"u{made + i}": {"@type": "User", "name": f"user{made + i}", "domainId": domain}
                for i in range(500)
            }
            made += 500
            calls.append(["x:Account/set", {"create": creates}, str(k)])
        assert all(len(r[1]["created"]) == 500 for r in jmap.call(*calls))

    capped = jmap.one("x:Account/get", {"ids": None, "properties": ["name"]})
    assert len(capped["list"]) == 500 and capped["list"][0]["name"] == "user0"
    ascending = [{"property": "id", "isAscending": True}]
    counted = query(jmap, sort=ascending, calculateTotal=True)
    assert counted["total"] == total and counted["limit"] == 5000 and len(counted["ids"]) == 5000

    # All ids: four /query pages of 5000 (the cap) in one request.
    pages = jmap.call(
        *[
            ["x:Account/query", {"sort": ascending, "position": p * 5000, "limit": 5000}, f"q{p}"]
            for p in range(4)
        ]
    )
    ids = [ident for page in pages for ident in page[1]["ids"]]
    assert len(ids) == total and len(set(ids)) == total

    # Then /get in batches of 500, sixteen calls per request.
    batches = [ids[i : i + 500] for i in range(0, total, 500)]
    names: list[str] = []
    for start in range(0, len(batches), 16):
        calls = [
            ["x:Account/get", {"ids": batch, "properties": ["name"]}, f"g{n}"]
            for n, batch in enumerate(batches[start : start + 16])
        ]
        for response in jmap.call(*calls):
            assert response[1]["notFound"] == []
            names += [entry["name"] for entry in response[1]["list"]]
    assert names == [f"user{i}" for i in range(total)]

    # Query and get chained by result references: 8 pages of 500 in one 16-call request.
    chained: list[list[Any]] = []
    for page in range(8):
        chained.append(
            [
                "x:Account/query",
                {"sort": ascending, "position": page * 500, "limit": 500},
                f"q{page}",
            ]
        )
        reference = {"resultOf": f"q{page}", "name": "x:Account/query", "path": "/ids"}
        chained.append(["x:Account/get", {"#ids": reference, "properties": ["name"]}, f"g{page}"])
    gets = [r for r in jmap.call(*chained) if r[0] == "x:Account/get"]
    listed = [entry["name"] for r in gets for entry in r[1]["list"]]
    assert listed == [f"user{i}" for i in range(4000)]

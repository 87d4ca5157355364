"""Creation-id and result references, createdIds, and the /set processing order."""

from __future__ import annotations

from tests.sandbox.stalwart.conftest import USING, Jmap


def test_creation_ids_resolve_within_a_call_and_across_calls(jmap: Jmap) -> None:
    responses = jmap.call(
        [
            "x:Account/set",
            {
                "create": {
                    "u": {
                        "@type": "User",
                        "name": "ann",
                        "domainId": "#d",
                        "memberGroupIds": {"#g": True},
                    },
                    "g": {"@type": "Group", "name": "staff", "domainId": "#d"},
                }
            },
            "a",
        ],
        ["x:Domain/set", {"create": {"d": {"name": "example.org"}}}, "0"],
        [
            "x:Account/set",
            {
                "create": {
                    "g": {"@type": "Group", "name": "staff", "domainId": "#d"},
                    "u": {
                        "@type": "User",
                        "name": "ann",
                        "domainId": "#d",
                        "memberGroupIds": {"#g": True},
                    },
                }
            },
            "1",
        ],
        ["x:Account/get", {"ids": ["#u"], "properties": ["memberGroupIds", "domainId"]}, "2"],
    )
    assert responses[0][1]["notCreated"]["u"]["type"] == "notFound"  # "#d" not created yet
    assert responses[1][1]["created"]["d"]["id"] == "b"
    created = responses[2][1]["created"]
    group, ann = created["g"]["id"], created["u"]["id"]
    assert responses[3][1]["list"] == [
        {"domainId": "b", "memberGroupIds": {group: True}, "id": ann}
    ]


def test_dependent_creates_in_one_set_are_ordered(jmap: Jmap, domain: str) -> None:
    result = jmap.one(
        "x:Account/set",
        {
            "create": {
                "u": {
                    "@type": "User",
                    "name": "ann",
                    "domainId": domain,
                    "memberGroupIds": {"#g": True},
                },
                "g": {"@type": "Group", "name": "staff", "domainId": domain},
            }
        },
    )
    assert set(result["created"]) == {"u", "g"}


def test_created_ids_are_echoed_only_when_sent(jmap: Jmap) -> None:
    call = ["x:Domain/set", {"create": {"d": {"name": "example.org"}}}, "0"]
    plain = jmap.post({"using": USING, "methodCalls": [call]}).json()
    assert "createdIds" not in plain
    call2 = ["x:Domain/set", {"create": {"e": {"name": "example.net"}}}, "0"]
    with_ids = jmap.post({"using": USING, "methodCalls": [call2], "createdIds": {"x": "b"}}).json()
    assert with_ids["createdIds"] == {"x": "b", "e": "c"}
    assert list(with_ids) == ["methodResponses", "createdIds", "sessionState"]


def test_result_reference_errors(jmap: Jmap, domain: str) -> None:
    responses = jmap.call(
        ["x:Domain/query", {}, "q"],
        ["x:Domain/get", {"#ids": {"resultOf": "q", "name": "x:Domain/get", "path": "/ids"}}, "a"],
        [
            "x:Domain/get",
            {"#ids": {"resultOf": "nope", "name": "x:Domain/query", "path": "/ids"}},
            "b",
        ],
        [
            "x:Domain/get",
            {"#ids": {"resultOf": "q", "name": "x:Domain/query", "path": "/nothing"}},
            "c",
        ],
        [
            "x:Domain/get",
            {"ids": [], "#ids": {"resultOf": "q", "name": "x:Domain/query", "path": "/ids"}},
            "d",
        ],
        [
            "x:Domain/get",
            {"#ids": {"resultOf": "q", "name": "x:Domain/query", "path": "/ids"}},
            "e",
        ],
    )
    assert [r[1]["type"] for r in responses[1:5]] == [
        "invalidResultReference",
        "invalidResultReference",
        "invalidResultReference",
        "invalidArguments",
    ]
    assert responses[5][1]["list"][0]["id"] == domain


def test_update_and_destroy_of_the_same_id(jmap: Jmap, domain: str) -> None:
    result = jmap.one(
        "x:Domain/set",
        {"update": {domain: {"description": "x"}}, "destroy": [domain, "zz", "sdfasdf"]},
    )
    assert result == {
        "accountId": "d333333",
        "destroyed": [domain],
        "notUpdated": {domain: {"type": "willDestroy"}},
        "notDestroyed": {"zz": {"type": "notFound"}, "sdfasdf": {"type": "notFound"}},
    }
    missing = jmap.one("x:Domain/set", {"update": {"zz": {"description": "x"}}})
    assert missing["notUpdated"] == {"zz": {"type": "notFound"}}


def test_no_state_fields(jmap: Jmap, domain: str) -> None:
    responses = jmap.call(
        ["x:Domain/get", {"ids": [domain]}, "g"],
        ["x:Domain/set", {"update": {domain: {"description": "x"}}}, "s"],
        ["x:Domain/query", {}, "q"],
    )
    for _, args, _ in responses:
        assert not {"state", "oldState", "newState"} & set(args)
    assert responses[1][1]["updated"] == {domain: None}


def test_account_id_echo_and_default(jmap: Jmap, domain: str) -> None:
    [[_, implicit, _]] = jmap.call(["x:Domain/query", {}, "q"])
    assert implicit["accountId"] == "d333333"
    [[_, explicit, _]] = jmap.call(["x:Domain/query", {"accountId": "d333333"}, "q"])
    assert explicit["accountId"] == "d333333"

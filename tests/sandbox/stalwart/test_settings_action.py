"""x:SystemSettings (singleton) and x:Action (create-only)."""

from __future__ import annotations

from tests.sandbox.stalwart.conftest import Jmap


def test_system_settings_singleton(jmap: Jmap, domain: str) -> None:
    assert jmap.get("SystemSettings", "singleton") == {"defaultDomainId": None, "id": "singleton"}
    everything = jmap.one("x:SystemSettings/get", {"ids": None})
    assert everything["list"] == [{"defaultDomainId": None, "id": "singleton"}]
    other = jmap.one("x:SystemSettings/get", {"ids": ["b"]})
    assert other["notFound"] == ["b"]
    bad = jmap.update("SystemSettings", "singleton", {"defaultDomainId": "zz"})
    assert bad["notUpdated"]["singleton"] == {
        "type": "invalidForeignKey",
        "objectId": {"object": "Domain", "id": "zz"},
    }
    assert jmap.update("SystemSettings", "singleton", {"defaultDomainId": domain})["updated"] == {
        "singleton": None
    }
    wrong_id = jmap.update("SystemSettings", "b", {"defaultDomainId": domain})
    assert wrong_id["notUpdated"] == {"b": {"type": "notFound"}}
    destroy = jmap.destroy("SystemSettings", "singleton")
    assert destroy["notDestroyed"] == {"singleton": {"type": "singleton"}}
    created = jmap.one("x:SystemSettings/set", {"create": {"s": {"defaultDomainId": domain}}})
    assert created["created"] == {"s": {"id": "singleton"}}


def test_actions(jmap: Jmap) -> None:
    result = jmap.one(
        "x:Action/set",
        {
            "create": {"c": {"@type": "InvalidateCaches"}, "x": {"@type": "Nonsense"}},
            "update": {"b": {}},
            "destroy": ["b"],
        },
    )
    assert set(result["created"]) == {"c"} and isinstance(result["created"]["c"]["id"], str)
    assert (
        result["notCreated"]["x"]["description"] == "Missing or invalid '@type' property in object"
    )
    assert result["notUpdated"] == {
        "b": {"type": "forbidden", "description": "Actions cannot be updated"}
    }
    assert result["notDestroyed"] == {
        "b": {"type": "forbidden", "description": "Actions cannot be destroyed"}
    }
    assert jmap.one("x:Action/get", {"ids": ["b"]})["notFound"] == ["b"]


def test_not_emulated_objects_say_so_after_the_permission_check(jmap: Jmap) -> None:
    [[name, error, _]] = jmap.call(["x:Role/get", {}, "r"])
    assert name == "error"
    assert error == {"type": "unknownMethod", "description": "x:Role/get (not emulated)"}

"""Saved plans: round trip, schema, format version, maximum age."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from dezkysync.plan import (
    Plan,
    SavedPlanError,
    check_age,
    from_document,
    load_plan,
    save_plan,
    to_document,
)
from tests.plan.builders import NOW, World, converged, member, plan_of, tenant, tenant_set

ACME = tenant_set(
    tenant(
        "acme",
        members=(
            member("alice@acme.example", aliases=("a@acme.example",)),
            member("bob@acme.example"),
        ),
    )
)


def some_plan() -> Plan:
    world = converged(
        tenant_set(
            tenant(
                "acme", members=(member("bob@acme.example", "Bobby"), member("zed@acme.example"))
            )
        )
    )
    world.mailbox("alice@acme.example", None, "Alice")
    return plan_of(ACME, world)


def test_round_trip(tmp_path: Path) -> None:
    plan = some_plan()
    path = tmp_path / "plan.json"
    save_plan(plan, path)
    loaded = load_plan(path)
    assert loaded == plan
    assert loaded.blocked_ids == plan.blocked_ids
    assert from_document(to_document(plan)) == plan
    assert oct(path.stat().st_mode & 0o777) == "0o644"


def test_computed_from() -> None:
    plan = some_plan()
    source = plan.computed_from
    assert source.created_at == NOW and source.max_age == timedelta(hours=1)
    assert {t.slug for t in source.tenants} == {"acme"}
    assert len(source.tenants[0].desired_hash) == 64
    for change in plan.changes:
        assert change.object_ref in source.live_objects
    assert source.live_objects["stalwart:mailbox:bob@acme.example"].startswith("sha256:")
    assert source.live_objects["authentik:identity:alice@acme.example"] == "absent"
    assert source.live_objects["stalwart:mailbox:alice@acme.example"] != "absent"  # adopted


def test_fingerprints_move_with_the_live_object() -> None:
    world = converged(ACME)
    world.replace(world.mailboxes[0], quota=5)
    first = plan_of(ACME, world).computed_from.live_objects
    world.replace(world.mailboxes[0], quota=6)
    second = plan_of(ACME, world).computed_from.live_objects
    ref = f"stalwart:mailbox:{world.mailboxes[0].email}"
    assert first[ref] != second[ref]


def test_age() -> None:
    plan = some_plan()
    assert check_age(plan, NOW + timedelta(minutes=59)) is None
    message = check_age(plan, NOW + timedelta(hours=2))
    assert message is not None and "2h ago" in message and "maximum age of 1h" in message
    assert check_age(plan, NOW - timedelta(hours=1)) is not None  # from the future


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "invalid JSON"),
        ('{"kind": "something"}', "not a dezkysync saved plan"),
        ('{"kind": "dezkysync-plan", "format_version": 99}', "format 99"),
    ],
)
def test_bad_saved_plans(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content)
    with pytest.raises(SavedPlanError, match=message):
        load_plan(path)


def test_a_tampered_plan_is_refused(tmp_path: Path) -> None:
    document = to_document(some_plan())
    document["changes"][0]["action"] = "explode"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document))
    with pytest.raises(SavedPlanError, match="changes/0/action"):
        load_plan(path)
    with pytest.raises(SavedPlanError, match="no such saved plan"):
        load_plan(tmp_path / "missing.json")


def test_no_secret_in_a_saved_plan(tmp_path: Path) -> None:
    plan = plan_of(ACME, World())
    path = tmp_path / "plan.json"
    save_plan(plan, path)
    text = path.read_text()
    assert "(generated at apply)" in text
    assert "secret" not in text.lower()

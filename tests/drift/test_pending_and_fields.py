"""Pending changes between two desired states, and how restoring changes become drifted
fields (never a password)."""

from __future__ import annotations

from pathlib import Path

from dezkysync.drift import drifted_fields, pending_changes
from dezkysync.drift.pending import PendingChange
from dezkysync.plan.model import DEACTIVATE_BEFORE_REMOVAL, GENERATED, Change, FieldChange
from dezkysync.tenants import Tenant, load_tenants

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "tenants"


def acme() -> Tenant:
    tenant = load_tenants([EXAMPLES]).tenant("acme")
    assert tenant is not None
    return tenant


def test_same_state_has_nothing_pending() -> None:
    canonical = acme().canonical()
    assert pending_changes("acme", canonical, canonical) == []


def test_every_kind_of_difference_field_by_field() -> None:
    before = acme().canonical()
    after = acme().canonical()
    after["name"] = "Acme AG"
    domains = after["domains"]
    members = after["members"]
    lists = after["lists"]
    assert isinstance(domains, list) and isinstance(members, list) and isinstance(lists, list)
    domains[1]["dmarc"] = None  # acme.example loses its override
    domains.append({"name": "acme.new", "primary": False, "dmarc": None})
    alice = next(m for m in members if m["email"] == "alice@acme.example")
    alice["quota"] = 1
    alice["aliases"] = ["info@acme.example"]
    members.remove(next(m for m in members if m["email"] == "bob@acme.example"))
    lists[0]["recipients"] = ["alice@acme.example"]
    found = pending_changes("acme", before, after)
    assert [(c.object, c.field) for c in found] == [
        ("tenant acme", "name"),
        ("domain acme.example", "dmarc"),
        ("domain acme.new", "presence"),
        ("member alice@acme.example", "aliases"),
        ("member alice@acme.example", "quota"),
        ("member bob@acme.example", "presence"),
        ("list team@acme.example", "recipients"),
    ]
    assert found[2] == PendingChange("acme", "domain acme.new", "presence", "absent", "present")
    assert found[5].recorded == "present" and found[5].file == "absent"
    assert found[4].recorded == 10 * 1024**3 and found[4].file == 1


def change(action: str, *fields: FieldChange, note: str | None = None) -> Change:
    return Change(
        f"authentik:identity:x@a.test:{action}",
        "authentik",
        "identity",
        action,  # type: ignore[arg-type]
        "acme",
        "x@a.test",
        fields=fields,
        note=note,
    )


def test_drifted_fields() -> None:
    update = change(
        "update",
        FieldChange("name", "Live", "Recorded"),
        FieldChange("password", None, GENERATED),
    )
    assert [(d.field, d.recorded, d.live) for d in drifted_fields(update)] == [
        ("name", "Recorded", "Live")
    ]
    created = drifted_fields(change("create", FieldChange("password", None, GENERATED)))
    assert [(d.field, d.recorded, d.live) for d in created] == [("presence", "present", "absent")]
    deleted = drifted_fields(change("delete", FieldChange("name", "X", None)))
    assert [(d.field, d.recorded, d.live) for d in deleted] == [("presence", "absent", "present")]
    first_step = change(
        "suspend", FieldChange("state", "active", "suspended"), note=DEACTIVATE_BEFORE_REMOVAL
    )
    assert drifted_fields(first_step) == []
    only_password = change("update", FieldChange("password", None, GENERATED))
    assert drifted_fields(only_password) == []
    item = drifted_fields(update)[0]
    assert item.object == "identity x@a.test" and item.change_id == update.id

"""How field values read in the text and markdown renderers."""

from __future__ import annotations

import json
from typing import Any

from dezkysync.plan.model import Change, FieldChange
from dezkysync.tenants.quota import format_quota

NONE = "(none)"


def value(name: str, item: Any) -> str:
    """One value, as an operator reads it."""
    if item is None:
        return NONE
    if name == "quota" and isinstance(item, int) and not isinstance(item, bool):
        return format_quota(item) if item > 0 else str(item)
    if isinstance(item, str):
        return item if name in ("password", "state") else json.dumps(item, ensure_ascii=False)
    if isinstance(item, list):
        return "[" + ", ".join(str(v) for v in item) + "]"
    return json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def field_line(change: Change, field: FieldChange) -> str:
    """``name: before -> after`` (or just the new value for creates, the old for deletes)."""
    before, after = field.before, field.after
    if isinstance(before, list) and isinstance(after, list):
        added = [v for v in after if v not in before]
        removed = [v for v in before if v not in after]
        parts = [f"+{v}" for v in added] + [f"-{v}" for v in removed]
        return f"{field.name}: {', '.join(parts) if parts else '(reordered)'}"
    if change.action == "create":
        return f"{field.name}: {value(field.name, after)}"
    if change.action == "delete" or after is None:
        return f"{field.name}: {value(field.name, before)} -> {NONE}"
    return f"{field.name}: {value(field.name, before)} -> {value(field.name, after)}"


def title(change: Change) -> str:
    """``<kind> <key>`` as the change's headline."""
    return f"{change.kind} {change.key}"

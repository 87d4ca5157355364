"""Saved plans (``plan --out plan.json``): writing, reading back, and staleness by age.

A saved plan is the JSON document of the plan (see :mod:`dezkysync.plan.serialize`). It
holds no secret. ``apply plan.json`` must re-read the live state and compare it with
``computed_from`` (tenant files, live object fingerprints) before running anything, and refuse
a plan older than its ``max_age`` (DESIGN rule 9); :func:`check_age` is the age half of that.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from dezkysync.plan.model import Plan
from dezkysync.plan.serialize import FORMAT_VERSION, from_document, to_document


class SavedPlanError(Exception):
    """A saved plan that cannot be used (unreadable, wrong version, invalid, too old)."""


@cache
def plan_schema() -> dict[str, Any]:
    """The JSON Schema of plan documents (``dezkysync/schemas/plan.schema.json``)."""
    text = resources.files("dezkysync").joinpath("schemas/plan.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_errors(document: Any) -> list[str]:
    """Every way ``document`` departs from the plan schema ("path: message"), sorted."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(plan_schema())
    found = []
    for error in validator.iter_errors(document):
        where = "/".join(str(part) for part in error.absolute_path) or "(document)"
        found.append(f"{where}: {error.message}")
    return sorted(found)


def save_plan(plan: Plan, path: Path) -> None:
    """Write ``plan`` to ``path`` atomically (a crash leaves the old file or the new one)."""
    data = json.dumps(to_document(plan), indent=2, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_plan(path: Path) -> Plan:
    """Read a saved plan, checking its format version and schema."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SavedPlanError(f"{path}: no such saved plan") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SavedPlanError(f"{path}: cannot read the saved plan: {exc}") from None
    except ValueError as exc:
        raise SavedPlanError(f"{path}: not a saved plan (invalid JSON: {exc})") from None
    if not isinstance(document, dict) or document.get("kind") != "dezkysync-plan":
        raise SavedPlanError(f"{path}: not a dezkysync saved plan")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise SavedPlanError(
            f"{path}: saved plan format {version!r}, this dezkysync reads format "
            f"{FORMAT_VERSION}; compute the plan again"
        )
    problems = schema_errors(document)
    if problems:
        shown = "; ".join(problems[:5])
        raise SavedPlanError(f"{path}: the saved plan is invalid: {shown}")
    return from_document(document)


def check_age(plan: Plan, now: datetime | None = None) -> str | None:
    """Why ``plan`` is too old to apply, or None while it is within its maximum age."""
    now = now or datetime.now(UTC)
    source = plan.computed_from
    if now > source.expires_at:
        age = now - source.created_at
        return (
            f"the plan was computed {_span(age.total_seconds())} ago, more than its maximum "
            f"age of {_span(source.max_age.total_seconds())}; compute it again"
        )
    if source.created_at > now and (source.created_at - now).total_seconds() > 300:
        return "the plan was computed in the future (clock skew?); compute it again"
    return None


def _span(seconds: float) -> str:
    seconds = int(seconds)
    if seconds % 86400 == 0 and seconds >= 86400:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0 and seconds >= 3600:
        return f"{seconds // 3600}h"
    if seconds >= 60:
        return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds // 60}m{seconds % 60}s"
    return f"{seconds}s"

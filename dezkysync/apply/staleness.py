"""Is a saved plan still what it claims to be? (DESIGN rule 9)

``apply plan.json`` re-reads the tenant files the plan names and the live state, computes the
plan again with the saved plan's own options, and runs the saved plan only when nothing it
was computed from has moved:

- it is within its maximum age (:func:`dezkysync.plan.saved.check_age`);
- every tenant file still has the bytes it had (per-file sha256 and the files hash);
- the services are the same endpoints, read as the same identities, with Stalwart on or off
  as before;
- every live object the plan touches has the same fingerprint as then;
- the same changes come out, held back by the same guards.

:func:`stale_reasons` lists every difference (empty: the plan may run).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from dezkysync.plan.model import Plan
from dezkysync.plan.saved import check_age

_SHOWN = 8  # differences named before "and N more"


def saved_file_paths(saved: Plan) -> list[Path]:
    """The tenant files a saved plan was computed from, as they were given."""
    return [Path(f.path) for f in saved.computed_from.files]


def age_problem(saved: Plan) -> str | None:
    """Why the plan is too old to apply (None while within its maximum age)."""
    return check_age(saved)


def file_problems(saved: Plan) -> list[str]:
    """Tenant files that are missing or whose bytes changed since the plan."""
    problems: list[str] = []
    for digest in saved.computed_from.files:
        path = Path(digest.path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            problems.append(f"the tenant file {path} cannot be read ({exc.strerror or exc})")
            continue
        if hashlib.sha256(data).hexdigest() != digest.sha256:
            problems.append(f"the tenant file {path} changed since the plan was computed")
    return problems


def stale_reasons(
    saved: Plan, fresh: Plan, *, service_urls: Mapping[str, str] | None = None
) -> list[str]:
    """Every way the fresh computation differs from the saved plan (empty: none)."""
    reasons: list[str] = []
    then, now = saved.computed_from, fresh.computed_from
    if then.files_hash != now.files_hash:
        reasons.append("the tenant files are not the ones the plan was computed from")
    if then.stalwart_enabled != now.stalwart_enabled:
        state = "enabled" if now.stalwart_enabled else "disabled"
        reasons.append(f"Stalwart provisioning is {state} now, it was not when planned")
    before = {s.name: s for s in then.services}
    for source in now.services:
        old = before.get(source.name)
        if old is None:
            continue
        if old.url != source.url:
            reasons.append(f"{source.name} is now {source.url}, the plan was for {old.url}")
        elif old.identity != source.identity:
            reasons.append(
                f"{source.name} is now read as {source.identity}, the plan as {old.identity}"
            )
    if service_urls:
        for name, url in service_urls.items():
            old = before.get(name)
            if old is not None and old.url and url and old.url != url:
                reasons.append(f"{name} is configured as {url}, the plan was for {old.url}")
    for ref, fingerprint in sorted(then.live_objects.items()):
        current = now.live_objects.get(ref)
        if current is None:
            reasons.append(f"{ref} is no longer part of the plan (it changed on the service)")
        elif current != fingerprint:
            reasons.append(f"{ref} changed on the service since the plan was computed")
    saved_ids = [c.id for c in saved.changes]
    fresh_ids = [c.id for c in fresh.changes]
    for change_id in sorted(set(fresh_ids) - set(saved_ids)):
        reasons.append(f"a new change is needed now: {change_id}")
    for change_id in sorted(set(saved_ids) - set(fresh_ids)):
        reasons.append(f"{change_id} is no longer needed")
    if saved.blocked_ids != fresh.blocked_ids:
        reasons.append("the guards now hold back other changes than in the plan")
    return list(dict.fromkeys(reasons))  # each reason once, in order


def summarise(reasons: list[str]) -> str:
    """The reasons as one message (the first few, then a count)."""
    shown = reasons[:_SHOWN]
    more = len(reasons) - len(shown)
    text = "; ".join(shown)
    return f"{text}; and {more} more" if more > 0 else text

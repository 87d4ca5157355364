"""Deterministic execution order: dependencies first, ties broken by a fixed ranking.

Among the changes ready to run, non-removals come first (creation order: domain, group,
identity, membership, mailbox, alias, list, OCIS user), then removals (OCIS user, mailbox,
alias, list, membership, identity, group, domain), then by tenant, key and action. The same
inputs always give the same order.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable

from dezkysync.plan.draft import Draft
from dezkysync.plan.model import ACTIONS, KINDS

_REMOVAL_RANK = {
    kind: rank
    for rank, kind in enumerate(
        ("files-user", "mailbox", "alias", "list", "membership", "identity", "group", "domain")
    )
}
_CREATION_RANK = {kind: rank for rank, kind in enumerate(KINDS)}


def sort_key(draft: Draft) -> tuple[int, int, str, str, int]:
    """The tie-breaking rank of a draft."""
    if draft.action == "delete":
        return (1, _REMOVAL_RANK[draft.kind], draft.tenant, draft.key, ACTIONS.index(draft.action))
    return (0, _CREATION_RANK[draft.kind], draft.tenant, draft.key, ACTIONS.index(draft.action))


class DependencyCycle(AssertionError):
    """The drafts' dependencies loop (a bug in the diff, never an operator error)."""


def execution_order(drafts: Iterable[Draft]) -> list[Draft]:
    """``drafts`` sorted topologically by ``deps`` (unknown ids ignored), deterministic."""
    by_id = {draft.id: draft for draft in drafts}
    waiting: dict[str, int] = {}
    dependents: dict[str, list[str]] = defaultdict(list)
    for draft in by_id.values():
        known = [dep for dep in draft.deps if dep in by_id]
        waiting[draft.id] = len(known)
        for dep in known:
            dependents[dep].append(draft.id)
    ready = [(sort_key(d), d.id) for d in by_id.values() if waiting[d.id] == 0]
    heapq.heapify(ready)
    ordered: list[Draft] = []
    while ready:
        _, ident = heapq.heappop(ready)
        ordered.append(by_id[ident])
        for follower in dependents[ident]:
            waiting[follower] -= 1
            if waiting[follower] == 0:
                heapq.heappush(ready, (sort_key(by_id[follower]), follower))
    if len(ordered) != len(by_id):
        stuck = sorted(i for i, n in waiting.items() if n > 0)
        raise DependencyCycle(f"dependency cycle among: {', '.join(stuck[:10])}")
    return ordered

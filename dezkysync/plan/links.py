"""Dependency edges between drafts: what must have happened before each change may run.

Creation (DESIGN): domain -> SSO identity and memberships -> mailbox -> OCIS user; a group
before its memberships; a mailbox before its aliases; an address freed (a mailbox, list or
alias removed) before it is taken again; a takeover (``adopt``) before the updates, suspensions
and aliases of the object taken over.

Removal, the reverse (DESIGN rule 8): deactivate the SSO identity first, then the OCIS user,
the mailbox, the memberships, and the identity last; a domain after everything on it; a group
after its memberships.
"""

from __future__ import annotations

from collections import defaultdict

from dezkysync.plan.draft import Builder, Draft


def link(builder: Builder) -> None:
    """Add the dependency edges of every draft in ``builder``."""
    drafts = list(builder)
    frees: dict[str, list[Draft]] = defaultdict(list)
    removals_on_domain: dict[str, list[Draft]] = defaultdict(list)
    membership_deletes: dict[tuple[str, str], list[Draft]] = defaultdict(list)
    for draft in drafts:
        for address in draft.frees:
            frees[address].append(draft)
            removals_on_domain[address.rpartition("@")[2]].append(draft)
        if draft.action == "delete" and draft.domain and draft.kind in ("mailbox", "list", "alias"):
            removals_on_domain[draft.domain].append(draft)
        if draft.kind == "membership" and draft.action == "delete" and draft.group:
            membership_deletes[draft.group].append(draft)

    for draft in drafts:
        deps = draft.deps
        taking = draft.action in ("create", "adopt")
        if taking and draft.domain and draft.kind in ("identity", "mailbox", "alias", "list"):
            _add(deps, builder.taking("domain", draft.domain), draft)
        for address in draft.claims:
            deps.update(f.id for f in frees.get(address, ()) if f is not draft)
        if draft.action in ("update", "suspend", "resume"):
            _add(deps, builder.of(draft.kind, draft.key, "adopt"), draft)
        login = draft.login
        if draft.kind == "mailbox" and draft.action == "create" and login:
            _add(deps, builder.taking("identity", login), draft)
            deps.update(
                d.id
                for d in builder.of_login(login)
                if d.kind == "membership" and d.action == "create"
            )
        elif draft.kind == "alias" and draft.action == "create" and login:
            _add(deps, builder.taking("mailbox", login), draft)
        elif draft.kind == "files-user" and draft.action == "create" and login:
            _add(deps, builder.taking("identity", login), draft)
            _add(deps, builder.taking("mailbox", login), draft)
        elif draft.kind == "membership" and draft.action == "delete" and login:
            deps.update(d.id for d in builder.of_login(login) if _before_memberships(d))
        elif draft.kind == "identity" and draft.action == "delete" and login:
            deps.update(d.id for d in builder.of_login(login) if d.removes and d is not draft)
        elif draft.kind == "domain" and draft.action == "delete":
            deps.update(d.id for d in removals_on_domain.get(draft.key, ()) if d is not draft)
        elif draft.kind == "group" and draft.action == "delete" and draft.group:
            deps.update(d.id for d in membership_deletes.get(draft.group, ()))
        deps.discard(draft.id)


def _before_memberships(draft: Draft) -> bool:
    """Removal steps that precede a removed member's memberships: the deactivation, the OCIS
    user and the mailbox."""
    if not draft.removes:
        return False
    return draft.kind in ("files-user", "mailbox") or (
        draft.kind == "identity" and draft.action != "delete"
    )


def _add(deps: set[str], other: Draft | None, draft: Draft) -> None:
    if other is not None and other is not draft:
        deps.add(other.id)

"""Guards over the whole change set (DESIGN rule 3). Each adds findings; none raises.

- ``protected-identity``: the identity dezkysync runs as (on any service) and the configured
  protected addresses are never suspended or deleted;
- ``member-of-other-tenant``: a member's mailbox, identity and OCIS user stay while it is
  still a member of another tenant;
- ``domain-in-use``: a domain is not removed while accounts, aliases or lists that stay use it
  (its own DKIM keys are no reason: they go with it);
- ``address-in-use``: an address is not created while another object that stays holds it;
- ``deletion-threshold``: per tenant, more removals than ``max_count``, or than
  ``max_percent`` of the tenant's managed objects (checked for tenants holding more than
  ``max_count`` objects), need ``--allow-deletes``;
- ``blocked-by-dependency``: whatever depends on a blocked change is blocked too.

Ownership guards (adopt, another tenant's object, system accounts) are attached by the diff.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from dezkysync.config import DeletionLimits
from dezkysync.live.model import LiveState
from dezkysync.plan.desired import Desired
from dezkysync.plan.draft import ALLOW_DELETES_FLAG, Builder, Draft

_SHOWN = 5  # objects named in a message before "and N more"


def evaluate(
    builder: Builder,
    desired: Desired,
    live: LiveState,
    *,
    limits: DeletionLimits,
    protected: Iterable[str],
) -> None:
    """Run every guard over the drafts in ``builder`` (after linking)."""
    _protected(builder, live, protected)
    _other_tenants(builder, desired, live)
    _domains_in_use(builder, live)
    _addresses_in_use(builder, live)
    _thresholds(builder, live, limits)
    propagate(builder)


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    more = len(items) - _SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _protected(builder: Builder, live: LiveState, protected: Iterable[str]) -> None:
    configured = {p.lower() for p in protected}
    selves = {live.authentik.me.username.lower(), live.ocis.me.username.lower()}
    if live.stalwart is not None:
        selves.add(live.stalwart.identity.lower())
    for draft in builder:
        if draft.action not in ("suspend", "delete") or draft.login is None:
            continue
        if draft.kind not in ("identity", "mailbox", "files-user"):
            continue
        is_self = (
            draft.login in selves
            or (draft.kind == "identity" and str(draft.live.get("pk")) == live.authentik.me.id)
            or (draft.kind == "files-user" and draft.live.get("id") == live.ocis.me.id)
        )
        if is_self:
            reason = "the identity dezkysync itself runs as"
        elif draft.login in configured:
            reason = "protected in the configuration"
        else:
            continue
        verb = "suspended" if draft.action == "suspend" else "deleted"
        builder.block(
            draft,
            "protected-identity",
            f"{draft.login} is {reason}: it is never suspended, logged out or deleted "
            f"(this {draft.kind} would be {verb})",
        )


def _other_tenants(builder: Builder, desired: Desired, live: LiveState) -> None:
    au = live.authentik
    live_tenants: dict[int, set[str]] = defaultdict(set)  # user pk -> tenants with a membership
    for group in au.groups:
        owner = group.owner
        if owner is None or owner.problem or owner.role is None:
            continue
        for pk in group.members:
            user = au.user_by_pk.get(pk)
            if user is None:
                continue
            leaving = builder.of("membership", f"{group.name}/{user.login}", "delete")
            if leaving is None:
                live_tenants[pk].add(owner.tenant)
    wanted: dict[str, set[str]] = defaultdict(set)  # login -> tenants the files keep it in
    for tenant, _role, login in desired.memberships:
        wanted[login].add(tenant)
    for draft in builder:
        if not draft.removes or draft.login is None:
            continue
        if draft.kind not in ("identity", "mailbox", "files-user"):
            continue
        others = set(wanted.get(draft.login, set()))
        ident = au.identity_by_login.get(draft.login)
        if ident is not None:
            others |= live_tenants.get(ident.pk, set())
        others.discard(draft.tenant)
        if others:
            names = ", ".join(f"'{t}'" for t in sorted(others))
            builder.block(
                draft,
                "member-of-other-tenant",
                f"{draft.login} is still a member of tenant {names}: its {draft.kind} stays "
                "until it has left every other tenant",
            )


def _domains_in_use(builder: Builder, live: LiveState) -> None:
    st = live.stalwart
    if st is None:
        return
    users: dict[str, list[str]] = defaultdict(list)  # domain id -> objects that stay on it
    for mailbox in st.mailboxes:
        gone = builder.of("mailbox", mailbox.email, "delete") is not None
        if not gone:
            users[mailbox.domain_id].append(f"mailbox {mailbox.email}")
        for alias in mailbox.aliases:
            if not gone and builder.of("alias", alias.email, "delete") is None:
                users[alias.domain_id].append(f"alias {alias.email} (of {mailbox.email})")
    for mailing_list in st.lists:
        if builder.of("list", mailing_list.email, "delete") is None:
            users[mailing_list.domain_id].append(f"mailing list {mailing_list.email}")
            for alias in mailing_list.aliases:
                users[alias.domain_id].append(f"alias {alias.email} (of {mailing_list.email})")
    arriving: dict[str, list[str]] = defaultdict(list)
    for draft in builder:
        if draft.action == "create" and draft.domain and draft.kind in ("mailbox", "alias", "list"):
            arriving[draft.domain].append(f"new {draft.kind} {draft.key}")
    for draft in builder:
        if draft.kind != "domain" or draft.action != "delete":
            continue
        domain = st.domain_by_name.get(draft.key)
        staying = sorted(users.get(domain.id, [])) if domain else []
        staying += sorted(arriving.get(draft.key, []))
        if staying:
            builder.block(
                draft,
                "domain-in-use",
                f"the domain {draft.key} is still used by {len(staying)} object(s) that stay: "
                f"{_names(staying)}",
            )


def _addresses_in_use(builder: Builder, live: LiveState) -> None:
    st = live.stalwart
    if st is None:
        return
    freed = {address for draft in builder for address in draft.frees}
    for draft in builder:
        if draft.action != "create":
            continue
        for address in draft.claims:
            holder = st.address_holders.get(address)
            if holder is None or address in freed:
                continue
            kind, owner = holder
            what = f"the {kind} {owner}" if owner == address else f"a {kind} of {owner}"
            builder.block(
                draft,
                "address-in-use",
                f"{address} is already taken on Stalwart by {what}, which stays",
            )


def _thresholds(builder: Builder, live: LiveState, limits: DeletionLimits) -> None:
    removals: dict[str, set[tuple[str, str]]] = defaultdict(set)
    drafts_of: dict[str, list[Draft]] = defaultdict(list)
    for draft in builder:
        if not draft.removes:
            continue
        drafts_of[draft.tenant].append(draft)
        if draft.kind in ("identity", "mailbox", "files-user", "membership") and draft.login:
            removals[draft.tenant].add(("member", draft.login))
        elif draft.kind in ("list", "domain"):
            removals[draft.tenant].add((draft.kind, draft.key))
    if not removals:
        return
    managed = managed_objects(live)
    for tenant, units in sorted(removals.items()):
        count, total = len(units), len(managed.get(tenant, set()))
        percent = 100.0 * count / total if total else 100.0
        over_count = count > limits.max_count
        over_percent = total > limits.max_count and percent > limits.max_percent
        if not (over_count or over_percent):
            continue
        message = (
            f"tenant '{tenant}' would lose {count} of its {total} managed objects (members, "
            f"lists, domains; {percent:.0f}%), more than the limit of {limits.max_count} or "
            f"{limits.max_percent:g}%"
        )
        if builder.options.allow_deletes:
            builder.finding(
                "deletion-threshold",
                "warning",
                f"{message} [allowed by {ALLOW_DELETES_FLAG}]",
                tenant=tenant,
            )
            continue
        for draft in drafts_of[tenant]:
            builder.block(draft, "deletion-threshold", message, override=ALLOW_DELETES_FLAG)


def managed_objects(live: LiveState) -> dict[str, set[tuple[str, str]]]:
    """Per tenant, the objects marked as its own: members (by login), lists and domains."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    au = live.authentik
    for ident in au.identities:
        if ident.owner is not None and not ident.owner.problem:
            found[ident.owner.tenant].add(("member", ident.login))
    for group in au.groups:
        if group.owner is None or group.owner.problem:
            continue
        for pk in group.members:
            user = au.user_by_pk.get(pk)
            if user is not None and user.owner is not None and not user.owner.problem:
                found[group.owner.tenant].add(("member", user.login))
    st = live.stalwart
    if st is not None:
        for mailbox in st.mailboxes:
            if mailbox.owner is not None and not mailbox.owner.problem:
                found[mailbox.owner.tenant].add(("member", mailbox.email))
        for mailing_list in st.lists:
            if mailing_list.owner is not None and not mailing_list.owner.problem:
                found[mailing_list.owner.tenant].add(("list", mailing_list.email))
        for domain in st.domains:
            if domain.owner is not None and not domain.owner.problem:
                found[domain.owner.tenant].add(("domain", domain.name))
    return found


def propagate(builder: Builder) -> None:
    """Block every draft that depends, directly or not, on a blocked one."""
    dependents: dict[str, list[Draft]] = defaultdict(list)
    for draft in builder:
        for dep in draft.deps:
            dependents[dep].append(draft)
    blocked = builder.blocked_ids()
    queue = sorted(blocked)
    while queue:
        cause = queue.pop(0)
        for follower in sorted(dependents.get(cause, ()), key=lambda d: d.id):
            if follower.id in blocked:
                continue
            blocked.add(follower.id)
            builder.finding(
                "blocked-by-dependency",
                "blocking",
                f"waits for {cause}, which is blocked",
                draft=follower,
            )
            queue.append(follower.id)

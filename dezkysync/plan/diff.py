"""Desired vs live: the drafts of every change, with the ownership guards attached.

Rules (DESIGN rules 2 and 3):

- only objects carrying dezkysync's marker for the right tenant are updated or removed;
- an unmanaged object that collides with the files is shown as ``adopt``, held back without
  ``--adopt``; an object marked for another tenant (or with an unreadable marker) is never
  taken over;
- a managed object whose tenant file was not given is left alone (one warning per tenant);
- removing a member starts with deactivating its SSO identity, then removes the OCIS user,
  the mailbox, the memberships, and the identity last (see :mod:`dezkysync.plan.links`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from dezkysync.live.model import (
    GroupRole,
    LiveGroup,
    LiveMailbox,
    LiveState,
    Ownership,
    StalwartState,
    resumed_permissions,
    suspended_permissions,
)
from dezkysync.plan.desired import Desired, WantGroup
from dezkysync.plan.draft import Builder, Draft, claim, field_changes, take_over
from dezkysync.plan.model import DEACTIVATE_BEFORE_REMOVAL, GENERATED, FieldChange, Kind, Service


@dataclass
class GroupTarget:
    """The live group a desired tenant group maps to, and the create/adopt bringing it."""

    want: WantGroup
    live: LiveGroup | None
    draft: Draft | None


@dataclass
class _Context:
    desired: Desired
    live: LiveState
    builder: Builder
    missing: Counter[str] = field(default_factory=Counter)
    groups: dict[tuple[str, GroupRole], GroupTarget] = field(default_factory=dict)

    def removable(self, owner: Ownership | None) -> str | None:
        """The tenant whose removal of an object no tenant wants is planned: its marker's.
        Unmanaged objects are never removed. The removals of a tenant whose file was not given
        are planned too, so that the plan shows what is at stake, and every one of them is
        blocked (``tenant-file-missing``): a file that disappeared never tears a tenant down."""
        if owner is None or owner.problem:
            return None
        if owner.tenant not in self.desired.loaded:
            self.missing[owner.tenant] += 1
        return owner.tenant


def diff(
    desired: Desired, live: LiveState, builder: Builder
) -> dict[tuple[str, GroupRole], GroupTarget]:
    """Add every draft and ownership finding to ``builder``; return the group targets."""
    ctx = _Context(desired, live, builder)
    for conflict in desired.conflicts:
        builder.finding("desired-conflict", "blocking", conflict)
    if live.stalwart is not None:
        _domains(ctx, live.stalwart)
        _mailboxes(ctx, live.stalwart)
        _lists(ctx, live.stalwart)
    else:
        builder.finding(
            "stalwart-disabled",
            "info",
            "Stalwart provisioning is disabled (STALWART_PROVISIONING_ENABLED=false): no domain, "
            "mailbox, alias or mailing list is planned, and one-time passwords are set on "
            "authentik only",
        )
    _identities(ctx)
    _groups(ctx)
    _memberships(ctx)
    _files_users(ctx)
    _removals(ctx)
    _passwords(ctx)
    _pending_passwords(ctx)
    for draft in list(builder.drafts.values()):
        if draft.tenant in ctx.missing:
            builder.block(
                draft,
                "tenant-file-missing",
                f"tenant '{draft.tenant}' has objects on the services but its file was not "
                "given: a tenant is never torn down because its file disappeared (restore the "
                "file, or give it with state: absent to remove the tenant)",
            )
    for tenant, count in sorted(ctx.missing.items()):
        builder.finding(
            "tenant-file-missing",
            "warning",
            f"tenant '{tenant}' has {count} object(s) marked as its own on the services, but "
            "its file was not given: nothing of it is changed (to remove the tenant, give its "
            "file with state: absent)",
            tenant=tenant,
        )
    return ctx.groups


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2]


def _owner_text(owner: Ownership | None) -> str | None:
    if owner is None:
        return None
    return owner.tenant or "(unreadable marker)"


def _address_state(stalwart: StalwartState, address: str) -> dict[str, str] | None:
    holder = stalwart.address_holders.get(address)
    return None if holder is None else {"held_by": holder[0], "of": holder[1]}


def _adopt_or_update(
    builder: Builder,
    draft: Draft,
    have: object,
    owner: Ownership | None,
    changed: list[FieldChange],
) -> Draft | None:
    """Add ``draft`` as the adopt of an existing object that is not the tenant's own yet
    (returned, for the takeover guard), or as the update of one that is, when ``changed``."""
    if claim(owner, draft.tenant) != "ours":
        draft.action = "adopt"
        draft.fields = [FieldChange("tenant", _owner_text(owner), draft.tenant), *changed]
        return builder.add(draft, have)
    if changed:
        draft.action = "update"
        draft.fields = changed
        builder.add(draft, have)
    return None


# -- Stalwart -----------------------------------------------------------------------------------


def _domains(ctx: _Context, st: StalwartState) -> None:
    for name, want in sorted(ctx.desired.domains.items()):
        have = st.domain_by_name.get(name)
        if have is None:
            ctx.builder.add(
                Draft("stalwart", "domain", "create", want.tenant, name, domain=name), None
            )
            continue
        adopt = _adopt_or_update(
            ctx.builder,
            Draft(
                "stalwart", "domain", "update", want.tenant, name, live={"id": have.id}, domain=name
            ),
            have,
            have.owner,
            [],
        )
        if adopt is not None:
            take_over(ctx.builder, adopt, have.owner, f"the domain {name}")
    for have in st.domains:
        if have.name in ctx.desired.domains:
            continue
        tenant = ctx.removable(have.owner)
        if tenant is not None:
            ctx.builder.add(
                Draft(
                    "stalwart",
                    "domain",
                    "delete",
                    tenant,
                    have.name,
                    live={"id": have.id},
                    domain=have.name,
                ),
                have,
            )


def _mailboxes(ctx: _Context, st: StalwartState) -> None:
    builder = ctx.builder
    for email, want in sorted(ctx.desired.mailboxes.items()):
        have = st.mailbox_by_email.get(email)
        domain = _domain_of(email)
        if have is None:
            fields = []
            if want.display_name is not None:
                fields.append(FieldChange("name", None, want.display_name))
            if want.quota is not None:
                fields.append(FieldChange("quota", None, want.quota))
            fields.append(FieldChange("state", None, "suspended" if want.suspended else "active"))
            fields.append(FieldChange("password", None, GENERATED))
            builder.add(
                Draft(
                    "stalwart",
                    "mailbox",
                    "create",
                    want.tenant,
                    email,
                    fields=fields,
                    login=email,
                    domain=domain,
                    claims=(email,),
                ),
                _address_state(st, email),
            )
            for alias in want.aliases:
                _alias_create(ctx, st, want.tenant, email, alias, None, None)
            continue
        state = claim(have.owner, want.tenant)
        changed = field_changes(
            [
                ("name", have.display_name, want.display_name)
                if want.display_name is not None
                else ("name", None, None),
                ("quota", have.quota, want.quota),
            ]
        )
        base = _adopt_or_update(
            builder,
            Draft(
                "stalwart",
                "mailbox",
                "update",
                want.tenant,
                email,
                live={"id": have.id},
                login=email,
                domain=domain,
            ),
            have,
            have.owner,
            changed,
        )
        if base is not None:
            take_over(builder, base, have.owner, f"the mailbox {email}")
            if state != "free":
                continue
        if want.suspended != have.suspended:
            _mailbox_state(ctx, have, want.tenant, want.suspended, base)
        live_aliases = {alias.email: alias for alias in have.aliases}
        for alias in want.aliases:
            if alias not in live_aliases:
                _alias_create(ctx, st, want.tenant, email, alias, have, base)
        for alias_email, live_alias in sorted(live_aliases.items()):
            if alias_email in want.aliases:
                continue
            draft = builder.add(
                Draft(
                    "stalwart",
                    "alias",
                    "delete",
                    want.tenant,
                    alias_email,
                    fields=[FieldChange("mailbox", email, None)],
                    live={"mailbox_id": have.id, "index": live_alias.index},
                    login=email,
                    domain=_domain_of(alias_email),
                    frees=(alias_email,),
                ),
                _address_state(st, alias_email),
            )
            if base is not None:
                draft.deps.add(base.id)


def _mailbox_state(
    ctx: _Context, have: LiveMailbox, tenant: str, suspend: bool, base: Draft | None
) -> None:
    after = (
        suspended_permissions(have.permissions)
        if suspend
        else resumed_permissions(have.permissions)
    )
    _state_change(
        ctx.builder,
        Draft("stalwart", "mailbox", "resume", tenant, have.email, live={"id": have.id}),
        have,
        was_active=not have.suspended,
        active=not suspend,
        base=base,
        also=[FieldChange("permissions", have.permissions, after)],
        domain=_domain_of(have.email),
    )


def _state_change(
    builder: Builder,
    draft: Draft,
    have: object,
    *,
    was_active: bool,
    active: bool,
    base: Draft | None,
    also: list[FieldChange] | None = None,
    domain: str | None = None,
) -> None:
    """Add ``draft`` as the suspend or resume of a member's object on one service (after
    ``base``, the change that makes the object ours, when there is one)."""
    draft.action = "resume" if active else "suspend"
    draft.fields = [FieldChange("state", _state(was_active), _state(active)), *(also or [])]
    draft.login = draft.key
    draft.domain = domain
    added = builder.add(draft, have)
    if base is not None:
        added.deps.add(base.id)


def _state(active: bool) -> str:
    return "active" if active else "suspended"


def _alias_create(
    ctx: _Context,
    st: StalwartState,
    tenant: str,
    mailbox: str,
    alias: str,
    have: LiveMailbox | None,
    base: Draft | None,
) -> None:
    draft = ctx.builder.add(
        Draft(
            "stalwart",
            "alias",
            "create",
            tenant,
            alias,
            fields=[FieldChange("mailbox", None, mailbox)],
            live={"mailbox_id": have.id} if have is not None else {},
            login=mailbox,
            domain=_domain_of(alias),
            claims=(alias,),
        ),
        _address_state(st, alias),
    )
    if base is not None:
        draft.deps.add(base.id)


def _lists(ctx: _Context, st: StalwartState) -> None:
    builder = ctx.builder
    for email, want in sorted(ctx.desired.lists.items()):
        have = st.list_by_email.get(email)
        domain = _domain_of(email)
        if have is None:
            fields = [FieldChange("recipients", None, list(want.recipients))]
            if want.display_name is not None:
                fields.insert(0, FieldChange("name", None, want.display_name))
            builder.add(
                Draft(
                    "stalwart",
                    "list",
                    "create",
                    want.tenant,
                    email,
                    fields=fields,
                    domain=domain,
                    claims=(email,),
                ),
                _address_state(st, email),
            )
            continue
        changed = field_changes(
            [
                ("name", have.display_name, want.display_name)
                if want.display_name is not None
                else ("name", None, None),
                ("recipients", list(have.recipients), list(want.recipients)),
            ]
        )
        adopt = _adopt_or_update(
            builder,
            Draft(
                "stalwart",
                "list",
                "update",
                want.tenant,
                email,
                live={"id": have.id},
                domain=domain,
            ),
            have,
            have.owner,
            changed,
        )
        if adopt is not None:
            take_over(builder, adopt, have.owner, f"the mailing list {email}")
    for have in st.lists:
        if have.email in ctx.desired.lists:
            continue
        tenant = ctx.removable(have.owner)
        if tenant is not None:
            builder.add(
                Draft(
                    "stalwart",
                    "list",
                    "delete",
                    tenant,
                    have.email,
                    fields=[FieldChange("recipients", list(have.recipients), None)],
                    live={"id": have.id},
                    domain=_domain_of(have.email),
                    frees=(have.email, *(a.email for a in have.aliases)),
                ),
                have,
            )


# -- authentik -------------------------------------------------------------------------------------


def _identities(ctx: _Context) -> None:
    builder, au = ctx.builder, ctx.live.authentik
    for login, want in sorted(ctx.desired.identities.items()):
        have = au.identity_by_login.get(login)
        domain = _domain_of(login)
        if have is None:
            system = au.system_by_login.get(login)
            if system is not None:
                draft = builder.add(
                    Draft(
                        "authentik",
                        "identity",
                        "adopt",
                        want.tenant,
                        login,
                        live={"pk": system.pk},
                        login=login,
                        domain=domain,
                    ),
                    system,
                )
                builder.block(
                    draft,
                    "system-account",
                    f"{login} is an authentik system account ({system.type}, path "
                    f"{system.path}); it is never managed as a member",
                )
                continue
            builder.add(
                Draft(
                    "authentik",
                    "identity",
                    "create",
                    want.tenant,
                    login,
                    fields=[
                        FieldChange("name", None, want.name or login),
                        FieldChange("email", None, want.email),
                        FieldChange("state", None, "active" if want.active else "suspended"),
                        FieldChange("password", None, GENERATED),
                    ],
                    login=login,
                    domain=domain,
                ),
                None,
            )
            continue
        changed = field_changes(
            [
                ("username", have.username, login),
                ("name", have.name, want.name) if want.name is not None else ("name", None, None),
                ("email", have.email.lower(), want.email),
            ]
        )
        state = claim(have.owner, want.tenant)
        base = _adopt_or_update(
            builder,
            Draft(
                "authentik",
                "identity",
                "update",
                want.tenant,
                login,
                live={"pk": have.pk},
                login=login,
                domain=domain,
            ),
            have,
            have.owner,
            changed,
        )
        if base is not None:
            take_over(builder, base, have.owner, f"the SSO identity {login}")
            if state != "free":
                continue
        if want.active != have.is_active:
            _state_change(
                builder,
                Draft("authentik", "identity", "resume", want.tenant, login, live={"pk": have.pk}),
                have,
                was_active=have.is_active,
                active=want.active,
                base=base,
                domain=domain,
            )


def _groups(ctx: _Context) -> None:
    builder, au = ctx.builder, ctx.live.authentik
    managed: dict[tuple[str, GroupRole], list[LiveGroup]] = {}
    for group in au.groups:
        owner = group.owner
        if owner is not None and not owner.problem and owner.role is not None:
            managed.setdefault((owner.tenant, owner.role), []).append(group)
    matched: set[str] = set()
    for (tenant, role), want in sorted(ctx.desired.groups.items()):
        candidates = managed.get((tenant, role), [])
        have = next((g for g in candidates if g.name == want.name), None)
        if have is None and candidates:
            have = candidates[0]
        for extra in candidates:
            if extra is not have:
                matched.add(extra.pk)
                builder.finding(
                    "duplicate-group",
                    "warning",
                    f"the group {extra.name} is also marked as the {role} group of tenant "
                    f"'{tenant}'; only {have.name if have else want.name} is used, "
                    f"{extra.name} is left alone",
                    tenant=tenant,
                )
        if have is not None:
            matched.add(have.pk)
            if have.name != want.name:
                builder.add(
                    Draft(
                        "authentik",
                        "group",
                        "update",
                        tenant,
                        want.name,
                        fields=[FieldChange("name", have.name, want.name)],
                        live={"pk": have.pk},
                        group=(tenant, role),
                    ),
                    have,
                )
            ctx.groups[(tenant, role)] = GroupTarget(want, have, None)
            continue
        by_name = au.group_by_name.get(want.name)
        if by_name is None:
            draft = builder.add(
                Draft(
                    "authentik",
                    "group",
                    "create",
                    tenant,
                    want.name,
                    fields=[FieldChange("role", None, role)],
                    group=(tenant, role),
                ),
                None,
            )
            ctx.groups[(tenant, role)] = GroupTarget(want, None, draft)
            continue
        matched.add(by_name.pk)
        draft = builder.add(
            Draft(
                "authentik",
                "group",
                "adopt",
                tenant,
                want.name,
                fields=[
                    FieldChange("tenant", _owner_text(by_name.owner), tenant),
                    FieldChange("role", by_name.owner.role if by_name.owner else None, role),
                ],
                live={"pk": by_name.pk},
                group=(tenant, role),
            ),
            by_name,
        )
        if by_name.is_superuser:
            builder.block(
                draft,
                "superuser-group",
                f"the group {want.name} grants authentik superuser rights; it is never taken "
                "over as a tenant group",
            )
        elif claim(by_name.owner, tenant) == "ours":
            builder.block(
                draft,
                "owned-by-other-tenant",
                f"the group {want.name} is marked as the "
                f"{by_name.owner.role if by_name.owner else '?'} group of tenant '{tenant}', "
                f"not its {role} group",
            )
        else:
            take_over(builder, draft, by_name.owner, f"the group {want.name}")
        ctx.groups[(tenant, role)] = GroupTarget(want, by_name, draft)
    for group in au.groups:
        if group.pk in matched:
            continue
        owner_tenant = ctx.removable(group.owner)
        if owner_tenant is None or group.owner is None or group.owner.role is None:
            continue
        builder.add(
            Draft(
                "authentik",
                "group",
                "delete",
                owner_tenant,
                group.name,
                live={"pk": group.pk},
                group=(owner_tenant, group.owner.role),
            ),
            group,
        )
        _membership_deletes(ctx, group, owner_tenant, group.owner.role, group.name, None)


def _memberships(ctx: _Context) -> None:
    builder, au = ctx.builder, ctx.live.authentik
    for (tenant, role, login), _want in sorted(ctx.desired.memberships.items()):
        target = ctx.groups[(tenant, role)]
        name = target.want.name
        ident = au.identity_by_login.get(login)
        if target.live is not None and ident is not None and ident.pk in target.live.members:
            continue
        draft = builder.add(
            Draft(
                "authentik",
                "membership",
                "create",
                tenant,
                f"{name}/{login}",
                fields=[FieldChange("group", None, name), FieldChange("member", None, login)],
                live={
                    "group": target.live.pk if target.live is not None else None,
                    "user": ident.pk if ident is not None else None,
                },
                login=login,
                group=(tenant, role),
            ),
            None,
        )
        if target.draft is not None:
            draft.deps.add(target.draft.id)
        taking = builder.taking("identity", login)
        if taking is not None:
            draft.deps.add(taking.id)
        elif ident is None:
            system = au.system_by_login.get(login)
            if system is not None:
                builder.block(
                    draft,
                    "system-account",
                    f"{login} is an authentik system account; it is never made a member",
                )
            else:
                builder.block(
                    draft,
                    "no-identity",
                    f"{login} has no SSO identity and no tenant given creates one (is it "
                    "missing from its home tenant's file, or is that file not given?)",
                )
    for (tenant, role), target in sorted(ctx.groups.items()):
        if target.live is not None:
            _membership_deletes(ctx, target.live, tenant, role, target.want.name, target.draft)


def _membership_deletes(
    ctx: _Context,
    group: LiveGroup,
    tenant: str,
    role: GroupRole,
    name: str,
    base: Draft | None,
) -> None:
    au = ctx.live.authentik
    for pk in group.members:
        user = au.user_by_pk.get(pk)
        if user is None or user.owner is None or user.owner.problem:
            continue  # members dezkysync does not manage are left alone
        if (tenant, role, user.login) in ctx.desired.memberships:
            continue
        draft = ctx.builder.add(
            Draft(
                "authentik",
                "membership",
                "delete",
                tenant,
                f"{name}/{user.login}",
                fields=[FieldChange("group", name, None), FieldChange("member", user.login, None)],
                live={"group": group.pk, "user": pk},
                login=user.login,
                group=(tenant, role),
            ),
            {"group": group.pk, "user": pk, "member": True},
        )
        if base is not None:
            draft.deps.add(base.id)


# -- OCIS -----------------------------------------------------------------------------------------


def _files_users(ctx: _Context) -> None:
    builder, au, oc = ctx.builder, ctx.live.authentik, ctx.live.ocis
    for login, want in sorted(ctx.desired.files_users.items()):
        have = oc.user_by_login.get(login)
        if have is None:
            fields = [
                FieldChange("name", None, want.display_name or login),
                FieldChange("mail", None, want.mail),
                FieldChange("state", None, "active" if want.enabled else "suspended"),
            ]
            builder.add(
                Draft(
                    "ocis", "files-user", "create", want.tenant, login, fields=fields, login=login
                ),
                None,
            )
            continue
        ident = au.identity_by_login.get(login)
        changed = field_changes(
            [
                ("username", have.username, login),
                ("name", have.display_name, want.display_name)
                if want.display_name is not None
                else ("name", None, None),
                ("mail", have.mail, want.mail),
            ]
        )
        owner = ident.owner if ident is not None else None
        state = claim(owner, want.tenant)
        base = _adopt_or_update(
            builder,
            Draft(
                "ocis",
                "files-user",
                "update",
                want.tenant,
                login,
                live={"id": have.id},
                login=login,
            ),
            have,
            owner,
            changed,
        )
        if base is not None:
            if ident is None and au.system_by_login.get(login) is not None:
                builder.block(
                    base,
                    "system-account",
                    f"{login} is an authentik system account; its OCIS user is never managed",
                )
                continue
            take_over(builder, base, owner, f"the OCIS user {login}")
            if state != "free":
                continue
        if want.enabled != have.enabled:
            _state_change(
                builder,
                Draft("ocis", "files-user", "resume", want.tenant, login, live={"id": have.id}),
                have,
                was_active=have.enabled,
                active=want.enabled,
                base=base,
            )


# -- removing members -----------------------------------------------------------------------------


def _removals(ctx: _Context) -> None:
    """Members no tenant wants any more: deactivate, OCIS user, mailbox, identity."""
    builder, au, oc, st = ctx.builder, ctx.live.authentik, ctx.live.ocis, ctx.live.stalwart
    removed: dict[str, str] = {}
    for user in au.identities:
        if user.login not in ctx.desired.identities:
            tenant = ctx.removable(user.owner)
            if tenant is not None:
                removed[user.login] = tenant
    mailboxes: dict[str, tuple[str, LiveMailbox]] = {}
    if st is not None:
        for mailbox in st.mailboxes:
            if mailbox.email not in ctx.desired.mailboxes:
                tenant = ctx.removable(mailbox.owner)
                if tenant is not None:
                    mailboxes[mailbox.email] = (tenant, mailbox)
                    removed.setdefault(mailbox.email, tenant)
    for login in sorted(removed):
        ident = au.identity_by_login.get(login)
        if (
            ident is None
            or login in ctx.desired.identities
            or claim(ident.owner, removed[login]) != "ours"
        ):
            ident = None  # the identity goes with the member only when it is that tenant's
        chain: list[Draft] = []
        if ident is not None and ident.owner is not None and ident.is_active:
            chain.append(
                builder.add(
                    Draft(
                        "authentik",
                        "identity",
                        "suspend",
                        ident.owner.tenant,
                        login,
                        fields=[FieldChange("state", "active", "suspended")],
                        live={"pk": ident.pk},
                        note=DEACTIVATE_BEFORE_REMOVAL,
                        login=login,
                        domain=_domain_of(login),
                    ),
                    ident,
                )
            )
        files_user = oc.user_by_login.get(login) if ident is not None else None
        if (
            files_user is not None
            and ident is not None
            and ident.owner is not None
            and login not in ctx.desired.files_users
        ):
            chain.append(
                _chained(
                    builder,
                    Draft(
                        "ocis",
                        "files-user",
                        "delete",
                        ident.owner.tenant,
                        login,
                        fields=[FieldChange("name", files_user.display_name, None)],
                        live={"id": files_user.id},
                        login=login,
                    ),
                    files_user,
                    chain,
                )
            )
        if login in mailboxes:
            tenant, mailbox = mailboxes[login]
            chain.append(
                _chained(
                    builder,
                    Draft(
                        "stalwart",
                        "mailbox",
                        "delete",
                        tenant,
                        login,
                        fields=_gone("name", mailbox.display_name)
                        + _gone("aliases", list(mailbox.alias_emails) or None),
                        live={"id": mailbox.id},
                        login=login,
                        domain=_domain_of(login),
                        frees=(login, *mailbox.alias_emails),
                    ),
                    mailbox,
                    chain,
                )
            )
        if ident is not None and ident.owner is not None:
            _chained(
                builder,
                Draft(
                    "authentik",
                    "identity",
                    "delete",
                    ident.owner.tenant,
                    login,
                    fields=_gone("name", ident.name),
                    live={"pk": ident.pk},
                    login=login,
                    domain=_domain_of(login),
                ),
                ident,
                chain,
            )


def _chained(builder: Builder, draft: Draft, live: object, chain: list[Draft]) -> Draft:
    added = builder.add(draft, live)
    added.deps.update(step.id for step in chain)
    return added


def _gone(name: str, before: Any) -> list[FieldChange]:
    return [] if before is None else [FieldChange(name, before, None)]


# -- one password for all stores -------------------------------------------------------------------


def _passwords(ctx: _Context) -> None:
    """When one credential store of a member is created and the other already exists (a half
    finished apply, Stalwart newly enabled), the new one-time password is set on both."""
    st = ctx.live.stalwart
    if st is None:
        return
    builder, au = ctx.builder, ctx.live.authentik
    for login, want in sorted(ctx.desired.identities.items()):
        if login not in ctx.desired.mailboxes:
            continue
        identity_new = builder.of("identity", login, "create")
        mailbox_new = builder.of("mailbox", login, "create")
        if (identity_new is None) == (mailbox_new is None):
            continue
        kind: Kind
        service: Service
        live_ids: dict[str, Any]
        live_obj: object
        if identity_new is not None:
            mailbox = st.mailbox_by_email.get(login)
            owner, kind, service = (mailbox.owner if mailbox else None), "mailbox", "stalwart"
            live_ids = {"id": mailbox.id} if mailbox else {}
            live_obj, created = mailbox, identity_new
        else:
            ident = au.identity_by_login.get(login)
            owner, kind, service = (ident.owner if ident else None), "identity", "authentik"
            live_ids = {"pk": ident.pk} if ident else {}
            assert mailbox_new is not None
            live_obj, created = ident, mailbox_new
        state = claim(owner, want.tenant)
        if state == "free":
            builder.finding(
                "password-not-shared",
                "info",
                f"{login}: the adopted {kind} keeps its own password; the new "
                f"{created.kind} gets a one-time password of its own",
                draft=created,
            )
        if state != "ours":
            continue
        update = _update_of(
            builder, Draft(service, kind, "update", want.tenant, login, live=live_ids), live_obj
        )
        update.fields.append(FieldChange("password", None, GENERATED))
        update.note = f"the re-created {created.kind} and this {kind} share one new password"
        update.deps.add(created.id)


def _pending_passwords(ctx: _Context) -> None:
    """An SSO identity still flagged ``password_pending`` was created by an apply that stopped
    before setting its password: the member gets a fresh one-time password on every store it
    has (so the mailbox and the identity share it again)."""
    builder, au, st = ctx.builder, ctx.live.authentik, ctx.live.stalwart
    for login, want in sorted(ctx.desired.identities.items()):
        ident = au.identity_by_login.get(login)
        if ident is None or ident.owner is None or not ident.owner.password_pending:
            continue
        if claim(ident.owner, want.tenant) != "ours":
            continue
        if builder.of("identity", login, "create") or builder.of("mailbox", login, "create"):
            continue  # a creation carries the password already (see _passwords)
        stores: list[tuple[Service, Kind, dict[str, Any], object]] = [
            ("authentik", "identity", {"pk": ident.pk}, ident)
        ]
        mailbox = st.mailbox_by_email.get(login) if st is not None else None
        if (
            mailbox is not None
            and login in ctx.desired.mailboxes
            and claim(mailbox.owner, want.tenant) == "ours"
        ):
            stores.append(("stalwart", "mailbox", {"id": mailbox.id}, mailbox))
        for service, kind, live_ids, live_obj in stores:
            update = _update_of(
                builder, Draft(service, kind, "update", want.tenant, login, live=live_ids), live_obj
            )
            if update.fields and any(f.name == "password" for f in update.fields):
                continue
            update.fields.append(FieldChange("password", None, GENERATED))
            update.note = (
                "an earlier apply stopped before this member's password was set: a fresh "
                "one-time password goes to every store"
            )


def _update_of(builder: Builder, draft: Draft, live: object) -> Draft:
    """The update already planned for a member's object, or else ``draft`` (the member and
    its domain taken from the key), added."""
    update = builder.of(draft.kind, draft.key, "update")
    if update is not None:
        return update
    draft.login = draft.key
    draft.domain = _domain_of(draft.key)
    return builder.add(draft, live)

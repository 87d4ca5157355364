"""Hand-built desired and live states for the plan tests (no services, no files)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dezkysync.config import DeletionLimits
from dezkysync.live.model import (
    AuthentikState,
    LiveAlias,
    LiveDomain,
    LiveFilesUser,
    LiveGroup,
    LiveIdentity,
    LiveMailbox,
    LiveMailingList,
    LiveState,
    OcisState,
    Ownership,
    SelfIdentity,
    StalwartState,
    suspended_permissions,
)
from dezkysync.plan import Plan, PlanOptions, compute_plan, schema_errors, to_document
from dezkysync.services.ownership import group_name, stalwart_description
from dezkysync.tenants.model import Domain, MailingList, Member, Tenant, TenantSet

NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=UTC)


AUTO = "(from the address)"


def member(email: str, name: str | None = AUTO, **extra: Any) -> Member:
    if name == AUTO:
        name = None if extra.get("guest") else email.split("@")[0].title()
    return Member(email=email, name=name, **extra)


def tenant(
    slug: str,
    domains: tuple[str, ...] | None = None,
    members: tuple[Member, ...] = (),
    lists: tuple[MailingList, ...] = (),
    state: str = "present",
) -> Tenant:
    names = domains if domains is not None else (f"{slug}.example",)
    return Tenant(
        slug=slug,
        name=slug.title(),
        state=state,  # type: ignore[arg-type]
        domains=tuple(Domain(n, primary=i == 0) for i, n in enumerate(names)),
        members=members,
        lists=lists,
        source=Path(f"{slug}.yaml"),
    )


def tenant_set(*tenants: Tenant) -> TenantSet:
    return TenantSet(tenants=tuple(sorted(tenants, key=lambda t: t.slug)), files=())


class World:
    """A mutable live world, frozen into a LiveState by :meth:`live`."""

    def __init__(self, *, stalwart: bool = True) -> None:
        self.stalwart = stalwart
        self.domains: list[LiveDomain] = []
        self.mailboxes: list[LiveMailbox] = []
        self.lists: list[LiveMailingList] = []
        self.identities: list[LiveIdentity] = []
        self.system: list[LiveIdentity] = [
            LiveIdentity(
                2,
                "dezkysync",
                "dezkysync",
                "",
                True,
                "service_account",
                "goauthentik.io/service-accounts",
                None,
            )
        ]
        self.groups: list[LiveGroup] = []
        self.files_users: list[LiveFilesUser] = [
            LiveFilesUser("ocis-me", "dezkysync", "dezkysync", None, True)
        ]
        self._ids = 100

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def live(self) -> LiveState:
        return LiveState(
            stalwart=StalwartState(
                identity="admin",
                account_id="d333333",
                domains=tuple(self.domains),
                mailboxes=tuple(sorted(self.mailboxes, key=lambda m: m.email)),
                lists=tuple(self.lists),
            )
            if self.stalwart
            else None,
            authentik=AuthentikState(
                me=SelfIdentity("dezkysync", "2"),
                identities=tuple(self.identities),
                system_users=tuple(self.system),
                groups=tuple(self.groups),
            ),
            ocis=OcisState(me=SelfIdentity("dezkysync", "ocis-me"), users=tuple(self.files_users)),
            read_at=NOW,
        )

    # -- adding objects ---------------------------------------------------------------------
    def domain(self, name: str, tenant: str | None) -> LiveDomain:
        description = stalwart_description(None, tenant) if tenant else None
        owner = Ownership(tenant) if tenant else None
        obj = LiveDomain(f"dom{self.next_id()}", name, owner, None, description)
        self.domains.append(obj)
        return obj

    def domain_id(self, name: str) -> str:
        for domain in self.domains:
            if domain.name == name:
                return domain.id
        return self.domain(name, None).id

    def mailbox(
        self,
        email: str,
        tenant: str | None,
        name: str | None = None,
        *,
        aliases: tuple[str, ...] = (),
        quota: int | None = None,
        suspended: bool = False,
        owner: Ownership | None = None,
    ) -> LiveMailbox:
        owner = owner if owner is not None else (Ownership(tenant) if tenant else None)
        permissions = (
            suspended_permissions({"@type": "Inherit"}) if suspended else {"@type": "Inherit"}
        )
        obj = LiveMailbox(
            id=f"acc{self.next_id()}",
            email=email,
            domain_id=self.domain_id(email.split("@")[1]),
            owner=owner,
            display_name=name,
            aliases=tuple(
                LiveAlias(a, str(i), self.domain_id(a.split("@")[1]))
                for i, a in enumerate(sorted(aliases))
            ),
            quota=quota,
            permissions=permissions,
        )
        self.mailboxes.append(obj)
        return obj

    def mailing_list(
        self, email: str, tenant: str | None, name: str | None, recipients: tuple[str, ...]
    ) -> LiveMailingList:
        obj = LiveMailingList(
            id=f"ml{self.next_id()}",
            email=email,
            domain_id=self.domain_id(email.split("@")[1]),
            owner=Ownership(tenant) if tenant else None,
            display_name=name,
            recipients=tuple(sorted(recipients)),
        )
        self.lists.append(obj)
        return obj

    def identity(
        self,
        login: str,
        tenant: str | None,
        name: str | None = None,
        *,
        active: bool = True,
        owner: Ownership | None = None,
    ) -> LiveIdentity:
        obj = LiveIdentity(
            pk=self.next_id(),
            username=login,
            name=name or login,
            email=login,
            is_active=active,
            type="internal",
            path="users",
            owner=owner if owner is not None else (Ownership(tenant) if tenant else None),
        )
        self.identities.append(obj)
        return obj

    def group(
        self, name: str, tenant: str | None, role: str | None, members: tuple[int, ...] = ()
    ) -> LiveGroup:
        owner = Ownership(tenant, role) if tenant else None  # type: ignore[arg-type]
        obj = LiveGroup(
            pk=f"grp-{self.next_id()}", name=name, owner=owner, members=tuple(sorted(members))
        )
        self.groups.append(obj)
        return obj

    def files_user(
        self, login: str, name: str, *, mail: str | None = None, enabled: bool = True
    ) -> LiveFilesUser:
        obj = LiveFilesUser(f"ocis-{self.next_id()}", login, name, mail or login, enabled)
        self.files_users.append(obj)
        return obj

    def pk(self, login: str) -> int:
        for ident in self.identities:
            if ident.login == login:
                return ident.pk
        raise KeyError(login)

    def replace(self, old: Any, **changes: Any) -> Any:
        tables: tuple[list[Any], ...] = (
            self.domains,
            self.mailboxes,
            self.lists,
            self.identities,
            self.system,
            self.groups,
            self.files_users,
        )
        for table in tables:
            for n, item in enumerate(table):
                if item is old:
                    new = dataclasses.replace(old, **changes)
                    table[n] = new
                    return new
        raise KeyError(old)


def converged(tenants: TenantSet, *, stalwart: bool = True) -> World:
    """The world an apply of ``tenants`` leaves behind."""
    world = World(stalwart=stalwart)
    present = [t for t in tenants.tenants if t.state == "present"]
    for t in present:
        for d in t.domains:
            world.domain(d.name, t.slug)
    for t in present:
        for m in t.mailbox_members:
            world.identity(m.login, t.slug, m.name or m.login, active=m.state == "active")
            world.mailbox(
                m.email,
                t.slug,
                m.name,
                aliases=m.aliases,
                quota=m.quota,
                suspended=m.state == "suspended",
            )
            world.files_user(m.login, m.name or m.login, enabled=m.state == "active")
        for ml in t.lists:
            world.mailing_list(ml.email, t.slug, ml.name, ml.recipients)
    for t in present:
        everyone = tuple(world.pk(m.login) for m in t.members)
        admins = tuple(world.pk(m.login) for m in t.members if m.role == "admin")
        world.group(group_name(t.slug, "members"), t.slug, "members", everyone)
        world.group(group_name(t.slug, "admins"), t.slug, "admins", admins)
    return world


def plan_of(
    tenants: TenantSet,
    world: World,
    *,
    adopt: bool = False,
    allow_deletes: bool = False,
    limits: DeletionLimits | None = None,
    protected: tuple[str, ...] = (),
    validate: bool = True,
) -> Plan:
    plan = compute_plan(
        tenants,
        world.live(),
        options=PlanOptions(adopt=adopt, allow_deletes=allow_deletes),
        limits=limits,
        protected=protected,
        now=NOW,
    )
    if validate:  # jsonschema is slow on thousands of changes; big plans skip it
        problems = schema_errors(to_document(plan))
        assert not problems, problems
    return plan


def ids(plan: Plan) -> list[str]:
    return [c.id for c in plan.changes]


def codes(plan: Plan, change_id: str | None = None) -> set[str]:
    found = plan.findings if change_id is None else plan.findings_for(change_id)
    return {f.code for f in found}


def before(plan: Plan, first: str, second: str) -> bool:
    order = ids(plan)
    return order.index(first) < order.index(second)

"""The desired state per service object, expanded from the tenant files.

For every tenant with ``state: present``:

- each domain -> a Stalwart domain;
- each member on an own domain -> an authentik identity (login = address), a Stalwart mailbox
  (with aliases, quota, suspension) and an OCIS user;
- every member (guests included) -> a membership of the tenant group ``tenant-<slug>``, and of
  ``tenant-<slug>-admins`` for admins;
- each mailing list -> a Stalwart mailing list.

Tenants with ``state: absent`` want nothing: what is marked as theirs is removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from dezkysync.live.model import GroupRole
from dezkysync.services.ownership import GROUP_ROLES, group_name
from dezkysync.tenants.model import Tenant, TenantSet


@dataclass(frozen=True)
class WantDomain:
    """A domain a tenant owns."""

    tenant: str
    name: str


@dataclass(frozen=True)
class WantMailbox:
    """A member's mailbox."""

    tenant: str
    email: str
    display_name: str | None
    aliases: tuple[str, ...]
    quota: int | None
    suspended: bool


@dataclass(frozen=True)
class WantList:
    """A mailing list."""

    tenant: str
    email: str
    display_name: str | None
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class WantIdentity:
    """A member's SSO identity (authentik user)."""

    tenant: str
    login: str
    name: str | None
    email: str
    active: bool


@dataclass(frozen=True)
class WantGroup:
    """A tenant group (``members`` or ``admins``)."""

    tenant: str
    role: GroupRole
    name: str


@dataclass(frozen=True)
class WantMembership:
    """A login in a tenant group."""

    tenant: str
    role: GroupRole
    login: str
    guest: bool


@dataclass(frozen=True)
class WantFilesUser:
    """A member's OCIS user."""

    tenant: str
    login: str
    display_name: str | None
    mail: str
    enabled: bool


@dataclass
class Desired:
    """Every desired object, keyed the way live objects are looked up."""

    domains: dict[str, WantDomain] = field(default_factory=dict)
    mailboxes: dict[str, WantMailbox] = field(default_factory=dict)
    lists: dict[str, WantList] = field(default_factory=dict)
    identities: dict[str, WantIdentity] = field(default_factory=dict)
    groups: dict[tuple[str, GroupRole], WantGroup] = field(default_factory=dict)
    memberships: dict[tuple[str, GroupRole, str], WantMembership] = field(default_factory=dict)
    files_users: dict[str, WantFilesUser] = field(default_factory=dict)
    loaded: frozenset[str] = frozenset()  # every tenant slug given
    absent: frozenset[str] = frozenset()  # tenants with state: absent
    conflicts: list[str] = field(default_factory=list)  # the same object claimed twice

    def memberships_of(self, login: str) -> list[WantMembership]:
        """Every desired membership of ``login``."""
        return [m for (_, _, who), m in self.memberships.items() if who == login]


def expand(tenants: TenantSet) -> Desired:
    """The desired objects of every present tenant in ``tenants``."""
    desired = Desired(
        loaded=frozenset(t.slug for t in tenants.tenants),
        absent=frozenset(t.slug for t in tenants.tenants if t.state == "absent"),
    )
    for tenant in tenants.tenants:
        if tenant.state == "present":
            _expand_tenant(tenant, desired)
    return desired


def _expand_tenant(tenant: Tenant, desired: Desired) -> None:
    slug = tenant.slug
    for domain in tenant.domains:
        _put(desired, desired.domains, domain.name, WantDomain(slug, domain.name), "domain")
    for role in GROUP_ROLES:
        desired.groups[(slug, role)] = WantGroup(slug, role, group_name(slug, role))
    for member in tenant.members:
        login = member.login
        desired.memberships[(slug, "members", login)] = WantMembership(
            slug, "members", login, member.guest
        )
        if member.role == "admin":
            desired.memberships[(slug, "admins", login)] = WantMembership(
                slug, "admins", login, member.guest
            )
        if member.guest:
            continue
        active = member.state == "active"
        _put(
            desired,
            desired.identities,
            login,
            WantIdentity(slug, login, member.name, member.email, active),
            "identity",
        )
        _put(
            desired,
            desired.mailboxes,
            member.email,
            WantMailbox(
                slug,
                member.email,
                member.name,
                tuple(sorted(set(member.aliases))),
                member.quota,
                not active,
            ),
            "mailbox",
        )
        _put(
            desired,
            desired.files_users,
            login,
            WantFilesUser(slug, login, member.name, member.email, active),
            "files user",
        )
    for mailing_list in tenant.lists:
        _put(
            desired,
            desired.lists,
            mailing_list.email,
            WantList(
                slug,
                mailing_list.email,
                mailing_list.name,
                tuple(sorted(set(mailing_list.recipients))),
            ),
            "mailing list",
        )


_W = TypeVar("_W", WantDomain, WantMailbox, WantList, WantIdentity, WantFilesUser)


def _put(desired: Desired, table: dict[str, _W], key: str, value: _W, what: str) -> None:
    existing = table.get(key)
    if existing is not None:
        first, second = existing.tenant, value.tenant
        desired.conflicts.append(
            f"the {what} {key} is claimed by tenants '{first}' and '{second}'; "
            "only the first is planned"
        )
        return
    table[key] = value

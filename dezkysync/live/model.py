"""The live state: what the three services hold right now, as read by the service clients.

Values are immutable and normalised for comparison with the desired state (lowercase
addresses, sorted tuples). Each object keeps the identifiers a later write needs (Stalwart ids,
authentik pks and group uuids, OCIS ids) and its parsed ownership marker (:class:`Ownership`).

A ``LiveState`` is only ever built from complete reads: a client that cannot read everything
raises instead (see :mod:`dezkysync.http`), so an object missing here is really absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

GroupRole = Literal["members", "admins"]


@dataclass(frozen=True)
class Ownership:
    """The ownership marker dezkysync writes on what it manages (formats in
    :mod:`dezkysync.services.ownership`). ``problem`` is set when a marker is present but
    unreadable: such an object is neither ours nor free to take."""

    tenant: str
    role: GroupRole | None = None  # authentik tenant groups only
    problem: str | None = None
    #: authentik users only: created by an apply that had not yet set its password when it
    #: stopped (the next plan gives the member a fresh password on every store).
    password_pending: bool = False


# -- Stalwart ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveDomain:
    """A Stalwart ``x:Domain``."""

    id: str
    name: str
    owner: Ownership | None
    display_name: str | None = None  # the description without the marker
    description: str | None = None  # as stored


@dataclass(frozen=True)
class LiveAlias:
    """An address alias embedded in a Stalwart account or list (``aliases`` List entry)."""

    email: str
    index: str  # the List key ("0", "1", ...), for JSON-pointer patches
    domain_id: str
    enabled: bool = True


@dataclass(frozen=True)
class LiveMailbox:
    """A Stalwart ``x:Account`` of type User."""

    id: str
    email: str
    domain_id: str
    owner: Ownership | None
    display_name: str | None = None
    description: str | None = None
    aliases: tuple[LiveAlias, ...] = ()  # sorted by email
    quota: int | None = None  # quotas.maxDiskQuota, bytes
    permissions: dict[str, Any] = field(default_factory=lambda: {"@type": "Inherit"})

    @property
    def suspended(self) -> bool:
        """Logins refused: ``authenticate`` is among the disabled permissions."""
        return is_suspended_permissions(self.permissions)

    @property
    def alias_emails(self) -> tuple[str, ...]:
        """The alias addresses, sorted."""
        return tuple(alias.email for alias in self.aliases)


@dataclass(frozen=True)
class LiveMailingList:
    """A Stalwart ``x:MailingList``."""

    id: str
    email: str
    domain_id: str
    owner: Ownership | None
    display_name: str | None = None
    description: str | None = None
    recipients: tuple[str, ...] = ()  # sorted
    aliases: tuple[LiveAlias, ...] = ()


@dataclass(frozen=True)
class StalwartState:
    """Everything read from Stalwart; ``identity`` is the session user dezkysync runs as."""

    identity: str
    account_id: str
    domains: tuple[LiveDomain, ...] = ()
    mailboxes: tuple[LiveMailbox, ...] = ()
    lists: tuple[LiveMailingList, ...] = ()

    @cached_property
    def domain_by_name(self) -> dict[str, LiveDomain]:
        """Domains by name."""
        return {d.name: d for d in self.domains}

    @cached_property
    def domain_by_id(self) -> dict[str, LiveDomain]:
        """Domains by id."""
        return {d.id: d for d in self.domains}

    @cached_property
    def mailbox_by_email(self) -> dict[str, LiveMailbox]:
        """Mailboxes by primary address."""
        return {m.email: m for m in self.mailboxes}

    @cached_property
    def list_by_email(self) -> dict[str, LiveMailingList]:
        """Mailing lists by address."""
        return {ml.email: ml for ml in self.lists}

    @cached_property
    def address_holders(self) -> dict[str, tuple[str, str]]:
        """Every address in use (mailbox, list, alias) -> (kind, owning address)."""
        holders: dict[str, tuple[str, str]] = {}
        for mailbox in self.mailboxes:
            holders[mailbox.email] = ("mailbox", mailbox.email)
            for alias in mailbox.aliases:
                holders.setdefault(alias.email, ("alias", mailbox.email))
        for mailing_list in self.lists:
            holders.setdefault(mailing_list.email, ("list", mailing_list.email))
            for alias in mailing_list.aliases:
                holders.setdefault(alias.email, ("list-alias", mailing_list.email))
        return holders


# -- authentik --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveIdentity:
    """An authentik user."""

    pk: int
    username: str
    name: str
    email: str
    is_active: bool
    type: str
    path: str
    owner: Ownership | None
    uuid: str = ""
    groups: tuple[str, ...] = ()  # group uuids, sorted

    @property
    def login(self) -> str:
        """The username as compared with member logins (lowercase)."""
        return self.username.lower()


@dataclass(frozen=True)
class LiveGroup:
    """An authentik group."""

    pk: str  # uuid
    name: str
    owner: Ownership | None
    members: tuple[int, ...] = ()  # user pks, sorted
    is_superuser: bool = False


@dataclass(frozen=True)
class SelfIdentity:
    """Who dezkysync runs as on a service (never suspended, logged out or deleted by it)."""

    username: str
    id: str | None = None  # authentik pk (as text) or OCIS id


@dataclass(frozen=True)
class AuthentikState:
    """Everything read from authentik. ``identities`` are the users that can be planned;
    ``system_users`` (service accounts, the outposts' users) are kept apart: never planned,
    never taken as absent."""

    me: SelfIdentity
    identities: tuple[LiveIdentity, ...] = ()
    system_users: tuple[LiveIdentity, ...] = ()
    groups: tuple[LiveGroup, ...] = ()

    @cached_property
    def identity_by_login(self) -> dict[str, LiveIdentity]:
        """Plannable users by lowercase username."""
        return {i.login: i for i in self.identities}

    @cached_property
    def system_by_login(self) -> dict[str, LiveIdentity]:
        """System users by lowercase username."""
        return {i.login: i for i in self.system_users}

    @cached_property
    def user_by_pk(self) -> dict[int, LiveIdentity]:
        """Every user (plannable or system) by pk."""
        return {i.pk: i for i in (*self.identities, *self.system_users)}

    @cached_property
    def group_by_name(self) -> dict[str, LiveGroup]:
        """Groups by name."""
        return {g.name: g for g in self.groups}


# -- OCIS ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveFilesUser:
    """An OCIS user (managed when the authentik identity with the same login is)."""

    id: str
    username: str  # onPremisesSamAccountName
    display_name: str
    mail: str | None
    enabled: bool

    @property
    def login(self) -> str:
        """The username as compared with member logins (lowercase)."""
        return self.username.lower()


@dataclass(frozen=True)
class OcisState:
    """Everything read from OCIS."""

    me: SelfIdentity
    users: tuple[LiveFilesUser, ...] = ()

    @cached_property
    def user_by_login(self) -> dict[str, LiveFilesUser]:
        """Users by lowercase username."""
        return {u.login: u for u in self.users}


# -- all of it ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveState:
    """The three services as read in one run. ``stalwart`` is None when Stalwart provisioning
    is disabled (nothing was read there, and nothing is planned there)."""

    stalwart: StalwartState | None
    authentik: AuthentikState
    ocis: OcisState
    read_at: datetime
    requests: dict[str, int] = field(default_factory=dict)  # per service, for reports


def is_suspended_permissions(permissions: dict[str, Any]) -> bool:
    """Whether a Stalwart permissions value disables ``authenticate``."""
    if permissions.get("@type") not in ("Merge", "Replace"):
        return False
    disabled = permissions.get("disabledPermissions") or {}
    return isinstance(disabled, dict) and disabled.get("authenticate") is True


def suspended_permissions(permissions: dict[str, Any]) -> dict[str, Any]:
    """The permissions value that suspends an account and keeps everything else: Inherit
    becomes Merge with ``authenticate`` disabled; Merge/Replace gain ``authenticate`` in
    ``disabledPermissions``. :func:`resumed_permissions` reverses it exactly."""
    kind = permissions.get("@type")
    if kind in ("Merge", "Replace"):
        disabled = dict(permissions.get("disabledPermissions") or {})
        disabled["authenticate"] = True
        return {**permissions, "disabledPermissions": dict(sorted(disabled.items()))}
    return {
        "@type": "Merge",
        "enabledPermissions": {},
        "disabledPermissions": {"authenticate": True},
    }


def resumed_permissions(permissions: dict[str, Any]) -> dict[str, Any]:
    """The permissions value before :func:`suspended_permissions` (``authenticate`` enabled
    again; a Merge left with nothing in it is Inherit again)."""
    kind = permissions.get("@type")
    if kind not in ("Merge", "Replace"):
        return dict(permissions)
    disabled = {
        k: v
        for k, v in (permissions.get("disabledPermissions") or {}).items()
        if k != "authenticate"
    }
    enabled = permissions.get("enabledPermissions") or {}
    if kind == "Merge" and not disabled and not enabled:
        return {"@type": "Inherit"}
    return {**permissions, "disabledPermissions": disabled}

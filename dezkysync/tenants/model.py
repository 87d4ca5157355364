"""The desired state: what the tenant files say the three services must hold.

Values here are immutable and already normalised (lowercase addresses, IDNA A-label domains,
sorted aliases), so comparing them with live state needs no further cleaning. The loader in
``dezkysync.tenants.loader`` is the only producer; everything else only reads them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from dezkysync.tenants.addresses import lookup_domain, lookup_email

Role = Literal["admin", "member"]
MemberState = Literal["active", "suspended"]
TenantState = Literal["present", "absent"]
DmarcPolicy = Literal["none", "quarantine", "reject"]

#: Bumped when the canonical form behind ``Tenant.desired_hash`` changes meaning.
DESIRED_HASH_FORMAT = 1


@dataclass(frozen=True)
class SourceSpot:
    """Where something was written, for messages."""

    file: str  # path as given on the command line (relative stays relative)
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Dmarc:
    """A per-domain DMARC policy override."""

    policy: DmarcPolicy
    rua: str | None = None  # e.g. "mailto:dmarc@acme.example"
    ruf: str | None = None
    pct: int | None = None


@dataclass(frozen=True)
class Domain:
    """An email domain owned by one tenant."""

    name: str  # lowercase IDNA 2008 A-label, no trailing dot
    primary: bool = False
    dmarc: Dmarc | None = None
    spot: SourceSpot | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Member:
    """A person in a tenant: an SSO login, and a mailbox when the address is on an own domain."""

    email: str  # local part lowercased, domain A-label; the identity key
    name: str | None = None  # display name (None: not managed by this entry, e.g. a guest)
    role: Role = "member"  # per tenant (admins group of THIS tenant)
    aliases: tuple[str, ...] = ()  # normalised, sorted
    quota: int | None = None  # bytes; None = server default
    state: MemberState = "active"
    guest: bool = False  # address on another tenant's domain: membership only here
    spot: SourceSpot | None = field(default=None, compare=False)

    @property
    def login(self) -> str:
        """The SSO username and OCIS ``onPremisesSamAccountName``: the address itself."""
        return self.email

    @property
    def domain(self) -> str:
        """The domain part of the address (A-label)."""
        return self.email.rpartition("@")[2]


@dataclass(frozen=True)
class MailingList:
    """A mailing list address and who receives its mail."""

    email: str
    name: str | None = None
    recipients: tuple[str, ...] = ()  # normalised, sorted, deduplicated
    spot: SourceSpot | None = field(default=None, compare=False)

    @property
    def domain(self) -> str:
        """The domain part of the list address (A-label)."""
        return self.email.rpartition("@")[2]


@dataclass(frozen=True)
class Tenant:
    """One customer tenant, as one tenant file describes it."""

    slug: str
    name: str
    state: TenantState
    domains: tuple[Domain, ...]
    members: tuple[Member, ...]  # in file order
    lists: tuple[MailingList, ...]
    source: Path  # the tenant file

    @property
    def primary_domain(self) -> Domain | None:
        """The domain new mailboxes live on, if the tenant has one."""
        for domain in self.domains:
            if domain.primary:
                return domain
        return None

    def domain(self, name: str) -> Domain | None:
        """The tenant's domain called ``name`` (any case, trailing dot, U- or A-label)."""
        wanted = lookup_domain(name)
        for domain in self.domains:
            if domain.name == wanted:
                return domain
        return None

    def member(self, email: str) -> Member | None:
        """The member with this address (compared in normalised form), if listed here."""
        wanted = lookup_email(email)
        for member in self.members:
            if member.email == wanted:
                return member
        return None

    def mailing_list(self, email: str) -> MailingList | None:
        """The mailing list with this address, if the tenant has one."""
        wanted = lookup_email(email)
        for mailing_list in self.lists:
            if mailing_list.email == wanted:
                return mailing_list
        return None

    @property
    def mailbox_members(self) -> tuple[Member, ...]:
        """Members whose mailbox and identity this tenant owns (everyone but guests)."""
        return tuple(member for member in self.members if not member.guest)

    @property
    def guests(self) -> tuple[Member, ...]:
        """Members whose mailbox lives in another tenant: only a membership here."""
        return tuple(member for member in self.members if member.guest)

    def canonical(self) -> dict[str, object]:
        """The desired state as plain JSON data, independent of file order and formatting."""
        return {
            "format": DESIRED_HASH_FORMAT,
            "slug": self.slug,
            "name": self.name,
            "state": self.state,
            "domains": [
                {
                    "name": d.name,
                    "primary": d.primary,
                    "dmarc": None
                    if d.dmarc is None
                    else {
                        "policy": d.dmarc.policy,
                        "rua": d.dmarc.rua,
                        "ruf": d.dmarc.ruf,
                        "pct": d.dmarc.pct,
                    },
                }
                for d in sorted(self.domains, key=lambda d: d.name)
            ],
            "members": [
                {
                    "email": m.email,
                    "name": m.name,
                    "role": m.role,
                    "aliases": sorted(m.aliases),
                    "quota": m.quota,
                    "state": m.state,
                    "guest": m.guest,
                }
                for m in sorted(self.members, key=lambda m: m.email)
            ],
            "lists": [
                {"email": ml.email, "name": ml.name, "recipients": sorted(ml.recipients)}
                for ml in sorted(self.lists, key=lambda ml: ml.email)
            ],
        }

    def desired_hash(self) -> str:
        """SHA-256 hex of the canonical desired state (spots and source excluded).

        Stable across runs, file formatting, key order and the order of list entries.
        """
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TenantSet:
    """Every tenant of one run, with the files they came from."""

    tenants: tuple[Tenant, ...]  # sorted by slug
    files: tuple[Path, ...]  # every file loaded, sorted

    def tenant(self, slug: str) -> Tenant | None:
        """The tenant with this slug, if loaded."""
        for tenant in self.tenants:
            if tenant.slug == slug:
                return tenant
        return None

    def home_tenant_of(self, email: str) -> Tenant | None:
        """The tenant owning the domain of this address (where its mailbox lives)."""
        domain = lookup_email(email).rpartition("@")[2]
        return self.owner_of_domain(domain)

    def owner_of_domain(self, name: str) -> Tenant | None:
        """The tenant that claims this domain, if any loaded tenant does."""
        wanted = lookup_domain(name)
        for tenant in self.tenants:
            if any(domain.name == wanted for domain in tenant.domains):
                return tenant
        return None

    def files_hash(self) -> str:
        """SHA-256 hex over (relative path, bytes) of every file, in sorted order.

        Paths are taken relative to the files' common parent directory, so the value does not
        depend on the working directory the command ran in.
        """
        digest = hashlib.sha256()
        for relative, path in sorted(_relative_names(self.files)):
            data = path.read_bytes()
            digest.update(relative.encode("utf-8"))
            digest.update(b"\0")
            digest.update(str(len(data)).encode("ascii"))
            digest.update(b"\0")
            digest.update(data)
        return digest.hexdigest()

    def shard(self, k: int, n: int) -> TenantSet:
        """Shard ``k`` of ``n`` (1-based): tenants with ``sha256(slug) % n == k - 1``.

        A tenant's shard depends on its slug alone, so it never moves when others come or go.
        """
        if n < 1 or not 1 <= k <= n:
            raise ValueError(f"shard {k}/{n}: need 1 <= k <= n")
        tenants = tuple(t for t in self.tenants if shard_of(t.slug, n) == k)
        sources = {t.source for t in tenants}
        files = tuple(f for f in self.files if f in sources)
        return TenantSet(tenants=tenants, files=files)


def shard_of(slug: str, n: int) -> int:
    """The 1-based shard of ``n`` that a tenant slug belongs to."""
    return int(hashlib.sha256(slug.encode("utf-8")).hexdigest(), 16) % n + 1


def _relative_names(files: tuple[Path, ...]) -> list[tuple[str, Path]]:
    if not files:
        return []
    absolute = [f.resolve() for f in files]
    parents = [a.parent for a in absolute]
    common = parents[0]
    for parent in parents[1:]:
        while common != parent and common not in parent.parents:
            common = common.parent
    return [(a.relative_to(common).as_posix(), f) for a, f in zip(absolute, files, strict=True)]

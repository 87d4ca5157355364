"""Rules across all tenant files of a run, and building the model once they hold.

Checked here: unique slugs; a domain claimed by one tenant only; no look-alike domains; one
primary domain per tenant with mailboxes; member, alias and list addresses on the tenant's own
domains (a member on another tenant's domain is a guest); every address used once across all
tenants; guests agreeing with their home tenant's definition; list recipients that exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from dezkysync.tenants.addresses import skeleton, u_form
from dezkysync.tenants.entries import ListDraft, MemberDraft, TenantDraft
from dezkysync.tenants.errors import ValidationError
from dezkysync.tenants.model import (
    Domain,
    MailingList,
    Member,
    MemberState,
    Role,
    Tenant,
    TenantState,
)
from dezkysync.tenants.quota import format_quota
from dezkysync.tenants.yamlfile import DocPath

ClaimKind = Literal["member", "alias", "list"]


@dataclass(frozen=True)
class _Claim:
    """Who uses an address (for uniqueness and recipient checks)."""

    kind: ClaimKind
    tenant: TenantDraft
    path: DocPath
    owner: str | None = None  # the member an alias belongs to

    def describe(self, seen_from: TenantDraft) -> str:
        where = _where(self.tenant, self.path, seen_from)
        if self.kind == "member":
            return f"member of {where}"
        if self.kind == "alias":
            return f"an alias of {self.owner} in {where}"
        return f"a mailing list of {where}"


def _where(tenant: TenantDraft, path: DocPath, seen_from: TenantDraft) -> str:
    spot = tenant.spot(path)
    if tenant is seen_from:
        return f"this tenant (line {spot.line})"
    return f"tenant {_called(tenant)} ({spot})"


def _called(tenant: TenantDraft) -> str:
    """How messages name a tenant (its slug, or its file while the slug is unusable)."""
    return tenant.slug if tenant.slug is not None else "with an unusable slug"


class CrossFileCheck:
    """Runs the cross-file rules over the drafts of one run."""

    def __init__(self, drafts: list[TenantDraft], *, complete: bool) -> None:
        self.drafts = sorted(drafts, key=lambda d: d.document.file)
        self.complete = complete and all(d.complete for d in drafts)
        self.errors: list[ValidationError] = []
        self.owners: dict[str, TenantDraft] = {}
        self.claims: dict[str, _Claim] = {}
        self.homes: dict[str, tuple[TenantDraft, MemberDraft]] = {}

    def run(self) -> list[ValidationError]:
        """All cross-file errors, in no particular order."""
        self._unique_slugs()
        self._unique_domains()
        self._look_alike_domains()
        for draft in self.drafts:
            self._classify_members(draft)
            self._list_addresses(draft)
        for draft in self.drafts:
            self._primary_domain(draft)
            self._member_names(draft)
            self._guests(draft)
            self._recipients(draft)
        return self.errors

    def _fail(
        self, draft: TenantDraft, path: DocPath, message: str, *, at_key: bool = False
    ) -> None:
        self.errors.append(draft.error(path, message, at_key=at_key))

    def _unique_slugs(self) -> None:
        first: dict[str, TenantDraft] = {}
        for draft in self.drafts:
            if draft.slug is None:
                continue
            other = first.setdefault(draft.slug, draft)
            if other is not draft:
                self._fail(
                    draft,
                    ("tenant",),
                    f"tenant {draft.slug!r} is already described in "
                    f"{other.spot(('tenant',))}; each tenant has exactly one file",
                )

    def _unique_domains(self) -> None:
        first: dict[str, tuple[TenantDraft, DocPath]] = {}
        for draft in self.drafts:
            for domain in draft.domains:
                if domain.name is None:
                    continue
                path = (*domain.path, "name")
                other, other_path = first.setdefault(domain.name, (draft, path))
                if other_path is path:
                    self.owners[domain.name] = draft
                elif other is draft:
                    self._fail(
                        draft,
                        path,
                        f"domain {domain.name} is listed twice in this tenant "
                        f"(first at line {draft.spot(other_path).line})",
                    )
                else:
                    self._fail(
                        draft,
                        path,
                        f"domain {domain.name} is already claimed by tenant "
                        f"{_called(other)} ({other.spot(other_path)}); "
                        "a domain belongs to one tenant only",
                    )

    def _look_alike_domains(self) -> None:
        by_skeleton: dict[str, list[str]] = {}
        for name in sorted(self.owners):
            by_skeleton.setdefault(skeleton(name), []).append(name)
        for draft in self.drafts:
            for domain in draft.domains:
                if domain.name is None or self.owners.get(domain.name) is not draft:
                    continue
                name = domain.name
                if "xn--" not in name:
                    continue
                twins = [n for n in by_skeleton[skeleton(name)] if n != name]
                if twins:
                    twin = twins[0]
                    self._fail(
                        draft,
                        (*domain.path, "name"),
                        f"domain {u_form(name)!r} ({name}) looks the same as {u_form(twin)!r} "
                        f"of tenant {_called(self.owners[twin])} when read; look-alike "
                        "domains are how phishing starts, so they are refused",
                    )

    def _own_domains(self, draft: TenantDraft) -> str:
        names = [d.name for d in draft.domains if d.name is not None]
        return ", ".join(names) if names else "none"

    def _claim(self, address: str, claim: _Claim) -> None:
        other = self.claims.setdefault(address, claim)
        if other is not claim:
            self._fail(
                claim.tenant,
                claim.path,
                f"address {address} is already used as {other.describe(claim.tenant)}; "
                "every address belongs to one member, alias or list",
            )

    def _on_own_domain(self, draft: TenantDraft, path: DocPath, address: str, what: str) -> bool:
        """Whether ``address`` is on one of the tenant's domains; reports the error if not."""
        domain = address.rpartition("@")[2]
        owner = self.owners.get(domain)
        if owner is draft:
            return True
        if owner is not None:
            self._fail(
                draft,
                path,
                f"{what} {address} is on domain {domain} of tenant {_called(owner)}; "
                f"{what}es must be on this tenant's own domains ({self._own_domains(draft)})",
            )
        elif self.complete:
            self._fail(
                draft,
                path,
                f"{what} {address} is on domain {domain}, which is not one of this tenant's "
                f"domains ({self._own_domains(draft)}) and no loaded tenant owns; "
                f"add {domain} under domains",
            )
        return False

    def _classify_members(self, draft: TenantDraft) -> None:
        seen: dict[str, MemberDraft] = {}
        for member in draft.members:
            email = member.email
            if email is None:
                continue
            email_path = (*member.path, "email")
            first = seen.setdefault(email, member)
            if first is not member:
                self._fail(
                    draft,
                    email_path,
                    f"member {email} is listed twice in this tenant "
                    f"(first at line {draft.spot(first.path).line})",
                )
                continue
            domain = email.rpartition("@")[2]
            owner = self.owners.get(domain)
            if owner is not None and owner is not draft:
                member.guest = True
                continue
            if owner is None:
                if self.complete:
                    self._fail(
                        draft,
                        email_path,
                        f"member {email} is on domain {domain}, which no loaded tenant owns; "
                        f"add {domain} under domains (this tenant has "
                        f"{self._own_domains(draft)}), or load the tenant file that owns it",
                    )
                continue
            self._claim(email, _Claim("member", draft, email_path))
            self.homes.setdefault(email, (draft, member))
            for alias in member.aliases:
                if self._on_own_domain(draft, alias.path, alias.address, "alias"):
                    self._claim(alias.address, _Claim("alias", draft, alias.path, email))

    def _list_addresses(self, draft: TenantDraft) -> None:
        for mailing_list in draft.lists:
            if mailing_list.email is None:
                continue
            path = (*mailing_list.path, "email")
            if self._on_own_domain(draft, path, mailing_list.email, "list address"):
                self._claim(mailing_list.email, _Claim("list", draft, path))

    def _primary_domain(self, draft: TenantDraft) -> None:
        primaries = [d for d in draft.domains if d.primary]
        for extra in primaries[1:]:
            self._fail(
                draft,
                (*extra.path, "primary"),
                f"only one domain can be primary; {primaries[0].name or 'the domain'} "
                f"(line {primaries[0].spot.line}) already is",
            )
        has_mailboxes = bool(draft.lists) or any(
            m.email is not None and not m.guest and self.owners.get(m.domain_of()) is draft
            for m in draft.members
        )
        known = all(d.primary_known for d in draft.domains)
        if not primaries and draft.domains and has_mailboxes and draft.complete and known:
            self._fail(
                draft,
                ("domains",),
                "no domain is primary, but this tenant has mailboxes; mark the domain new "
                "mailboxes live on with 'primary: true'",
                at_key=True,
            )

    def _member_names(self, draft: TenantDraft) -> None:
        for member in draft.members:
            if member.email is None or member.guest or "name" in member.stated:
                continue
            if self.owners.get(member.domain_of()) is draft:
                self._fail(
                    draft,
                    member.path,
                    f"missing required key 'name': {member.email} has a mailbox in this "
                    "tenant, so it needs a display name",
                )

    def _guests(self, draft: TenantDraft) -> None:
        for member in draft.members:
            if not member.guest or member.email is None:
                continue
            home = self.homes.get(member.email)
            owner = self.owners[member.domain_of()]
            email_path = (*member.path, "email")
            if home is None:
                claim = self.claims.get(member.email)
                if claim is not None:
                    self._fail(
                        draft,
                        email_path,
                        f"{member.email} is {claim.describe(draft)}, not a person; only "
                        "members of the home tenant can be guests in another tenant",
                    )
                elif self.complete:
                    self._fail(
                        draft,
                        email_path,
                        f"{member.email} is on domain {member.domain_of()} of tenant "
                        f"{_called(owner)}, which has no member with this address; add "
                        f"the member to {owner.document.file} first (its mailbox lives there)",
                    )
                continue
            self._compare_with_home(draft, member, *home)

    def _compare_with_home(
        self, draft: TenantDraft, guest: MemberDraft, home: TenantDraft, entry: MemberDraft
    ) -> None:
        differences: list[tuple[str, object, object]] = []
        if "name" in guest.stated and guest.name is not None and guest.name != entry.name:
            differences.append(("name", guest.name, entry.name))
        if "quota" in guest.stated and guest.quota is not None and guest.quota != entry.quota:
            differences.append(("quota", format_quota(guest.quota), _shown_quota(entry.quota)))
        mine = sorted({a.address for a in guest.aliases})
        theirs = sorted({a.address for a in entry.aliases})
        if "aliases" in guest.stated and mine != theirs:
            differences.append(("aliases", mine, theirs))
        if "state" in guest.stated and guest.state != entry.state:
            differences.append(("state", guest.state, entry.state))
        for key, said, defined in differences:
            self._fail(
                draft,
                (*guest.path, key),
                f"{guest.email} is a guest here; this entry says {key} {said!r} but its home "
                f"tenant {_called(home)} ({home.spot(entry.path)}) says {defined!r}; "
                f"leave {key} out here or make both the same",
            )

    def _recipients(self, draft: TenantDraft) -> None:
        for mailing_list in draft.lists:
            for recipient in mailing_list.recipients:
                self._check_recipient(draft, mailing_list, recipient.path, recipient.address)

    def _check_recipient(
        self, draft: TenantDraft, mailing_list: ListDraft, path: DocPath, address: str
    ) -> None:
        if address == mailing_list.email:
            self._fail(draft, path, f"list {address} cannot be its own recipient (a mail loop)")
            return
        owner = self.owners.get(address.rpartition("@")[2])
        if owner is None or address in self.claims or not self.complete:
            return
        self._fail(
            draft,
            path,
            f"recipient {address} is on domain {address.rpartition('@')[2]} of tenant "
            f"{_called(owner)}, but no member, alias or list there has this address; "
            "mail to it would bounce",
        )


def _shown_quota(quota: int | None) -> str:
    return "the server default" if quota is None else format_quota(quota)


def build_tenants(drafts: list[TenantDraft], homes: dict[str, MemberDraft]) -> list[Tenant]:
    """The model of drafts that passed every rule (so every value is present)."""
    return [_build_tenant(draft, homes) for draft in drafts]


def _build_tenant(draft: TenantDraft, homes: dict[str, MemberDraft]) -> Tenant:
    assert draft.slug is not None and draft.name is not None
    domains = tuple(
        Domain(name=d.name, primary=d.primary, dmarc=d.dmarc, spot=d.spot)
        for d in draft.domains
        if d.name is not None
    )
    members = tuple(_build_member(m, homes) for m in draft.members)
    lists = tuple(
        MailingList(
            email=ml.email,
            name=ml.name,
            recipients=tuple(sorted({r.address for r in ml.recipients})),
            spot=ml.spot,
        )
        for ml in draft.lists
        if ml.email is not None
    )
    return Tenant(
        slug=draft.slug,
        name=draft.name,
        state=cast(TenantState, draft.state),
        domains=domains,
        members=members,
        lists=lists,
        source=draft.source,
    )


def _build_member(member: MemberDraft, homes: dict[str, MemberDraft]) -> Member:
    assert member.email is not None
    state = member.state
    if member.guest:
        state = homes[member.email].state  # suspension is the person's, not the membership's
    return Member(
        email=member.email,
        name=member.name,
        role=cast(Role, member.role),
        aliases=tuple(sorted({a.address for a in member.aliases})),
        quota=member.quota,
        state=cast(MemberState, state),
        guest=member.guest,
        spot=member.spot,
    )


def check_and_build(
    drafts: list[TenantDraft], *, complete: bool, clean: bool
) -> tuple[list[ValidationError], list[Tenant]]:
    """Run the cross-file rules; build the model when they and every earlier check held.

    ``complete``: every file could be read. ``clean``: no file had an error so far.
    """
    check = CrossFileCheck(drafts, complete=complete)
    errors = check.run()
    if errors or not clean or not check.complete:
        return errors, []
    homes = {email: member for email, (_draft, member) in check.homes.items()}
    return errors, build_tenants(check.drafts, homes)

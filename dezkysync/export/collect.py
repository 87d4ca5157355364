"""From the live state to tenant documents: every managed object grouped by the tenant its
ownership marker names.

For each tenant found in a marker:

- **domains**: the Stalwart domains marked for it (with Stalwart disabled: the domains of its
  members' logins). The primary domain and DMARC overrides are not held by any service: they
  come from the tenant's applied record when there is one; otherwise the domain holding most
  of its members is primary;
- **members**: every login whose SSO identity or mailbox is marked for the tenant, on one of
  its domains: the display name (authentik, else Stalwart, else OCIS), aliases and quota
  (Stalwart), the admin role (the tenant's admins group) and the state (suspended when any
  service has the member suspended: exporting never lifts a suspension);
- **guests**: members of the tenant's groups whose identity is marked for the tenant owning
  their address's domain;
- **lists**: the Stalwart mailing lists marked for it;
- the tenant's **name** comes from its applied record (the slug when there is none).

Whatever cannot be written as a valid tenant file (a mailbox on a domain of another tenant, an
alias or recipient that exists nowhere on the platform...) is left out, with a note saying
what and why. Passwords are never read, so they are never written.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dezkysync.drift.record import AppliedRecords
from dezkysync.export.person import Person
from dezkysync.live.model import (
    GroupRole,
    LiveIdentity,
    LiveState,
    Ownership,
)
from dezkysync.services.ownership import group_name
from dezkysync.tenants.quota import format_quota, parse_quota


@dataclass
class ExportedTenant:
    """One tenant file to write: its document (keys in file order) and notes about it."""

    slug: str
    document: dict[str, Any]
    notes: list[str] = field(default_factory=list)


@dataclass
class Export:
    """Every managed tenant found on the services."""

    tenants: dict[str, ExportedTenant] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    domain_owner: dict[str, str] = field(default_factory=dict)  # domain -> tenant slug


def _ours(owner: Ownership | None) -> str | None:
    return owner.tenant if owner is not None and not owner.problem and owner.tenant else None


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2]


class _Collector:
    def __init__(self, live: LiveState, records: AppliedRecords) -> None:
        self.live = live
        self.records = records
        self.notes: dict[str, list[str]] = defaultdict(list)
        self.general: list[str] = []
        self.domain_owner: dict[str, str] = {}
        self.slugs: set[str] = set()
        self._members_cache: dict[tuple[str, GroupRole], frozenset[int]] = {}

    # -- which tenants, which domains -----------------------------------------------------------
    def find_tenants(self) -> None:
        st, au = self.live.stalwart, self.live.authentik
        owners: list[Ownership | None] = [i.owner for i in au.identities]
        owners += [g.owner for g in au.groups if g.owner is not None and g.owner.role]
        if st is not None:
            owners += [m.owner for m in st.mailboxes] + [ml.owner for ml in st.lists]
            owners += [d.owner for d in st.domains]
            for live_domain in st.domains:
                if (owner := _ours(live_domain.owner)) is not None:
                    self.domain_owner[live_domain.name] = owner
        self.slugs = {slug for slug in map(_ours, owners) if slug is not None}
        if st is None:
            self._domains_without_stalwart()

    def _domains_without_stalwart(self) -> None:
        """Stalwart is not read: domains come from the records, then from member logins."""
        claims: dict[str, set[str]] = defaultdict(set)
        for slug in sorted(self.slugs):
            record = self.records.get(slug)
            for entry in record.desired.get("domains", []) if record is not None else []:
                if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
                    claims[entry["name"]].add(slug)
        by_logins: dict[str, set[str]] = defaultdict(set)
        for identity in self.live.authentik.identities:
            owner = _ours(identity.owner)
            if owner is not None and "@" in identity.login:
                by_logins[_domain_of(identity.login)].add(owner)
        for name, claimed_by in by_logins.items():
            claims.setdefault(name, claimed_by)
        for name, claimed_by in sorted(claims.items()):
            if len(claimed_by) == 1:
                self.domain_owner[name] = next(iter(claimed_by))
            else:
                self.general.append(
                    f"the domain {name} is claimed by tenants {', '.join(sorted(claimed_by))}; "
                    "it is left out"
                )

    # -- one tenant -------------------------------------------------------------------------------
    def tenant(self, slug: str) -> ExportedTenant:
        record = self.records.get(slug)
        recorded: Mapping[str, Any] = record.desired if record is not None else {}
        people = self._people(slug)
        domains = sorted(d for d, owner in self.domain_owner.items() if owner == slug)
        document: dict[str, Any] = {"tenant": slug, "name": recorded.get("name") or slug}
        if recorded.get("state") == "absent":
            document["state"] = "absent"
            self.notes[slug].append(
                "the last apply tore this tenant down (state: absent); what is left of it on "
                "the services is exported, and the file keeps state: absent"
            )
        if domains:
            document["domains"] = self._domains(slug, domains, people, recorded)
        members = [self._member(slug, person) for person in people]
        members += self._guests(slug)
        if members:
            document["members"] = members
        lists = self._lists(slug)
        if lists:
            document["lists"] = lists
        return ExportedTenant(slug, document, self.notes[slug])

    def _people(self, slug: str) -> list[Person]:
        st, au, oc = self.live.stalwart, self.live.authentik, self.live.ocis
        people: dict[str, Person] = {}
        for identity in au.identities:
            if _ours(identity.owner) == slug:
                people.setdefault(identity.login, Person(identity.login)).identity = identity
        if st is not None:
            for mailbox in st.mailboxes:
                if _ours(mailbox.owner) == slug:
                    people.setdefault(mailbox.email, Person(mailbox.email)).mailbox = mailbox
        kept: list[Person] = []
        for login, person in sorted(people.items()):
            if "@" not in login:
                self.notes[slug].append(
                    f"the SSO identity {login!r} is marked for this tenant but its login is not "
                    "an address; it is left out"
                )
                continue
            owner = self.domain_owner.get(_domain_of(login))
            if owner != slug:
                where = f"tenant {owner}" if owner else "no tenant"
                self.notes[slug].append(
                    f"{login} is marked for this tenant but its domain belongs to {where}; "
                    "it is left out"
                )
                continue
            person.files_user = oc.user_by_login.get(login)
            kept.append(person)
        return kept

    def _domains(
        self,
        slug: str,
        domains: list[str],
        people: list[Person],
        recorded: Mapping[str, Any],
    ) -> list[dict[str, Any]]:
        recorded_domains = {
            d["name"]: d
            for d in recorded.get("domains", [])
            if isinstance(d, Mapping) and isinstance(d.get("name"), str)
        }
        primary = next(
            (name for name in domains if recorded_domains.get(name, {}).get("primary") is True),
            None,
        )
        if primary is None:
            used = Counter(_domain_of(p.login) for p in people)
            if self.live.stalwart is not None:
                used.update(
                    ml.email.rpartition("@")[2]
                    for ml in self.live.stalwart.lists
                    if _ours(ml.owner) == slug
                )
            primary = sorted(domains, key=lambda d: (-used[d], d))[0]
        entries: list[dict[str, Any]] = []
        for name in domains:
            entry: dict[str, Any] = {"name": name}
            if name == primary:
                entry["primary"] = True
            dmarc = recorded_domains.get(name, {}).get("dmarc")
            if isinstance(dmarc, Mapping):
                entry["dmarc"] = {
                    key: dmarc[key]
                    for key in ("policy", "rua", "ruf", "pct")
                    if dmarc.get(key) is not None
                }
            entries.append(entry)
        return entries

    def _member(self, slug: str, person: Person) -> dict[str, Any]:
        identity, mailbox, files_user = person.identity, person.mailbox, person.files_user
        entry: dict[str, Any] = {"email": person.login, "name": person.name}
        if self._is_admin(slug, identity):
            entry["role"] = "admin"
        if mailbox is not None:
            aliases = []
            for alias in mailbox.alias_emails:
                if self.domain_owner.get(_domain_of(alias)) == slug:
                    aliases.append(alias)
                else:
                    self.notes[slug].append(
                        f"the alias {alias} of {person.login} is not on a domain of this "
                        "tenant; it is left out"
                    )
            if aliases:
                entry["aliases"] = sorted(aliases)
            if mailbox.quota is not None and mailbox.quota > 0:
                entry["quota"] = format_quota(mailbox.quota)
        held = person.suspended_on
        if held:
            entry["state"] = "suspended"
            present = [
                name
                for name, obj in (
                    ("authentik", identity),
                    ("stalwart", mailbox),
                    ("ocis", files_user),
                )
                if obj is not None
            ]
            if held != present:
                self.notes[slug].append(
                    f"{person.login} is suspended on {', '.join(held)} only; exported as "
                    "suspended (exporting never lifts a suspension)"
                )
        return entry

    def _group_members(self, slug: str, role: GroupRole) -> frozenset[int]:
        """The user pks in the tenant group the plan uses for ``role`` (the one named
        ``tenant-<slug>[-admins]`` first), empty when there is none."""
        key = (slug, role)
        if key not in self._members_cache:
            wanted = group_name(slug, role)
            found = sorted(
                (
                    g
                    for g in self.live.authentik.groups
                    if _ours(g.owner) == slug and g.owner is not None and g.owner.role == role
                ),
                key=lambda g: (g.name != wanted, g.name),
            )
            self._members_cache[key] = frozenset(found[0].members) if found else frozenset()
        return self._members_cache[key]

    def _is_admin(self, slug: str, identity: LiveIdentity | None) -> bool:
        return identity is not None and identity.pk in self._group_members(slug, "admins")

    def _guests(self, slug: str) -> list[dict[str, Any]]:
        au = self.live.authentik
        admins = self._group_members(slug, "admins")
        members = self._group_members(slug, "members")
        guests: list[dict[str, Any]] = []
        for pk in sorted(members | admins):
            user = au.user_by_pk.get(pk)
            if user is None or user.login in au.system_by_login:
                continue
            home = _ours(user.owner)
            domain_owner = self.domain_owner.get(_domain_of(user.login))
            if home == slug or home is None:
                continue  # a home member (exported above), or not managed: left alone
            if "@" not in user.login or domain_owner != home:
                self.notes[slug].append(
                    f"{user.login} is in this tenant's groups but its home tenant {home} does "
                    "not own its domain; it is left out"
                )
                continue
            entry: dict[str, Any] = {"email": user.login}
            if pk in admins:
                entry["role"] = "admin"
            guests.append(entry)
        return guests

    def _lists(self, slug: str) -> list[dict[str, Any]]:
        st = self.live.stalwart
        if st is None:
            return []
        lists: list[dict[str, Any]] = []
        for mailing_list in st.lists:
            if _ours(mailing_list.owner) != slug:
                continue
            if self.domain_owner.get(_domain_of(mailing_list.email)) != slug:
                self.notes[slug].append(
                    f"the mailing list {mailing_list.email} is marked for this tenant but is not "
                    "on one of its domains; it is left out"
                )
                continue
            entry: dict[str, Any] = {"email": mailing_list.email}
            if mailing_list.display_name:
                entry["name"] = mailing_list.display_name
            if mailing_list.recipients:
                entry["recipients"] = list(mailing_list.recipients)
            lists.append(entry)
        return lists


def collect(live: LiveState, records: AppliedRecords) -> Export:
    """Every managed tenant on the services, as tenant documents (see the module docstring)."""
    collector = _Collector(live, records)
    collector.find_tenants()
    export = Export()
    for slug in sorted(collector.slugs):
        export.tenants[slug] = collector.tenant(slug)
    _drop_unknown_recipients(export, collector.domain_owner)
    _repeat_recorded_guest_fields(export, records)
    export.notes = collector.general
    export.domain_owner = dict(collector.domain_owner)
    return export


def _repeat_recorded_guest_fields(export: Export, records: AppliedRecords) -> None:
    """A guest entry may repeat its home entry's name, aliases and quota; when the tenant's
    applied record shows it did, and the values still agree with the home entry, the export
    repeats them too (so the exported desired state is the applied one)."""
    homes: dict[str, dict[str, Any]] = {}
    for tenant in export.tenants.values():
        for member in tenant.document.get("members", []):
            if "name" in member:  # guests carry no name of their own unless repeated
                homes[member["email"]] = member
    for slug, tenant in export.tenants.items():
        record = records.get(slug)
        if record is None:
            continue
        recorded = {
            m.get("email"): m
            for m in record.desired.get("members", [])
            if isinstance(m, Mapping) and m.get("guest") is True
        }
        for member in tenant.document.get("members", []):
            said, home = recorded.get(member["email"]), homes.get(member["email"])
            if said is None or home is None or "name" in member:
                continue
            if said.get("name") is not None and said.get("name") == home.get("name"):
                member["name"] = home["name"]
            if said.get("aliases") and said.get("aliases") == home.get("aliases"):
                member["aliases"] = list(home["aliases"])
            quota = home.get("quota")
            if said.get("quota") is not None and quota and said["quota"] == parse_quota(quota):
                member["quota"] = quota


def _drop_unknown_recipients(export: Export, domain_owner: Mapping[str, str]) -> None:
    """A recipient on a platform domain must exist on the platform (a member, alias or list);
    one that does not cannot be written in a valid file."""
    known: set[str] = set()
    for tenant in export.tenants.values():
        for member in tenant.document.get("members", []):
            known.add(member["email"])
            known.update(member.get("aliases", []))
        known.update(ml["email"] for ml in tenant.document.get("lists", []))
    for tenant in export.tenants.values():
        for mailing_list in tenant.document.get("lists", []):
            recipients = mailing_list.get("recipients")
            if not recipients:
                continue
            kept = []
            for recipient in recipients:
                if _domain_of(recipient) in domain_owner and recipient not in known:
                    tenant.notes.append(
                        f"the recipient {recipient} of {mailing_list['email']} is on a platform "
                        "domain but exists nowhere on it; it is left out"
                    )
                    continue
                kept.append(recipient)
            if kept:
                mailing_list["recipients"] = kept
            else:
                del mailing_list["recipients"]


__all__ = ["Export", "ExportedTenant", "collect"]

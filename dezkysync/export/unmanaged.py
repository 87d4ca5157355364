"""Unmanaged objects as candidates (``export --include-unmanaged``).

Objects without a dezkysync marker are never written into tenant files: taking them over is a
decision (``plan --adopt``). They are offered as candidates, grouped by the domain of their
address:

- on a domain of an exported tenant: entries to add to that tenant (``add_to_tenants``);
- on any other domain: a complete candidate tenant per domain (``new_tenants``), ready to be
  copied into a file of its own;
- what fits neither (a login that is not an address, a group that is no tenant group, an
  object whose marker cannot be read): one line each under ``other``.

A person's SSO identity, mailbox and OCIS user are merged into one member entry. System
accounts and the identities dezkysync runs as are never offered.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from dezkysync.export.person import Person
from dezkysync.live.model import (
    LiveMailingList,
    LiveState,
    Ownership,
)
from dezkysync.tenants.quota import format_quota


@dataclass
class Unmanaged:
    """The candidates, ready to be written as YAML."""

    add_to_tenants: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    new_tenants: list[dict[str, Any]] = field(default_factory=list)
    other: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Whether there is nothing unmanaged at all."""
        return not (self.add_to_tenants or self.new_tenants or self.other)

    def document(self) -> dict[str, Any]:
        """The YAML document (keys in file order)."""
        return {
            "add_to_tenants": self.add_to_tenants,
            "new_tenants": self.new_tenants,
            "other": self.other,
        }

    def only(self, slug: str) -> Unmanaged:
        """The candidates for one exported tenant only."""
        chosen = {slug: self.add_to_tenants[slug]} if slug in self.add_to_tenants else {}
        return Unmanaged(add_to_tenants=chosen)


def _free(owner: Ownership | None) -> bool:
    return owner is None


def _problem(owner: Ownership | None) -> str | None:
    return owner.problem if owner is not None and owner.problem else None


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2]


def find_unmanaged(live: LiveState, domain_owner: dict[str, str]) -> Unmanaged:
    """The unmanaged objects of ``live``; ``domain_owner`` maps the exported tenants' domains
    to their slugs."""
    st, au, oc = live.stalwart, live.authentik, live.ocis
    result = Unmanaged()
    selves = {au.me.username.lower(), oc.me.username.lower()}
    if st is not None:
        selves.add(st.identity.lower())
    people: dict[str, Person] = {}
    lists: list[LiveMailingList] = []
    domains: set[str] = set()
    for identity in au.identities:
        if problem := _problem(identity.owner):
            result.other.append(
                f"authentik user {identity.username}: unreadable marker ({problem})"
            )
        elif _free(identity.owner) and identity.login not in selves:
            people.setdefault(identity.login, Person(identity.login)).identity = identity
    for group in au.groups:
        if problem := _problem(group.owner):
            result.other.append(f"authentik group {group.name}: unreadable marker ({problem})")
        elif _free(group.owner):
            kind = "a superuser group" if group.is_superuser else "not a tenant group"
            result.other.append(
                f"authentik group {group.name}: {kind}, {len(group.members)} member(s)"
            )
    managed_logins = {i.login for i in au.identities if not _free(i.owner)}
    for files_user in oc.users:
        login = files_user.login
        if login in selves or login in managed_logins or login in au.system_by_login:
            continue
        people.setdefault(login, Person(login)).files_user = files_user
    if st is not None:
        for live_domain in st.domains:
            if problem := _problem(live_domain.owner):
                result.other.append(
                    f"Stalwart domain {live_domain.name}: unreadable marker ({problem})"
                )
            elif _free(live_domain.owner):
                domains.add(live_domain.name)
        for mailbox in st.mailboxes:
            if problem := _problem(mailbox.owner):
                result.other.append(
                    f"Stalwart mailbox {mailbox.email}: unreadable marker ({problem})"
                )
            elif _free(mailbox.owner) and mailbox.email not in selves:
                people.setdefault(mailbox.email, Person(mailbox.email)).mailbox = mailbox
        for mailing_list in st.lists:
            if problem := _problem(mailing_list.owner):
                result.other.append(
                    f"Stalwart mailing list {mailing_list.email}: unreadable marker ({problem})"
                )
            elif _free(mailing_list.owner):
                lists.append(mailing_list)
    by_domain: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: {"members": [], "lists": []}
    )  # domain -> entries
    for login, person in sorted(people.items()):
        if "@" not in login:
            result.other.append(f"login {login!r}: not an address, so not a member")
            continue
        by_domain[_domain_of(login)]["members"].append(_member(person))
    for mailing_list in lists:
        entry: dict[str, Any] = {"email": mailing_list.email}
        if mailing_list.display_name:
            entry["name"] = mailing_list.display_name
        if mailing_list.recipients:
            entry["recipients"] = list(mailing_list.recipients)
        by_domain[_domain_of(mailing_list.email)]["lists"].append(entry)
    taken = set(domain_owner.values())
    for name in sorted(set(by_domain) | domains):  # an unmanaged domain counts even when empty
        entries = {key: value for key, value in by_domain.get(name, {}).items() if value}
        owner = domain_owner.get(name)
        if owner is not None:
            target = result.add_to_tenants.setdefault(owner, {})
            for key, value in entries.items():
                target.setdefault(key, []).extend(value)
            continue
        slug = _slug_for(name, taken)
        taken.add(slug)
        document: dict[str, Any] = {
            "tenant": slug,
            "name": name,
            "domains": [{"name": name, "primary": True}],
        }
        document.update(entries)
        result.new_tenants.append(document)
    result.other.sort()
    return result


def _member(person: Person) -> dict[str, Any]:
    mailbox = person.mailbox
    entry: dict[str, Any] = {"email": person.login, "name": person.name}
    if mailbox is not None:
        if mailbox.alias_emails:
            entry["aliases"] = list(mailbox.alias_emails)
        if mailbox.quota:
            entry["quota"] = format_quota(mailbox.quota)
    if person.suspended_on:
        entry["state"] = "suspended"
    return entry


def _slug_for(domain: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9-]+", "-", domain.split(".")[0].lower()).strip("-")[:55] or "tenant"
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    return slug


__all__ = ["Unmanaged", "find_unmanaged"]

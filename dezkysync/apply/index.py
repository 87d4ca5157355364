"""The objects a run writes to: their ids and owners, from the live state read at the start of
the run and kept current as changes create, adopt and delete them.

Changes name objects in the operator's words (a domain, an address, a group name); writes need
service ids (a Stalwart id, an authentik pk or group uuid, an OCIS id). Objects created by an
earlier change of the same run (a group, then its memberships) are found here too, which the
plan cannot know in advance.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Literal

from dezkysync.live.model import LiveState, Ownership

ObjectKind = Literal["domain", "mailbox", "list", "identity", "group", "files-user"]
Ref = tuple[str, str]  # (kind, key): services never share a kind


@dataclass(frozen=True)
class Known:
    """One live object: its id, its ownership marker, and the names a write may need."""

    id: str | int
    owner: Ownership | None
    display: str | None = None  # Stalwart display name (the description without the marker)
    username: str | None = None  # authentik username / OCIS username as stored (its case)
    domain_id: str | None = None  # Stalwart domain of a mailbox or list

    def owned_by(self, tenant: str) -> bool:
        """Whether the object carries ``tenant``'s readable marker."""
        return self.owner is not None and not self.owner.problem and self.owner.tenant == tenant


class LiveIndex:
    """Thread-safe lookup of live objects by (kind, key)."""

    def __init__(self, live: LiveState) -> None:
        self._lock = threading.Lock()
        self._objects: dict[Ref, Known] = {}
        st = live.stalwart
        if st is not None:
            for domain in st.domains:
                self._objects[("domain", domain.name)] = Known(
                    domain.id, domain.owner, display=domain.display_name
                )
            for mailbox in st.mailboxes:
                self._objects[("mailbox", mailbox.email)] = Known(
                    mailbox.id,
                    mailbox.owner,
                    display=mailbox.display_name,
                    domain_id=mailbox.domain_id,
                )
            for mailing_list in st.lists:
                self._objects[("list", mailing_list.email)] = Known(
                    mailing_list.id,
                    mailing_list.owner,
                    display=mailing_list.display_name,
                    domain_id=mailing_list.domain_id,
                )
        for identity in live.authentik.identities:
            self._objects[("identity", identity.login)] = Known(
                identity.pk, identity.owner, username=identity.username
            )
        for group in live.authentik.groups:
            self._objects[("group", group.name)] = Known(group.pk, group.owner)
        for user in live.ocis.users:
            self._objects[("files-user", user.login)] = Known(
                user.id, None, display=user.display_name, username=user.username
            )

    def get(self, kind: ObjectKind, key: str) -> Known | None:
        """The object, if it exists (as far as this run knows)."""
        with self._lock:
            return self._objects.get((kind, key))

    def put(self, kind: ObjectKind, key: str, known: Known) -> None:
        """Record an object this run created."""
        with self._lock:
            self._objects[(kind, key)] = known

    def set_owner(self, kind: ObjectKind, key: str, owner: Ownership) -> None:
        """Record the marker this run just wrote on an object."""
        with self._lock:
            current = self._objects.get((kind, key))
            if current is not None:
                self._objects[(kind, key)] = replace(current, owner=owner)

    def rename(self, kind: ObjectKind, old: str, new: str) -> None:
        """Record that an object is now known by another key."""
        with self._lock:
            current = self._objects.pop((kind, old), None)
            if current is not None:
                self._objects[(kind, new)] = current

    def drop(self, kind: ObjectKind, key: str) -> None:
        """Record that an object is gone."""
        with self._lock:
            self._objects.pop((kind, key), None)

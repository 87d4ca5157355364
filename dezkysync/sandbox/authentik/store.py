"""The in-memory database of the authentik emulator, with the indexes the API needs.

Every mutation goes through a method here so that the indexes (username, email, sorted
usernames for the default ordering, memberships both ways, sessions per user, token keys) stay
consistent; the HTTP handlers never edit the dictionaries directly.
"""

from __future__ import annotations

import bisect
import hashlib
import random
from collections.abc import Iterable, Iterator
from typing import Any

from dezkysync.sandbox.authentik.model import FlowState, Group, Role, Session, Token, User

SNAPSHOT_VERSION = 1


class Store:
    """All objects of one install plus their indexes."""

    def __init__(self, install_id: str) -> None:
        self.install_id = install_id
        self.next_user_pk = 1
        self.users: dict[int, User] = {}
        self.groups: dict[str, Group] = {}
        self.roles: dict[str, Role] = {}
        self.tokens: dict[str, Token] = {}
        self.sessions: dict[str, Session] = {}
        self.flows: dict[str, FlowState] = {}
        self._by_username: dict[str, int] = {}
        self._by_username_folded: dict[str, set[int]] = {}
        self._by_email: dict[str, set[int]] = {}
        self._by_email_folded: dict[str, set[int]] = {}
        self._ordered: list[tuple[str, int]] = []
        self._user_groups: dict[int, set[str]] = {}
        self._group_by_name: dict[str, str] = {}
        self._num_pks: set[int] = set()
        self._role_by_name: dict[str, str] = {}
        self._token_by_key: dict[str, str] = {}
        self._session_by_key: dict[str, str] = {}
        self._user_sessions: dict[int, set[str]] = {}

    # -- users --------------------------------------------------------------------------
    def allocate_user_pk(self) -> int:
        """The next integer primary key (never reused, like a database sequence)."""
        pk = self.next_user_pk
        self.next_user_pk += 1
        return pk

    def uid_for(self, pk: int) -> str:
        """authentik's ``uid``: sha256 of ``<pk>-<install id>``."""
        return hashlib.sha256(f"{pk}-{self.install_id}".encode()).hexdigest()

    def add_user(self, user: User) -> None:
        """Insert a new user."""
        if user.pk in self.users or user.username in self._by_username:
            raise ValueError(f"duplicate user {user.pk}/{user.username}")
        self.users[user.pk] = user
        self.next_user_pk = max(self.next_user_pk, user.pk + 1)
        self._index_username(user.username, user.pk)
        self._index_email(user.email, user.pk)
        self._user_groups.setdefault(user.pk, set())

    def _load_users(self, users: Iterable[User]) -> None:
        """Bulk insert (restore): index everything, then sort the username index once."""
        for user in users:
            if user.pk in self.users or user.username in self._by_username:
                raise ValueError(f"duplicate user {user.pk}/{user.username}")
            self.users[user.pk] = user
            self.next_user_pk = max(self.next_user_pk, user.pk + 1)
            self._by_username[user.username] = user.pk
            self._by_username_folded.setdefault(user.username.casefold(), set()).add(user.pk)
            self._index_email(user.email, user.pk)
            self._user_groups.setdefault(user.pk, set())
        self._ordered = sorted((u.username, u.pk) for u in self.users.values())

    def user_by_username(self, username: str) -> User | None:
        """Exact, case-sensitive username lookup."""
        pk = self._by_username.get(username)
        return None if pk is None else self.users[pk]

    def users_by_folded(self, value: str) -> list[User]:
        """Users whose username or email equals ``value`` ignoring case (login lookup)."""
        folded = value.casefold()
        pks = self._by_email_folded.get(folded, set()) | self._by_username_folded.get(folded, set())
        return [self.users[pk] for pk in sorted(pks)]

    def pks_by_email(self, email: str) -> set[int]:
        """Pks of users whose email is exactly ``email``."""
        return set(self._by_email.get(email, set()))

    def ordered_user_pks(self) -> list[int]:
        """Every user pk in the default order (username, case-sensitive)."""
        return [pk for _, pk in self._ordered]

    def set_username(self, user: User, username: str) -> None:
        """Rename a user, keeping the indexes."""
        if username == user.username:
            return
        self._unindex_username(user.username, user.pk)
        user.username = username
        self._index_username(username, user.pk)

    def set_email(self, user: User, email: str) -> None:
        """Change a user's email, keeping the indexes."""
        if email == user.email:
            return
        self._unindex_email(user.email, user.pk)
        user.email = email
        self._index_email(email, user.pk)

    def delete_user(self, pk: int) -> None:
        """Hard delete: memberships, tokens, sessions and pending flows go with the user."""
        user = self.users.pop(pk)
        self._unindex_username(user.username, pk)
        self._unindex_email(user.email, pk)
        for group_uuid in self._user_groups.pop(pk, set()):
            self.groups[group_uuid].users.discard(pk)
        for identifier in [t.identifier for t in self.tokens.values() if t.user_pk == pk]:
            self.delete_token(identifier)
        self.delete_user_sessions(pk)
        for key in [k for k, f in self.flows.items() if f.pending_user_pk == pk]:
            del self.flows[key]

    def _index_username(self, username: str, pk: int) -> None:
        self._by_username[username] = pk
        self._by_username_folded.setdefault(username.casefold(), set()).add(pk)
        bisect.insort(self._ordered, (username, pk))

    def _unindex_username(self, username: str, pk: int) -> None:
        self._by_username.pop(username, None)
        _discard(self._by_username_folded, username.casefold(), pk)
        index = bisect.bisect_left(self._ordered, (username, pk))
        if index < len(self._ordered) and self._ordered[index] == (username, pk):
            del self._ordered[index]

    def _index_email(self, email: str, pk: int) -> None:
        self._by_email.setdefault(email, set()).add(pk)
        if email:
            self._by_email_folded.setdefault(email.casefold(), set()).add(pk)

    def _unindex_email(self, email: str, pk: int) -> None:
        _discard(self._by_email, email, pk)
        _discard(self._by_email_folded, email.casefold(), pk)

    # -- groups and memberships ---------------------------------------------------------
    def allocate_num_pk(self) -> int:
        """A fresh random ``num_pk`` (authentik's int32 alias of the group uuid)."""
        while True:
            candidate = random.randint(1, 2**31 - 1)
            if candidate not in self._num_pks:
                return candidate

    def add_group(self, group: Group) -> None:
        """Insert a new group (its ``users`` become memberships)."""
        if group.uuid in self.groups or group.name in self._group_by_name:
            raise ValueError(f"duplicate group {group.uuid}/{group.name}")
        members = set(group.users)
        group.users = set()
        self.groups[group.uuid] = group
        self._group_by_name[group.name] = group.uuid
        self._num_pks.add(group.num_pk)
        for pk in members:
            self.add_member(group.uuid, pk)

    def group_by_name(self, name: str) -> Group | None:
        """Exact group-name lookup."""
        uuid = self._group_by_name.get(name)
        return None if uuid is None else self.groups[uuid]

    def rename_group(self, group: Group, name: str) -> None:
        """Rename a group, keeping the name index."""
        if name == group.name:
            return
        del self._group_by_name[group.name]
        group.name = name
        self._group_by_name[name] = group.uuid

    def delete_group(self, uuid: str) -> None:
        """Delete a group; memberships and child links go with it."""
        group = self.groups.pop(uuid)
        del self._group_by_name[group.name]
        self._num_pks.discard(group.num_pk)
        for pk in group.users:
            self._user_groups.get(pk, set()).discard(uuid)
        for other in self.groups.values():
            if uuid in other.parents:
                other.parents = [p for p in other.parents if p != uuid]

    def add_member(self, group_uuid: str, pk: int) -> None:
        """Make user ``pk`` a direct member of the group (idempotent)."""
        self.groups[group_uuid].users.add(pk)
        self._user_groups.setdefault(pk, set()).add(group_uuid)

    def remove_member(self, group_uuid: str, pk: int) -> None:
        """End a direct membership (idempotent)."""
        self.groups[group_uuid].users.discard(pk)
        self._user_groups.get(pk, set()).discard(group_uuid)

    def user_group_uuids(self, pk: int) -> set[str]:
        """The uuids of the user's direct groups."""
        return set(self._user_groups.get(pk, set()))

    def set_user_groups(self, pk: int, uuids: Iterable[str]) -> None:
        """Replace the user's direct groups."""
        wanted = set(uuids)
        current = self.user_group_uuids(pk)
        for uuid in current - wanted:
            self.remove_member(uuid, pk)
        for uuid in wanted - current:
            self.add_member(uuid, pk)

    def set_group_users(self, group_uuid: str, pks: Iterable[int]) -> None:
        """Replace the group's direct members."""
        wanted = set(pks)
        current = set(self.groups[group_uuid].users)
        for pk in current - wanted:
            self.remove_member(group_uuid, pk)
        for pk in wanted - current:
            self.add_member(group_uuid, pk)

    def ancestors(self, uuid: str) -> list[str]:
        """Every group above ``uuid`` through ``parents`` (cycle-safe, nearest first)."""
        seen: list[str] = []
        queue = list(self.groups[uuid].parents) if uuid in self.groups else []
        while queue:
            current = queue.pop(0)
            if current in seen or current == uuid or current not in self.groups:
                continue
            seen.append(current)
            queue.extend(self.groups[current].parents)
        return seen

    def children(self, uuid: str) -> list[str]:
        """The groups that list ``uuid`` as a parent."""
        return [g.uuid for g in self.groups.values() if uuid in g.parents]

    def all_group_uuids(self, pk: int) -> set[str]:
        """Direct groups plus every ancestor (what the user inherits from)."""
        found: set[str] = set()
        for uuid in self._user_groups.get(pk, set()):
            found.add(uuid)
            found.update(self.ancestors(uuid))
        return found

    def superuser_group_uuids(self) -> set[str]:
        """Groups whose members are superusers (flag set on it or on an ancestor)."""
        flagged = {g.uuid for g in self.groups.values() if g.is_superuser}
        return {
            g.uuid
            for g in self.groups.values()
            if g.uuid in flagged or any(a in flagged for a in self.ancestors(g.uuid))
        }

    def is_superuser(self, pk: int, superuser_groups: set[str] | None = None) -> bool:
        """Whether the user is in a superuser group (directly or by inheritance)."""
        groups = self.superuser_group_uuids() if superuser_groups is None else superuser_groups
        return bool(self._user_groups.get(pk, set()) & groups)

    # -- roles --------------------------------------------------------------------------
    def add_role(self, role: Role) -> None:
        """Insert a role."""
        self.roles[role.uuid] = role
        self._role_by_name[role.name] = role.uuid

    def role_by_name(self, name: str) -> Role | None:
        """Exact role-name lookup."""
        uuid = self._role_by_name.get(name)
        return None if uuid is None else self.roles[uuid]

    # -- tokens -------------------------------------------------------------------------
    def add_token(self, token: Token) -> None:
        """Insert a token (identifier and key are unique)."""
        if token.identifier in self.tokens:
            raise ValueError(f"duplicate token {token.identifier}")
        self.tokens[token.identifier] = token
        self._token_by_key[token.key] = token.identifier

    def token_by_key(self, key: str) -> Token | None:
        """The token whose secret is ``key``."""
        identifier = self._token_by_key.get(key)
        return None if identifier is None else self.tokens[identifier]

    def delete_token(self, identifier: str) -> None:
        """Delete a token."""
        token = self.tokens.pop(identifier)
        self._token_by_key.pop(token.key, None)

    # -- sessions -----------------------------------------------------------------------
    def add_session(self, session: Session) -> None:
        """Insert an authenticated session."""
        self.sessions[session.uuid] = session
        self._session_by_key[session.session_key] = session.uuid
        self._user_sessions.setdefault(session.user_pk, set()).add(session.uuid)

    def session_by_key(self, session_key: str) -> Session | None:
        """The authenticated session behind a browser cookie."""
        uuid = self._session_by_key.get(session_key)
        return None if uuid is None else self.sessions[uuid]

    def user_session_uuids(self, pk: int) -> set[str]:
        """The uuids of the user's sessions."""
        return set(self._user_sessions.get(pk, set()))

    def delete_session(self, uuid: str) -> None:
        """Delete one session (its browser is logged out)."""
        session = self.sessions.pop(uuid)
        self._session_by_key.pop(session.session_key, None)
        _discard(self._user_sessions, session.user_pk, uuid)

    def delete_user_sessions(self, pk: int) -> int:
        """Delete every session of a user; returns how many there were."""
        uuids = self.user_session_uuids(pk)
        for uuid in uuids:
            self.delete_session(uuid)
        return len(uuids)

    # -- snapshot -----------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The whole database as JSON-able data."""
        return {
            "version": SNAPSHOT_VERSION,
            "install_id": self.install_id,
            "next_user_pk": self.next_user_pk,
            "users": [u.to_json() for u in self.users.values()],
            "roles": [r.to_json() for r in self.roles.values()],
            "groups": [g.to_json() for g in self.groups.values()],
            "tokens": [t.to_json() for t in self.tokens.values()],
            "sessions": [s.to_json() for s in self.sessions.values()],
            "flows": [f.to_json() for f in self.flows.values()],
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Store:
        """Rebuild a store (and all indexes) from :meth:`snapshot` output."""
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported authentik snapshot version {data.get('version')!r}")
        store = cls(str(data["install_id"]))
        store._load_users(User.from_json(raw) for raw in data.get("users", []))
        store.next_user_pk = max(store.next_user_pk, int(data.get("next_user_pk", 1)))
        for raw in data.get("roles", []):
            store.add_role(Role.from_json(raw))
        for raw in data.get("groups", []):
            store.add_group(Group.from_json(raw))
        for raw in data.get("tokens", []):
            store.add_token(Token.from_json(raw))
        for raw in data.get("sessions", []):
            store.add_session(Session.from_json(raw))
        for raw in data.get("flows", []):
            flow = FlowState.from_json(raw)
            store.flows[flow.session_key] = flow
        return store

    def iter_users(self, pks: Iterable[int]) -> Iterator[User]:
        """The users for ``pks`` (skipping unknown ones)."""
        for pk in pks:
            user = self.users.get(pk)
            if user is not None:
                yield user


def _discard(index: dict[Any, set[Any]], key: Any, value: Any) -> None:
    bucket = index.get(key)
    if bucket is None:
        return
    bucket.discard(value)
    if not bucket:
        del index[key]

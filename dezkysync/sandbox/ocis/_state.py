"""The emulated OCIS install: users (the IDM's LDAP entries), groups, memberships, role
assignments (the settings service), drives (the storage) and credentials.

Everything is indexed: by id, by lower-cased username / group name (LDAP matches ``uid`` and
``cn`` case-insensitively), memberships both ways, the personal drive by owner. Listing order is
creation order, like the LDAP search results the real server passes through.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

# Settings-service role ids (fixed in OCIS).
ROLE_ADMIN = "71881883-1768-46bd-a24d-a356a2afdf7f"
ROLE_SPACE_ADMIN = "2aadd357-682c-406b-8874-293091995fdd"
ROLE_USER = "d7beeea8-8ff4-406b-8fb6-ab2dd81e6b11"
ROLE_USER_LIGHT = "38071a68-456a-4553-846a-fa67bf5596cc"
ROLES: dict[str, str] = {
    ROLE_ADMIN: "Admin",
    ROLE_SPACE_ADMIN: "Space Admin",
    ROLE_USER: "User",
    ROLE_USER_LIGHT: "User Light",
}
APPLICATION_NAME = "ownCloud Infinite Scale"
SERVICE_USERNAME = "dezkysync"
# GRAPH_SPACES_DEFAULT_QUOTA: new project drives get 1 GB.
DEFAULT_PROJECT_QUOTA = 1_000_000_000
# What the storage reports as remaining on a drive without a quota (a 100 GiB disk).
DISK_FREE = 107_374_182_400
PBKDF2_ITERATIONS = 10_000
STATE_VERSION = 1


def now_rfc3339_nano() -> str:
    """The current UTC time the way Go's RFC3339Nano prints it (microseconds here)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def hash_secret(secret: str) -> str:
    """A salted PBKDF2-SHA256 hash (``pbkdf2_sha256$iterations$salt$hex``)."""
    salt = secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt), PBKDF2_ITERATIONS)
    return f"pbkdf2_sha256${PBKDF2_ITERATIONS}${salt}${digest.hex()}"


def check_secret(secret: str, stored: str) -> bool:
    """Whether ``secret`` matches a :func:`hash_secret` value."""
    try:
        _scheme, iterations, salt, expected = stored.split("$")
        digest = hashlib.pbkdf2_hmac(
            "sha256", secret.encode(), bytes.fromhex(salt), int(iterations)
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), expected)


def token_key(token: str) -> str:
    """How bearer tokens are indexed: never stored in clear text."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class User:
    """One IDM user entry."""

    id: str
    username: str
    display_name: str
    surname: str
    user_type: str = "Member"
    mail: str | None = None
    given_name: str | None = None
    # LDAP ownCloudUserEnabled; None when the attribute was never written.
    enabled_attr: bool | None = None
    identities: list[list[str]] = field(default_factory=list)
    password_hash: str | None = None
    preferred_language: str | None = None

    @property
    def enabled(self) -> bool:
        """GRAPH_DISABLE_USER_MECHANISM=attribute: a missing attribute means enabled."""
        return self.enabled_attr is not False


@dataclass
class Group:
    """One IDM group entry."""

    id: str
    name: str
    read_only: bool = False


@dataclass
class Drive:
    """One storage space."""

    space_id: str
    drive_type: str
    name: str
    alias: str
    owner_id: str
    etag: str
    modified: str
    quota_total: int = 0
    used: int = 0
    description: str | None = None
    trashed: bool = False
    managers: list[str] = field(default_factory=list)


@dataclass
class RoleAssignment:
    """One settings-service role assignment (a user has exactly one)."""

    id: str
    user_id: str
    role_id: str


@dataclass
class AppToken:
    """One auth-app token (only its hash is kept)."""

    id: str
    user_id: str
    token_hash: str
    created: str
    expires: str
    label: str = "Generated via API"


class Directory:
    """All state of one emulated OCIS, with its indexes."""

    def __init__(self) -> None:
        self.storage_id = str(uuid.uuid4())
        self.application_id = str(uuid.uuid4())
        self.users: dict[str, User] = {}
        self.user_by_name: dict[str, str] = {}
        self.groups: dict[str, Group] = {}
        self.group_by_name: dict[str, str] = {}
        self.group_seq: dict[str, int] = {}
        self._next_seq = 0
        # group id -> user id -> how many times the member value is present (the built-in
        # IDM stores a user referenced twice in one request twice: ocis issue #5855).
        self.members: dict[str, dict[str, int]] = {}
        self.member_of: dict[str, dict[str, None]] = {}
        self.drives: dict[str, Drive] = {}
        self.personal_drive: dict[str, str] = {}
        self.assignments: dict[str, RoleAssignment] = {}
        self.assignment_of_user: dict[str, str] = {}
        # sha256(bearer token) -> the OIDC claims it carries (preferred_username, and
        # optionally name, email, iss, sub); the proxy resolves the user by the username claim.
        self.tokens: dict[str, dict[str, str]] = {}
        self.app_tokens: dict[str, AppToken] = {}

    # -- users ----------------------------------------------------------------------------
    def find_user(self, name_or_id: str) -> User | None:
        """``getLDAPUserByNameOrID``: the username (case-insensitive) or the id."""
        found = self.users.get(name_or_id) or self.users.get(name_or_id.lower())
        if found is not None:
            return found
        user_id = self.user_by_name.get(name_or_id.lower())
        return self.users.get(user_id) if user_id else None

    def find_user_by_id(self, user_id: str) -> User | None:
        """``getLDAPUserByID``: the id only."""
        return self.users.get(user_id) or self.users.get(user_id.lower())

    def add_user(self, user: User) -> None:
        """Insert ``user`` (the caller checked the username is free)."""
        self.users[user.id] = user
        self.user_by_name[user.username.lower()] = user.id
        self.member_of[user.id] = {}

    def rename_user(self, user: User, username: str) -> None:
        """Change the username (LDAP modrdn); the caller checked it is free."""
        del self.user_by_name[user.username.lower()]
        user.username = username
        self.user_by_name[username.lower()] = user.id

    def remove_user(self, user: User) -> None:
        """Delete ``user`` with its memberships, role assignments and credentials."""
        for group_id in list(self.member_of.get(user.id, {})):
            self.members[group_id].pop(user.id, None)
        self.member_of.pop(user.id, None)
        del self.user_by_name[user.username.lower()]
        del self.users[user.id]
        for assignment in self.assignments_of(user.id):
            self.remove_assignment(assignment)
        # Bearer tokens are the IdP's: they outlive the OCIS user (and resolve again to a user
        # re-created under the same name). App tokens belong to the deleted account.
        for token in [t for t in self.app_tokens.values() if t.user_id == user.id]:
            del self.app_tokens[token.id]

    # -- groups ---------------------------------------------------------------------------
    def add_group(self, group: Group) -> None:
        """Insert ``group`` (the caller checked the name is free)."""
        self.groups[group.id] = group
        self.group_by_name[group.name.lower()] = group.id
        self.members[group.id] = {}
        self.group_seq[group.id] = self._next_seq
        self._next_seq += 1

    def rename_group(self, group: Group, name: str) -> None:
        """Change a group's name (LDAP modrdn)."""
        del self.group_by_name[group.name.lower()]
        group.name = name
        self.group_by_name[name.lower()] = group.id

    def remove_group(self, group: Group) -> None:
        """Delete ``group`` and its memberships."""
        for user_id in self.members.pop(group.id, {}):
            self.member_of[user_id].pop(group.id, None)
        del self.group_by_name[group.name.lower()]
        del self.groups[group.id]
        del self.group_seq[group.id]

    def add_member(self, group: Group, user: User) -> None:
        """Add one member value for ``user`` to ``group`` (callers skip existing members;
        the same user twice in one request ends up stored twice)."""
        self.members[group.id][user.id] = self.members[group.id].get(user.id, 0) + 1
        self.member_of[user.id][group.id] = None

    def member_list(self, group: Group) -> list[User]:
        """The group's member values in order (a duplicated value appears twice)."""
        return [
            self.users[user_id]
            for user_id, copies in self.members[group.id].items()
            for _ in range(copies)
        ]

    def remove_member(self, group: Group, user: User) -> None:
        """Drop ``user`` from ``group``."""
        self.members[group.id].pop(user.id, None)
        self.member_of[user.id].pop(group.id, None)

    def groups_of(self, user: User) -> list[Group]:
        """The user's groups in the order the groups were created."""
        mine = sorted(self.member_of.get(user.id, {}), key=self.group_seq.__getitem__)
        return [self.groups[group_id] for group_id in mine]

    # -- roles ----------------------------------------------------------------------------
    def assignments_of(self, user_id: str) -> list[RoleAssignment]:
        """The user's role assignments (zero or one)."""
        assignment_id = self.assignment_of_user.get(user_id)
        return [self.assignments[assignment_id]] if assignment_id else []

    def assign_role(self, user_id: str, role_id: str) -> RoleAssignment:
        """``AssignRoleToUser``: replaces whatever role the user had."""
        for existing in self.assignments_of(user_id):
            self.remove_assignment(existing)
        assignment = RoleAssignment(str(uuid.uuid4()), user_id, role_id)
        self._add_assignment(assignment)
        return assignment

    def _add_assignment(self, assignment: RoleAssignment) -> None:
        self.assignments[assignment.id] = assignment
        self.assignment_of_user[assignment.user_id] = assignment.id

    def remove_assignment(self, assignment: RoleAssignment) -> None:
        """``RemoveRoleFromUser``."""
        del self.assignments[assignment.id]
        self.assignment_of_user.pop(assignment.user_id, None)

    def has_role(self, user_id: str, role_id: str) -> bool:
        """Whether the user holds ``role_id``."""
        return any(a.role_id == role_id for a in self.assignments_of(user_id))

    # -- drives ---------------------------------------------------------------------------
    def drive_id(self, drive: Drive) -> str:
        """The public id ``<storage-id>$<space-id>``."""
        return f"{self.storage_id}${drive.space_id}"

    def find_drive(self, drive_id: str) -> Drive | None:
        """A drive by its public id (``<storage>$<space>`` or ``…!<space>``)."""
        storage, sep, rest = drive_id.partition("$")
        if not sep or storage != self.storage_id:
            return None
        space_id = rest.split("!", 1)[0]
        return self.drives.get(space_id)

    def add_drive(self, drive: Drive) -> None:
        """Insert ``drive`` (and index a personal drive by owner)."""
        self.drives[drive.space_id] = drive
        if drive.drive_type == "personal":
            self.personal_drive[drive.owner_id] = drive.space_id

    def remove_drive(self, drive: Drive) -> None:
        """Purge ``drive``."""
        del self.drives[drive.space_id]
        if drive.drive_type == "personal":
            self.personal_drive.pop(drive.owner_id, None)

    def personal_drive_of(self, user_id: str) -> Drive | None:
        """The personal drive owned by ``user_id``, if it exists."""
        space_id = self.personal_drive.get(user_id)
        return self.drives.get(space_id) if space_id else None

    # -- credentials ----------------------------------------------------------------------
    def add_token(self, token: str, claims: dict[str, str]) -> None:
        """Accept ``token`` as an (already verified) access token carrying ``claims``; it
        needs at least ``preferred_username``."""
        if not claims.get("preferred_username"):
            raise ValueError("a token needs a preferred_username claim")
        self.tokens[token_key(token)] = dict(claims)

    def claims_for_token(self, token: str) -> dict[str, str] | None:
        """The claims of a known bearer token."""
        return self.tokens.get(token_key(token))

    # -- persistence ----------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Everything as JSON-able data (credentials only as hashes)."""
        return {
            "version": STATE_VERSION,
            "storage_id": self.storage_id,
            "application_id": self.application_id,
            "users": [asdict(user) for user in self.users.values()],
            "groups": [asdict(group) for group in self.groups.values()],
            "members": {
                gid: [uid for uid, copies in uids.items() for _ in range(copies)]
                for gid, uids in self.members.items()
            },
            "drives": [asdict(drive) for drive in self.drives.values()],
            "assignments": [asdict(a) for a in self.assignments.values()],
            "tokens": {key: dict(claims) for key, claims in self.tokens.items()},
            "app_tokens": [asdict(t) for t in self.app_tokens.values()],
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Directory:
        """Rebuild a directory (and its indexes) from :meth:`snapshot` data."""
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported OCIS state version {data.get('version')!r}")
        directory = cls()
        directory.storage_id = str(data["storage_id"])
        directory.application_id = str(data["application_id"])
        for raw in data["users"]:
            directory.add_user(User(**raw))
        for raw in data["groups"]:
            directory.add_group(Group(**raw))
        for group_id, user_ids in data["members"].items():
            group = directory.groups[group_id]
            for user_id in user_ids:
                directory.add_member(group, directory.users[user_id])
        for raw in data["drives"]:
            directory.add_drive(Drive(**raw))
        for raw in data["assignments"]:
            directory._add_assignment(RoleAssignment(**raw))
        directory.tokens = {
            str(key): {str(name): str(value) for name, value in claims.items()}
            for key, claims in data["tokens"].items()
        }
        for raw in data["app_tokens"]:
            token = AppToken(**raw)
            directory.app_tokens[token.id] = token
        return directory

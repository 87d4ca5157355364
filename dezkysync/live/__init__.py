"""The live-state model (what the services hold) and fingerprints of live objects."""

from dezkysync.live.fingerprint import ABSENT, fingerprint
from dezkysync.live.model import (
    AuthentikState,
    GroupRole,
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
    is_suspended_permissions,
    resumed_permissions,
    suspended_permissions,
)

__all__ = [
    "ABSENT",
    "AuthentikState",
    "GroupRole",
    "LiveAlias",
    "LiveDomain",
    "LiveFilesUser",
    "LiveGroup",
    "LiveIdentity",
    "LiveMailbox",
    "LiveMailingList",
    "LiveState",
    "OcisState",
    "Ownership",
    "SelfIdentity",
    "StalwartState",
    "fingerprint",
    "is_suspended_permissions",
    "resumed_permissions",
    "suspended_permissions",
]

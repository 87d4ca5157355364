"""Defence in depth: the safety rules re-checked just before each write.

The plan's guards already hold back unsafe changes; a saved plan edited by hand, a bug in the
diff or a live change since the plan must still not reach a service. Before each change:

- the identity dezkysync runs as (on any service) and the configured protected identities are
  never suspended, deleted or logged out;
- only objects carrying this tenant's marker are updated, suspended, resumed or deleted (an
  object adopted earlier in the same run counts); an adoption only takes an unmarked object;
  an OCIS user belongs to whoever owns the SSO identity with the same login;
- memberships only change in the tenant's own groups.

A refusal raises :class:`Refused`: the change is journaled as blocked and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dezkysync.apply.index import Known, LiveIndex, ObjectKind
from dezkysync.config import normalise_login
from dezkysync.live.model import LiveState
from dezkysync.plan.model import Change


class Refused(Exception):
    """A change or command refused by a safety rule; nothing was written."""


@dataclass(frozen=True)
class Selves:
    """Who dezkysync runs as on each service."""

    logins: frozenset[str]
    authentik_pk: int | None
    ocis_id: str | None

    @classmethod
    def of(cls, live: LiveState) -> Selves:
        """The identities read from the services' "who am I" answers."""
        logins = {live.authentik.me.username, live.ocis.me.username}
        if live.stalwart is not None:
            logins.add(live.stalwart.identity)
        pk = live.authentik.me.id
        return cls(
            logins=frozenset(normalise_login(login) for login in logins if login),
            authentik_pk=int(pk) if pk is not None and pk.isdigit() else None,
            ocis_id=live.ocis.me.id,
        )


def protection_reason(
    login: str,
    selves: Selves,
    protected: Iterable[str],
    *,
    authentik_pk: int | str | None = None,
    ocis_id: str | None = None,
) -> str | None:
    """Why ``login`` must never be suspended, deleted or logged out (None: it may be)."""
    normal = normalise_login(login)
    if (
        normal in selves.logins
        or (authentik_pk is not None and str(authentik_pk) == str(selves.authentik_pk))
        or (ocis_id is not None and ocis_id == selves.ocis_id)
    ):
        return "the identity dezkysync itself runs as"
    if normal in {normalise_login(p) for p in protected}:
        return "protected in the configuration"
    return None


class Safety:
    """The checks of the module docstring, over the run's :class:`LiveIndex`."""

    def __init__(self, index: LiveIndex, selves: Selves, protected: Iterable[str]) -> None:
        self.index = index
        self.selves = selves
        self.protected = frozenset(normalise_login(p) for p in protected)

    def check(self, change: Change) -> None:
        """Raise :class:`Refused` when ``change`` must not run."""
        self._protected(change)
        self._ownership(change)

    def _protected(self, change: Change) -> None:
        if change.action not in ("suspend", "delete"):
            return
        if change.kind not in ("identity", "mailbox", "files-user"):
            return
        known = self.index.get(_object_kind(change), change.key)
        reason = protection_reason(
            change.key,
            self.selves,
            self.protected,
            authentik_pk=known.id if known is not None and change.kind == "identity" else None,
            ocis_id=str(known.id) if known is not None and change.kind == "files-user" else None,
        )
        if reason is not None:
            verb = "suspended" if change.action == "suspend" else "deleted"
            raise Refused(
                f"{change.key} is {reason}: it is never suspended, logged out or deleted "
                f"(this {change.kind} would have been {verb})"
            )

    def _ownership(self, change: Change) -> None:
        if change.kind in ("membership", "alias"):
            self._container(change)
            return
        if change.action == "create":
            return
        kind = _object_kind(change)
        key = (
            _field_before(change, "name") if change.action == "update" and kind == "group" else None
        )
        known = self.index.get(kind, key or change.key)
        if known is None:
            return  # gone meanwhile: the writer reports "already gone" or fails cleanly
        owner = self._owner(kind, change.key, known)
        if change.action == "adopt":
            if owner is not None and not owner.owned_by(change.tenant):
                raise Refused(
                    f"{change.key} on {change.service} now carries another marker "
                    f"({_marker_text(owner)}); it is never taken over"
                )
            return
        if owner is None or not owner.owned_by(change.tenant):
            raise Refused(
                f"{change.key} on {change.service} is not marked as tenant "
                f"'{change.tenant}''s ({_marker_text(owner)}); it is not touched"
            )

    def _container(self, change: Change) -> None:
        """Memberships change only in the tenant's groups, aliases only on its mailboxes."""
        if change.kind == "membership":
            name = _field_value(change, "group")
            known = self.index.get("group", name) if name else None
            what = f"the group {name}"
        else:
            mailbox = _field_value(change, "mailbox")
            known = self.index.get("mailbox", mailbox) if mailbox else None
            what = f"the mailbox {mailbox}"
        if known is not None and not known.owned_by(change.tenant):
            raise Refused(
                f"{what} is not marked as tenant '{change.tenant}''s "
                f"({_marker_text(known)}); {change.key} is not touched"
            )

    def _owner(self, kind: ObjectKind, key: str, known: Known) -> Known | None:
        if known.owner is not None:
            return known  # for an OCIS user: adopted or created by this run
        if kind != "files-user":
            return None
        identity = self.index.get("identity", key)
        return identity if identity is not None and identity.owner is not None else None


def _object_kind(change: Change) -> ObjectKind:
    kinds: dict[str, ObjectKind] = {
        "domain": "domain",
        "mailbox": "mailbox",
        "list": "list",
        "identity": "identity",
        "group": "group",
        "files-user": "files-user",
    }
    return kinds[change.kind]


def _field_value(change: Change, name: str) -> str | None:
    item = change.field(name)
    if item is None:
        return None
    value = item.after if item.after is not None else item.before
    return str(value) if value is not None else None


def _field_before(change: Change, name: str) -> str | None:
    item = change.field(name)
    return str(item.before) if item is not None and item.before is not None else None


def _marker_text(known: Known | None) -> str:
    if known is None or known.owner is None:
        return "no dezkysync marker"
    if known.owner.problem:
        return f"an unreadable marker: {known.owner.problem}"
    return f"marked for tenant '{known.owner.tenant}'"

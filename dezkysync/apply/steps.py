"""Each typed change of a plan, as calls to one service's writer.

``ChangeRunner.apply(change)`` runs one change and returns what it did, in words; it raises
:class:`~dezkysync.apply.safety.Refused` or :class:`~dezkysync.services.writers.WriteRefused`
when a safety rule stops it, and :class:`~dezkysync.http.ServiceError` when a service fails.
Ids come from the run's :class:`~dezkysync.apply.index.LiveIndex` (objects created earlier in
the run included), never from the plan alone. Passwords come from the run's
:class:`~dezkysync.apply.credentials.PasswordBook` and never appear in what is returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dezkysync.apply.credentials import PasswordBook, sets_password
from dezkysync.apply.index import Known, LiveIndex, ObjectKind
from dezkysync.apply.safety import Safety
from dezkysync.http import ServiceError
from dezkysync.live.model import GroupRole, Ownership
from dezkysync.plan.model import Change
from dezkysync.services.ownership import stalwart_description
from dezkysync.services.writers import AuthentikWriter, OcisWriter, StalwartWriter

PASSWORD_NOTE = "one-time password in the secrets file"


class MissingObject(Exception):
    """An object a change needs (its id) is not known: not in the live state read at the
    start of the run, and not created by an earlier change."""


@dataclass
class Writers:
    """The writers of one run (``stalwart`` is None when Stalwart provisioning is off)."""

    authentik: AuthentikWriter
    ocis: OcisWriter
    stalwart: StalwartWriter | None


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2]


def _after(change: Change, name: str) -> Any:
    item = change.field(name)
    return None if item is None else item.after


def _before(change: Change, name: str) -> Any:
    item = change.field(name)
    return None if item is None else item.before


class ChangeRunner:
    """Runs changes against the writers (thread-safe: one runner serves a whole run)."""

    def __init__(
        self,
        writers: Writers,
        index: LiveIndex,
        passwords: PasswordBook,
        safety: Safety,
    ) -> None:
        self.writers = writers
        self.index = index
        self.passwords = passwords
        self.safety = safety
        self._handlers: dict[tuple[str, str, str], Callable[[Change], str]] = {
            ("stalwart", "domain", "create"): self._domain_create,
            ("stalwart", "domain", "adopt"): self._domain_adopt,
            ("stalwart", "domain", "delete"): self._domain_delete,
            ("stalwart", "mailbox", "create"): self._mailbox_create,
            ("stalwart", "mailbox", "update"): self._mailbox_update,
            ("stalwart", "mailbox", "adopt"): self._mailbox_update,
            ("stalwart", "mailbox", "suspend"): self._mailbox_suspend,
            ("stalwart", "mailbox", "resume"): self._mailbox_resume,
            ("stalwart", "mailbox", "delete"): self._mailbox_delete,
            ("stalwart", "alias", "create"): self._alias_create,
            ("stalwart", "alias", "delete"): self._alias_delete,
            ("stalwart", "list", "create"): self._list_create,
            ("stalwart", "list", "update"): self._list_update,
            ("stalwart", "list", "adopt"): self._list_update,
            ("stalwart", "list", "delete"): self._list_delete,
            ("authentik", "group", "create"): self._group_create,
            ("authentik", "group", "update"): self._group_update,
            ("authentik", "group", "adopt"): self._group_adopt,
            ("authentik", "group", "delete"): self._group_delete,
            ("authentik", "identity", "create"): self._identity_create,
            ("authentik", "identity", "update"): self._identity_update,
            ("authentik", "identity", "adopt"): self._identity_update,
            ("authentik", "identity", "suspend"): self._identity_suspend,
            ("authentik", "identity", "resume"): self._identity_resume,
            ("authentik", "identity", "delete"): self._identity_delete,
            ("authentik", "membership", "create"): self._membership_create,
            ("authentik", "membership", "delete"): self._membership_delete,
            ("ocis", "files-user", "create"): self._files_user_create,
            ("ocis", "files-user", "update"): self._files_user_update,
            ("ocis", "files-user", "adopt"): self._files_user_update,
            ("ocis", "files-user", "suspend"): self._files_user_suspend,
            ("ocis", "files-user", "resume"): self._files_user_resume,
            ("ocis", "files-user", "delete"): self._files_user_delete,
        }

    def apply(self, change: Change) -> str:
        """Run ``change``; return what was done."""
        handler = self._handlers.get((change.service, change.kind, change.action))
        if handler is None:
            raise ValueError(f"no way to {change.action} a {change.service} {change.kind}")
        self.safety.check(change)
        return handler(change)

    # -- lookups ----------------------------------------------------------------------------------
    def _known(self, kind: ObjectKind, key: str, change: Change) -> Known:
        """The object ``change`` writes to. Only objects of the live state read at the start
        of the run, or created by it, are written to: never an id taken from the plan alone
        (the safety checks vouch for the former only)."""
        known = self.index.get(kind, key)
        if known is None:
            raise MissingObject(f"the {kind} {key} does not exist on {change.service}")
        return known

    def _stalwart(self) -> StalwartWriter:
        if self.writers.stalwart is None:
            raise MissingObject("Stalwart provisioning is disabled in this run")
        return self.writers.stalwart

    def _domain_id(self, address_or_domain: str, change: Change) -> str:
        domain = _domain_of(address_or_domain) if "@" in address_or_domain else address_or_domain
        known = self.index.get("domain", domain)
        if known is None:
            raise MissingObject(f"the domain {domain} does not exist on Stalwart")
        return str(known.id)

    def _password_first(self, change: Change) -> str:
        """The member's password, set on its stores that already exist before ``change``
        creates a new one (see :mod:`dezkysync.apply.credentials`)."""
        password = self.passwords.obtain(change)
        for other in self.passwords.existing_stores(change):
            if self.passwords.claim(other):
                self._set_password(other, password)
        return password

    def _set_password(self, change: Change, password: str) -> None:
        if change.kind == "identity":
            known = self._known("identity", change.key, change)
            self.writers.authentik.set_password(int(known.id), password)
            if known.owner is not None and known.owner.password_pending:
                # The password is in place: clear the flag (see services.ownership).
                self.writers.authentik.mark_user(int(known.id), known.owner.tenant)
                self.index.set_owner("identity", change.key, Ownership(known.owner.tenant))
        else:
            known = self._known("mailbox", change.key, change)
            self._stalwart().set_password(str(known.id), password)

    def _update_password(self, change: Change) -> str | None:
        if not sets_password(change):
            return None
        if not self.passwords.claim(change):
            return "password already set, before the new store was created"
        self._set_password(change, self.passwords.obtain(change))
        return f"password reset ({PASSWORD_NOTE})"

    def _describe(self, object_type: str, known: Known, change: Change) -> str | None:
        """Write the description (display name and marker) of the Stalwart mailbox or list
        ``change`` adopts or renames; say which it was (None when neither)."""
        name_field = change.field("name")
        if change.action != "adopt" and name_field is None:
            return None
        display = name_field.after if name_field is not None else known.display
        self._stalwart().describe(
            object_type, str(known.id), stalwart_description(display, change.tenant)
        )
        return "marked as the tenant's" if change.action == "adopt" else "renamed"

    # -- Stalwart domains -------------------------------------------------------------------------
    def _domain_create(self, change: Change) -> str:
        writer = self._stalwart()
        domain_id = writer.create_domain(change.key, stalwart_description(None, change.tenant))
        self.index.put("domain", change.key, Known(domain_id, Ownership(change.tenant)))
        try:
            ready = writer.wait_for_dkim(domain_id)
        except ServiceError as exc:  # the domain exists: its keys are checked by `dns check`
            return f"created; its DKIM keys could not be checked ({exc})"
        if ready:
            return "created; DKIM keys generated"
        return (
            f"created; its DKIM keys were not generated within {writer.dkim_timeout:g}s "
            "(Stalwart adds them later: check with `dezkysync dns check`)"
        )

    def _domain_adopt(self, change: Change) -> str:
        known = self._known("domain", change.key, change)
        self._stalwart().describe(
            "x:Domain", str(known.id), stalwart_description(known.display, change.tenant)
        )
        self.index.set_owner("domain", change.key, Ownership(change.tenant))
        return f"adopted: marked as tenant '{change.tenant}''s"

    def _domain_delete(self, change: Change) -> str:
        known = self._known("domain", change.key, change)
        gone = self._stalwart().delete_domain(str(known.id), change.key)
        self.index.drop("domain", change.key)
        return "deleted, with its DKIM keys" if gone else "already gone"

    # -- Stalwart mailboxes -----------------------------------------------------------------------
    def _mailbox_create(self, change: Change) -> str:
        writer = self._stalwart()
        domain_id = self._domain_id(change.key, change)
        password = self._password_first(change)
        name = _after(change, "name")
        mailbox_id = writer.create_mailbox(
            email=change.key,
            domain_id=domain_id,
            description=stalwart_description(name, change.tenant),
            password=password,
            quota=_after(change, "quota"),
            suspended=_after(change, "state") == "suspended",
        )
        self.index.put(
            "mailbox",
            change.key,
            Known(mailbox_id, Ownership(change.tenant), display=name, domain_id=domain_id),
        )
        return f"created ({PASSWORD_NOTE})"

    def _mailbox_update(self, change: Change) -> str:
        writer = self._stalwart()
        known = self._known("mailbox", change.key, change)
        done: list[str] = []
        described = self._describe("x:Account", known, change)
        if described:
            done.append(described)
        if change.field("quota") is not None:
            writer.set_quota(str(known.id), _after(change, "quota"))
            done.append("quota set")
        password = self._update_password(change)
        if password:
            done.append(password)
        if change.action == "adopt":
            self.index.set_owner("mailbox", change.key, Ownership(change.tenant))
        return "; ".join(done) or "nothing to change"

    def _mailbox_suspend(self, change: Change) -> str:
        known = self._known("mailbox", change.key, change)
        changed = self._stalwart().suspend_mailbox(str(known.id))
        return "logins refused (password kept)" if changed else "already suspended"

    def _mailbox_resume(self, change: Change) -> str:
        known = self._known("mailbox", change.key, change)
        changed = self._stalwart().resume_mailbox(str(known.id))
        return (
            "logins allowed again (previous permissions restored)" if changed else "not suspended"
        )

    def _mailbox_delete(self, change: Change) -> str:
        known = self._known("mailbox", change.key, change)
        gone = self._stalwart().delete_mailbox(str(known.id))
        self.index.drop("mailbox", change.key)
        return "deleted" if gone else "already gone"

    def _alias_create(self, change: Change) -> str:
        mailbox = str(_after(change, "mailbox"))
        known = self._known("mailbox", mailbox, change)
        added = self._stalwart().add_alias(
            "x:Account", str(known.id), change.key, self._domain_id(change.key, change)
        )
        return f"added to {mailbox}" if added else f"{mailbox} already has it"

    def _alias_delete(self, change: Change) -> str:
        mailbox = str(_before(change, "mailbox"))
        known = self._known("mailbox", mailbox, change)
        removed = self._stalwart().remove_alias(
            "x:Account", str(known.id), change.key, self._domain_id(change.key, change)
        )
        return f"removed from {mailbox}" if removed else "already gone"

    # -- Stalwart mailing lists -------------------------------------------------------------------
    def _list_create(self, change: Change) -> str:
        name = _after(change, "name")
        list_id = self._stalwart().create_list(
            email=change.key,
            domain_id=self._domain_id(change.key, change),
            description=stalwart_description(name, change.tenant),
            recipients=list(_after(change, "recipients") or []),
        )
        self.index.put("list", change.key, Known(list_id, Ownership(change.tenant), display=name))
        return "created"

    def _list_update(self, change: Change) -> str:
        writer = self._stalwart()
        known = self._known("list", change.key, change)
        done: list[str] = []
        described = self._describe("x:MailingList", known, change)
        if described:
            done.append(described)
        recipients = change.field("recipients")
        if recipients is not None:
            before, after = set(recipients.before or []), set(recipients.after or [])
            writer.change_recipients(str(known.id), add=after - before, remove=before - after)
            done.append(f"{len(after - before)} recipient(s) added, {len(before - after)} removed")
        if change.action == "adopt":
            self.index.set_owner("list", change.key, Ownership(change.tenant))
        return "; ".join(done) or "nothing to change"

    def _list_delete(self, change: Change) -> str:
        known = self._known("list", change.key, change)
        gone = self._stalwart().delete_list(str(known.id))
        self.index.drop("list", change.key)
        return "deleted" if gone else "already gone"

    # -- authentik groups -------------------------------------------------------------------------
    def _role(self, change: Change) -> GroupRole:
        role = _after(change, "role")
        if role == "admins":
            return "admins"
        if role == "members":
            return "members"
        return "admins" if change.key.endswith("-admins") else "members"

    def _group_create(self, change: Change) -> str:
        role = self._role(change)
        pk = self.writers.authentik.create_group(change.key, change.tenant, role)
        self.index.put("group", change.key, Known(pk, Ownership(change.tenant, role=role)))
        return "created"

    def _group_update(self, change: Change) -> str:
        old = str(_before(change, "name") or change.key)
        known = self._known("group", old, change)
        self.writers.authentik.rename_group(str(known.id), change.key)
        self.index.rename("group", old, change.key)
        return f"renamed from {old}"

    def _group_adopt(self, change: Change) -> str:
        known = self._known("group", change.key, change)
        role = self._role(change)
        self.writers.authentik.mark_group(str(known.id), change.tenant, role)
        self.index.set_owner("group", change.key, Ownership(change.tenant, role=role))
        return f"adopted as tenant '{change.tenant}''s {role} group"

    def _group_delete(self, change: Change) -> str:
        known = self._known("group", change.key, change)
        gone = self.writers.authentik.delete_group(str(known.id))
        self.index.drop("group", change.key)
        return "deleted" if gone else "already gone"

    # -- authentik identities ---------------------------------------------------------------------
    def _identity_create(self, change: Change) -> str:
        writer = self.writers.authentik
        password = self._password_first(change)
        pk = writer.create_user(
            username=change.key,
            name=str(_after(change, "name") or change.key),
            email=str(_after(change, "email") or change.key),
            active=_after(change, "state") != "suspended",
            tenant=change.tenant,
        )
        # Created flagged password_pending (authentik takes no password on create).
        owner = Ownership(change.tenant, password_pending=True)
        self.index.put("identity", change.key, Known(pk, owner, username=change.key))
        self._set_password(change, password)
        return f"created ({PASSWORD_NOTE})"

    def _identity_update(self, change: Change) -> str:
        writer = self.writers.authentik
        known = self._known("identity", change.key, change)
        fields: dict[str, Any] = {}
        for name in ("username", "name", "email"):
            item = change.field(name)
            if item is not None and item.after is not None:
                fields[name] = item.after
        done: list[str] = []
        if change.action == "adopt":
            writer.mark_user(int(known.id), change.tenant, fields)
            self.index.set_owner("identity", change.key, Ownership(change.tenant))
            done.append(f"adopted: marked as tenant '{change.tenant}''s")
        elif fields:
            writer.update_user(int(known.id), fields)
            done.append(f"{', '.join(sorted(fields))} updated")
        password = self._update_password(change)
        if password:
            done.append(password)
        return "; ".join(done) or "nothing to change"

    def _identity_suspend(self, change: Change) -> str:
        writer = self.writers.authentik
        known = self._known("identity", change.key, change)
        writer.set_active(int(known.id), False)
        ended = writer.end_sessions(int(known.id), known.username or change.key)
        sessions = f"{ended} more session(s) ended" if ended else "its sessions ended"
        return f"deactivated; {sessions}"

    def _identity_resume(self, change: Change) -> str:
        known = self._known("identity", change.key, change)
        self.writers.authentik.set_active(int(known.id), True)
        return "activated"

    def _identity_delete(self, change: Change) -> str:
        known = self._known("identity", change.key, change)
        gone = self.writers.authentik.delete_user(int(known.id))
        self.index.drop("identity", change.key)
        return "deleted" if gone else "already gone"

    # -- authentik memberships --------------------------------------------------------------------
    def _membership(self, change: Change, *, add: bool) -> tuple[str, int, str, str]:
        pick = _after if add else _before
        group = str(pick(change, "group"))
        login = str(pick(change, "member"))
        group_known = self._known("group", group, change)
        user_known = self._known("identity", login, change)
        return str(group_known.id), int(user_known.id), group, login

    def _membership_create(self, change: Change) -> str:
        group_pk, user_pk, group, login = self._membership(change, add=True)
        self.writers.authentik.add_member(group_pk, user_pk)
        return f"{login} added to {group}"

    def _membership_delete(self, change: Change) -> str:
        group_pk, user_pk, group, login = self._membership(change, add=False)
        self.writers.authentik.remove_member(group_pk, user_pk)
        return f"{login} removed from {group}"

    # -- OCIS users -------------------------------------------------------------------------------
    def _files_user_create(self, change: Change) -> str:
        name = str(_after(change, "name") or change.key)
        user_id = self.writers.ocis.create_user(
            username=change.key,
            display_name=name,
            mail=str(_after(change, "mail") or change.key),
            enabled=_after(change, "state") != "suspended",
        )
        self.index.put(
            "files-user",
            change.key,
            Known(user_id, Ownership(change.tenant), display=name, username=change.key),
        )
        return "created"

    def _files_user_update(self, change: Change) -> str:
        known = self._known("files-user", change.key, change)
        names = {"username": "onPremisesSamAccountName", "name": "displayName", "mail": "mail"}
        fields = {
            names[item.name]: item.after
            for item in change.fields
            if item.name in names and item.after not in (None, "")
        }
        self.writers.ocis.update_user(str(known.id), fields)
        if change.action == "adopt":
            self.index.set_owner("files-user", change.key, Ownership(change.tenant))
            return "adopted" + (f"; {', '.join(sorted(fields))} updated" if fields else "")
        return f"{', '.join(sorted(fields))} updated" if fields else "nothing to change"

    def _files_user_suspend(self, change: Change) -> str:
        known = self._known("files-user", change.key, change)
        self.writers.ocis.set_enabled(str(known.id), False)
        return "disabled"

    def _files_user_resume(self, change: Change) -> str:
        known = self._known("files-user", change.key, change)
        self.writers.ocis.set_enabled(str(known.id), True)
        return "enabled"

    def _files_user_delete(self, change: Change) -> str:
        known = self._known("files-user", change.key, change)
        gone = self.writers.ocis.delete_user(str(known.id))
        self.index.drop("files-user", change.key)
        return "deleted (with its personal drive)" if gone else "already gone"

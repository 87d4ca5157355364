"""Writing Stalwart 0.16 through its JMAP management API (``x:<Object>/set``).

The only module that knows Stalwart's write quirks:

- every write is a ``/set`` call; its per-object failures come back inside a 200 answer
  (``notCreated``/``notUpdated``/``notDestroyed``) and are raised here;
- ``List`` values (aliases, credentials) are keyed by index and renumbered after every write,
  so an alias is added at the next free index and removed by the index it has *now* (both read
  just before the write, one writer per account at a time);
- ``Set`` values (recipients) are patched member by member (``"recipients/<addr>": true``);
- a new domain's DKIM keys are generated after the create returns: :meth:`wait_for_dkim`
  polls ``x:DkimSignature/query`` for them (bounded);
- destroying a domain answers ``objectIsLinked`` while anything references it, its own
  DKIM keys included: those (and only those) are destroyed and the destroy retried; any
  account, mailing list or setting still linked refuses the delete, naming them;
- suspension is a ``permissions`` value (``authenticate`` disabled), never a credential
  change, so the password survives; resume writes back the previous value exactly;
- secrets are masked as ``"****"`` on reads; a password is only ever sent, never read.

Writes that set absolute values (descriptions, quotas, permissions, a password) and destroys
(where ``notFound`` means "already gone") are sent as idempotent, so the HTTP layer may retry
them; creates are sent once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from dezkysync.http import ServiceClient
from dezkysync.live.model import (
    is_suspended_permissions,
    resumed_permissions,
    suspended_permissions,
)
from dezkysync.services.stalwart import JMAP_PATH, StalwartClient
from dezkysync.services.writers.errors import WriteRefused

#: How long :meth:`StalwartWriter.wait_for_dkim` waits for a new domain's keys.
DKIM_TIMEOUT = 10.0
DKIM_POLL_INTERVAL = 0.2


def local_part(address: str) -> str:
    """``alice`` of ``alice@acme.example``."""
    return address.rpartition("@")[0]


class StalwartWriter:
    """Writes to Stalwart through the reader's :class:`StalwartClient` (session, JMAP calls)."""

    service = "stalwart"

    def __init__(
        self,
        client: StalwartClient,
        *,
        dkim_timeout: float = DKIM_TIMEOUT,
        poll_interval: float = DKIM_POLL_INTERVAL,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.dkim_timeout = dkim_timeout
        self.poll_interval = poll_interval
        self._sleep = sleep
        self._clock = clock
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    @property
    def http(self) -> ServiceClient:
        """The HTTP client underneath."""
        return self.client.http

    # -- domains ------------------------------------------------------------------------------
    def create_domain(self, name: str, description: str) -> str:
        """Create a domain (automatic DKIM, Stalwart's default); return its id."""
        return self._create("x:Domain", {"name": name, "description": description})

    def wait_for_dkim(self, domain_id: str) -> bool:
        """Wait (bounded) until the domain has one DKIM key per configured algorithm.

        True when the keys are there (or the domain manages DKIM by hand); False when they
        did not appear within the timeout (the domain exists; its keys come later).
        """
        domain = self._get_one("x:Domain", domain_id, ("id", "dkimManagement"))
        management = domain.get("dkimManagement")
        if not isinstance(management, Mapping) or management.get("@type") != "Automatic":
            return True
        algorithms = management.get("algorithms")
        expected = (
            sum(1 for on in algorithms.values() if on is True)
            if isinstance(algorithms, Mapping)
            else 2
        )
        deadline = self._clock() + self.dkim_timeout
        while True:
            if self._dkim_count(domain_id) >= expected:
                return True
            if self._clock() >= deadline:
                return False
            self._sleep(self.poll_interval)

    def describe(self, object_type: str, object_id: str, description: str) -> None:
        """Set the ``description`` (display name and ownership marker) of a domain, account
        or mailing list (``object_type`` like ``"x:Domain"``)."""
        self._update(object_type, object_id, {"description": description})

    def delete_domain(self, domain_id: str, name: str) -> bool:
        """Destroy a domain, with its own DKIM keys; False when it was already gone.

        Raises :class:`WriteRefused` (nothing deleted) while any account, mailing list or
        setting still references it.
        """
        linked = self._destroy_domain(domain_id)
        if linked is None:
            return True
        if linked == []:
            return False
        dkim = [ident for kind, ident in linked if kind == "DkimSignature"]
        others = [(kind, ident) for kind, ident in linked if kind != "DkimSignature"]
        if others:
            raise WriteRefused(
                f"the domain {name} is still used by {self._linked_names(others)}; "
                "nothing was deleted"
            )
        foreign = self._foreign_dkim(domain_id, dkim)
        if foreign:
            raise WriteRefused(
                f"the domain {name} is linked to DKIM keys of another domain "
                f"({', '.join(foreign)}); nothing was deleted"
            )
        self._destroy("x:DkimSignature", dkim)
        linked = self._destroy_domain(domain_id)
        if linked:
            raise WriteRefused(
                f"the domain {name} is still used by {self._linked_names(linked)} after its "
                "DKIM keys were removed; the domain was not deleted"
            )
        return True

    # -- mailboxes ------------------------------------------------------------------------------
    def create_mailbox(
        self,
        *,
        email: str,
        domain_id: str,
        description: str,
        password: str,
        quota: int | None = None,
        suspended: bool = False,
    ) -> str:
        """Create a user account with its one password credential; return its id."""
        account: dict[str, Any] = {
            "@type": "User",
            "name": local_part(email),
            "domainId": domain_id,
            "description": description,
            "credentials": {"0": {"@type": "Password", "secret": password}},
        }
        if quota is not None:
            account["quotas"] = {"maxDiskQuota": quota}
        if suspended:
            account["permissions"] = suspended_permissions({"@type": "Inherit"})
        return self._create("x:Account", account)

    def set_quota(self, mailbox_id: str, quota: int | None) -> None:
        """Set (or, with None, remove) the mailbox's disk quota in bytes."""
        self._update("x:Account", mailbox_id, {"quotas/maxDiskQuota": quota})

    def set_password(self, mailbox_id: str, password: str) -> None:
        """Replace the mailbox's password (its Password credential; added when missing)."""
        with self._lock(mailbox_id):
            account = self._get_one("x:Account", mailbox_id, ("id", "credentials"))
            credentials = account.get("credentials")
            entries = credentials if isinstance(credentials, Mapping) else {}
            key = next(
                (
                    str(k)
                    for k, v in entries.items()
                    if isinstance(v, Mapping) and v.get("@type") == "Password"
                ),
                None,
            )
            if key is not None:
                patch: dict[str, Any] = {f"credentials/{key}/secret": password}
            else:
                patch = {
                    f"credentials/{_next_index(entries)}": {
                        "@type": "Password",
                        "secret": password,
                    }
                }
            self._update("x:Account", mailbox_id, patch)

    def suspend_mailbox(self, mailbox_id: str) -> bool:
        """Refuse logins (``authenticate`` disabled), keeping the credentials and every other
        permission; False when it was already suspended."""
        with self._lock(mailbox_id):
            current = self._permissions(mailbox_id)
            if is_suspended_permissions(current):
                return False
            self._update("x:Account", mailbox_id, {"permissions": suspended_permissions(current)})
            return True

    def resume_mailbox(self, mailbox_id: str) -> bool:
        """Allow logins again, restoring the permissions held before the suspension; False
        when it was not suspended."""
        with self._lock(mailbox_id):
            current = self._permissions(mailbox_id)
            if not is_suspended_permissions(current):
                return False
            self._update("x:Account", mailbox_id, {"permissions": resumed_permissions(current)})
            return True

    def delete_mailbox(self, mailbox_id: str) -> bool:
        """Destroy the account (Stalwart removes its mail in the background); False when it
        was already gone."""
        return self._destroy_one("x:Account", mailbox_id)

    def add_alias(self, owner_type: str, owner_id: str, email: str, domain_id: str) -> bool:
        """Add an address alias to an account or list; False when it already has it."""
        with self._lock(owner_id):
            aliases = self._aliases(owner_type, owner_id)
            name = local_part(email)
            for entry in aliases.values():
                if entry.get("name") == name and entry.get("domainId") == domain_id:
                    return False
            index = _next_index(aliases)
            self._update(
                owner_type, owner_id, {f"aliases/{index}": {"name": name, "domainId": domain_id}}
            )
            return True

    def remove_alias(self, owner_type: str, owner_id: str, email: str, domain_id: str) -> bool:
        """Remove an address alias from an account or list; False when it was not there."""
        with self._lock(owner_id):
            aliases = self._aliases(owner_type, owner_id)
            name = local_part(email)
            for key, entry in aliases.items():
                if entry.get("name") == name and entry.get("domainId") == domain_id:
                    self._update(owner_type, owner_id, {f"aliases/{key}": None}, idempotent=False)
                    return True
            return False

    # -- mailing lists ----------------------------------------------------------------------------
    def create_list(
        self, *, email: str, domain_id: str, description: str, recipients: Iterable[str]
    ) -> str:
        """Create a mailing list; return its id."""
        return self._create(
            "x:MailingList",
            {
                "name": local_part(email),
                "domainId": domain_id,
                "description": description,
                "recipients": {address: True for address in sorted(set(recipients))},
            },
        )

    def change_recipients(
        self, list_id: str, *, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> None:
        """Add and remove recipients, member by member (others are left alone)."""
        patch: dict[str, Any] = {f"recipients/{a}": False for a in sorted(set(remove))}
        patch.update({f"recipients/{a}": True for a in sorted(set(add))})
        if patch:
            self._update("x:MailingList", list_id, patch)

    def delete_list(self, list_id: str) -> bool:
        """Destroy a mailing list; False when it was already gone."""
        return self._destroy_one("x:MailingList", list_id)

    # -- JMAP plumbing --------------------------------------------------------------------------
    def _call(self, method: str, arguments: dict[str, Any], *, idempotent: bool) -> Any:
        account = self.client.session().account_id
        # Every call here writes; ``idempotent`` says whether the HTTP layer may retry it:
        # true for absolute values and destroys, false for creates.
        answers = self.client.call(
            [[method, {"accountId": account, **arguments}, "w"]],
            read_only=False,
            idempotent=idempotent,
        )
        return answers["w"]

    def _create(self, object_type: str, value: dict[str, Any]) -> str:
        answer = self._call(f"{object_type}/set", {"create": {"new": value}}, idempotent=False)
        created = _mapping(answer, "created").get("new")
        if isinstance(created, Mapping) and isinstance(created.get("id"), str):
            return str(created["id"])
        failure = _mapping(answer, "notCreated").get("new")
        raise self._set_failed(object_type, "create", failure)

    def _update(
        self, object_type: str, object_id: str, patch: dict[str, Any], *, idempotent: bool = True
    ) -> None:
        answer = self._call(
            f"{object_type}/set", {"update": {object_id: patch}}, idempotent=idempotent
        )
        if object_id in _mapping(answer, "updated"):
            return
        failure = _mapping(answer, "notUpdated").get(object_id)
        raise self._set_failed(object_type, f"update of {object_id}", failure)

    def _destroy_one(self, object_type: str, object_id: str) -> bool:
        return bool(self._destroy(object_type, [object_id]))

    def _destroy(self, object_type: str, ids: list[str]) -> list[str]:
        """Destroy ``ids``; return those destroyed now (``notFound`` = already gone)."""
        if not ids:
            return []
        answer = self._call(f"{object_type}/set", {"destroy": ids}, idempotent=True)
        destroyed = answer.get("destroyed") if isinstance(answer, dict) else None
        done = [str(i) for i in destroyed] if isinstance(destroyed, list) else []
        for ident, failure in _mapping(answer, "notDestroyed").items():
            if isinstance(failure, Mapping) and failure.get("type") == "notFound":
                continue
            raise self._set_failed(object_type, f"destroy of {ident}", failure)
        return done

    def _destroy_domain(self, domain_id: str) -> list[tuple[str, str]] | None:
        """Destroy the domain: None when destroyed, [] when already gone, else what links it."""
        answer = self._call("x:Domain/set", {"destroy": [domain_id]}, idempotent=True)
        destroyed = answer.get("destroyed") if isinstance(answer, dict) else None
        if isinstance(destroyed, list) and domain_id in destroyed:
            return None
        failure = _mapping(answer, "notDestroyed").get(domain_id)
        kind = failure.get("type") if isinstance(failure, Mapping) else None
        if kind == "notFound":
            return []
        if kind != "objectIsLinked":
            raise self._set_failed("x:Domain", f"destroy of {domain_id}", failure)
        assert isinstance(failure, Mapping)
        linked: list[tuple[str, str]] = []
        for item in failure.get("linkedObjects") or []:
            if isinstance(item, Mapping):
                linked.append((str(item.get("object")), str(item.get("id"))))
        if not linked:
            raise self._set_failed("x:Domain", f"destroy of {domain_id}", failure)
        return linked

    def _get_one(self, object_type: str, object_id: str, properties: Iterable[str]) -> Any:
        answer = self._call(
            f"{object_type}/get",
            {"ids": [object_id], "properties": list(properties)},
            idempotent=True,
        )
        found = answer.get("list") if isinstance(answer, dict) else None
        for item in found or []:
            if isinstance(item, dict) and item.get("id") == object_id:
                return item
        raise self.http.fail("POST", JMAP_PATH, f"{object_type} {object_id} not found")

    def _dkim_count(self, domain_id: str) -> int:
        answer = self._call(
            "x:DkimSignature/query",
            {"filter": {"domainId": domain_id}, "calculateTotal": True},
            idempotent=True,
        )
        ids = answer.get("ids") if isinstance(answer, dict) else None
        return len(ids) if isinstance(ids, list) else 0

    def _foreign_dkim(self, domain_id: str, ids: list[str]) -> list[str]:
        if not ids:
            return []
        answer = self._call(
            "x:DkimSignature/get", {"ids": ids, "properties": ["id", "domainId"]}, idempotent=True
        )
        found = answer.get("list") if isinstance(answer, dict) else None
        return sorted(
            str(item.get("id"))
            for item in found or []
            if isinstance(item, dict) and item.get("domainId") != domain_id
        )

    def _permissions(self, mailbox_id: str) -> dict[str, Any]:
        account = self._get_one("x:Account", mailbox_id, ("id", "permissions"))
        permissions = account.get("permissions")
        return dict(permissions) if isinstance(permissions, Mapping) else {"@type": "Inherit"}

    def _aliases(self, owner_type: str, owner_id: str) -> dict[str, dict[str, Any]]:
        owner = self._get_one(owner_type, owner_id, ("id", "aliases"))
        aliases = owner.get("aliases")
        if isinstance(aliases, list):
            aliases = {str(n): v for n, v in enumerate(aliases)}
        if not isinstance(aliases, Mapping):
            return {}
        return {str(k): dict(v) for k, v in aliases.items() if isinstance(v, Mapping)}

    def _linked_names(self, linked: list[tuple[str, str]]) -> str:
        names: list[str] = []
        for object_type, label in (("Account", "account"), ("MailingList", "mailing list")):
            ids = [ident for kind, ident in linked if kind == object_type]
            if not ids:
                continue
            answer = self._call(
                f"x:{object_type}/get",
                {"ids": ids, "properties": ["id", "emailAddress"]},
                idempotent=True,
            )
            found = {
                str(item.get("id")): str(item.get("emailAddress") or item.get("id"))
                for item in (answer.get("list") if isinstance(answer, dict) else None) or []
                if isinstance(item, dict)
            }
            names.extend(f"{label} {found.get(ident, ident)}" for ident in ids)
        if any(kind == "SystemSettings" for kind, _ in linked):
            names.append("the server settings (it is the default domain)")
        names.extend(
            f"{kind} {ident}"
            for kind, ident in linked
            if kind not in ("Account", "MailingList", "SystemSettings", "DkimSignature")
        )
        return ", ".join(names) or "other objects"

    def _set_failed(self, object_type: str, what: str, failure: Any) -> Exception:
        if isinstance(failure, Mapping):
            kind = str(failure.get("type") or "unknown")
            description = failure.get("description")
            properties = failure.get("properties")
            text = f"{object_type}/set {what} refused: {kind}"
            if isinstance(description, str) and description:
                text += f": {description}"
            if isinstance(properties, list) and properties:
                text += f" ({', '.join(str(p) for p in properties)})"
        else:
            text = f"{object_type}/set {what}: the answer says neither done nor refused"
        return self.http.fail("POST", JMAP_PATH, text)

    def _lock(self, object_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(object_id, threading.Lock())


def _mapping(answer: Any, key: str) -> dict[str, Any]:
    value = answer.get(key) if isinstance(answer, dict) else None
    return value if isinstance(value, dict) else {}


def _next_index(entries: Mapping[str, Any]) -> int:
    numbers = [int(k) for k in entries if str(k).isdigit()]
    return max(numbers) + 1 if numbers else 0

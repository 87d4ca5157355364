"""One one-time password per member per run, recorded before any store receives it.

A member's password lives in two stores: the SSO identity (authentik) and the mailbox
(Stalwart). The plan marks every change that sets it with a ``password`` field reading
:data:`~dezkysync.plan.model.GENERATED`: the creation of a store, and, when one store is
created while the member's other store already exists (a run that died halfway, a store
removed by hand), an ``update`` of that other store. All of a member's password changes in a
run share ONE password:

- it is generated on the first of them and written to the secrets file (durable) before any
  service receives it, so whatever happens next the operator has it;
- the reason recorded is ``created``, or ``recreated`` when an existing store is reset along
  with a new one;
- the existing stores are reset *before* the missing store is created: should the run die in
  between, the missing store is still missing, and the next run issues a fresh password to
  all stores again. A store that exists therefore always holds the latest recorded password,
  or is about to be reset by the next run.

Adoption never sets a password: an adopted store carries no password change.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable

from dezkysync.apply.passwords import generate_password
from dezkysync.apply.secrets_file import SecretEntry, SecretsFile
from dezkysync.plan.model import GENERATED, Change, Plan

Reason = str  # "created", "recreated", "reset"


def sets_password(change: Change) -> bool:
    """Whether ``change`` sets the member's one-time password."""
    item = change.field("password")
    return item is not None and item.after == GENERATED


def member_of(change: Change) -> str:
    """The member login a credential change belongs to (its key: the address)."""
    return change.key


class PasswordBook:
    """The passwords of one run, per member: generated once, recorded once, shared."""

    def __init__(
        self,
        plan: Plan,
        secrets: SecretsFile,
        *,
        generate: Callable[[], str] = generate_password,
    ) -> None:
        self._secrets = secrets
        self._generate = generate
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._passwords: dict[str, str] = {}
        self._done: set[str] = set()
        self._carriers: dict[str, list[Change]] = defaultdict(list)
        for change in plan.changes:
            if change.kind in ("identity", "mailbox") and sets_password(change):
                self._carriers[member_of(change)].append(change)
        self.recorded: list[SecretEntry] = []

    def reason(self, login: str) -> Reason:
        """``recreated`` when an existing store of ``login`` is reset along with a new one;
        ``reset`` when only existing stores get it (an identity whose password an earlier run
        never set)."""
        carriers = self._carriers.get(login, [])
        if carriers and all(c.action != "create" for c in carriers):
            return "reset"
        return "recreated" if any(c.action != "create" for c in carriers) else "created"

    def obtain(self, change: Change) -> str:
        """The member's password for this run, generated and recorded on first use."""
        login = member_of(change)
        with self._guard:
            lock = self._locks[login]
        with lock:
            password = self._passwords.get(login)
            if password is None:
                password = self._generate()
                entry = self._secrets.record(
                    tenant=change.tenant,
                    email=login,
                    login=login,
                    password=password,
                    reason=self.reason(login),
                )
                self._passwords[login] = password
                with self._guard:
                    self.recorded.append(entry)
            return password

    def existing_stores(self, change: Change) -> list[Change]:
        """The member's other password changes that reset a store which already exists."""
        login = member_of(change)
        return [
            c for c in self._carriers.get(login, []) if c.id != change.id and c.action != "create"
        ]

    def claim(self, change: Change) -> bool:
        """Take on setting the password of ``change``'s store; False when already done."""
        with self._guard:
            if change.id in self._done:
                return False
            self._done.add(change.id)
            return True

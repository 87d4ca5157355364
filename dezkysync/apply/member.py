"""Imperative member actions: a new one-time password, a force-logout.

Both act on one member found in the live state by login (the address), and both refuse —
with nothing written — the identity dezkysync runs as, the configured protected identities,
system accounts, and members whose objects dezkysync does not manage (no marker, or markers of
different tenants). Every step is journaled like ``apply``.

- :func:`reset_password`: a new password is generated, recorded in the secrets file (durable,
  reason ``reset``), then set on the SSO identity and on the mailbox; sessions are left alone
  (use :func:`logout` for that).
- :func:`logout`: every session of the member's SSO identity ends, and no one else's: sessions
  are matched by the identity's pk on the client side (the server ignores a user filter).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from dezkysync.apply.journal import Journal
from dezkysync.apply.passwords import generate_password
from dezkysync.apply.safety import Selves, protection_reason
from dezkysync.apply.secrets_file import SecretsFile
from dezkysync.apply.steps import Writers
from dezkysync.config import normalise_login
from dezkysync.exitcodes import ExitCode
from dezkysync.http import ServiceError
from dezkysync.live.model import LiveIdentity, LiveMailbox, LiveState, Ownership
from dezkysync.redact import redact
from dezkysync.services.writers import WriteRefused


class MemberRefused(Exception):
    """The member action is not done; ``exit_code`` says why (1 not found, 3 guarded)."""

    def __init__(self, message: str, exit_code: ExitCode) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Member:
    """A managed member's stores, as read."""

    login: str
    tenant: str
    identity: LiveIdentity | None
    mailbox: LiveMailbox | None


@dataclass
class ActionResult:
    """What a member action did per store (messages never hold a secret)."""

    done: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    sessions_ended: int = 0

    @property
    def ok(self) -> bool:
        """Whether every step succeeded."""
        return not self.failed


def find_member(live: LiveState, login: str, protected: Iterable[str]) -> Member:
    """The managed member ``login``; :class:`MemberRefused` when it must not be touched."""
    wanted = normalise_login(login)
    selves = Selves.of(live)
    system = live.authentik.system_by_login.get(wanted)
    identity = live.authentik.identity_by_login.get(wanted)
    mailbox = live.stalwart.mailbox_by_email.get(wanted) if live.stalwart is not None else None
    user = identity or system
    reason = protection_reason(
        wanted, selves, protected, authentik_pk=user.pk if user is not None else None
    )
    if reason is not None:
        raise MemberRefused(
            f"{wanted} is {reason}: it is never suspended, logged out or given a new password "
            "by dezkysync",
            ExitCode.BLOCKED,
        )
    if system is not None:
        raise MemberRefused(
            f"{wanted} is an authentik system account ({system.type}), not a member",
            ExitCode.BLOCKED,
        )
    if identity is None and mailbox is None:
        raise MemberRefused(
            f"no member {wanted}: no SSO identity"
            + (" and no mailbox" if live.stalwart is not None else "")
            + " has that login",
            ExitCode.ERROR,
        )
    stores: list[tuple[str, Ownership | None]] = []
    if identity is not None:
        stores.append(("SSO identity", identity.owner))
    if mailbox is not None:
        stores.append(("mailbox", mailbox.owner))
    tenants: set[str] = set()
    for what, owner in stores:
        if owner is None or owner.problem:
            raise MemberRefused(
                f"the {what} of {wanted} is not managed by dezkysync "
                f"({_marker(owner)}); it is not touched",
                ExitCode.BLOCKED,
            )
        tenants.add(owner.tenant)
    if len(tenants) != 1:
        raise MemberRefused(
            f"the stores of {wanted} are marked for different tenants "
            f"({', '.join(sorted(tenants))}); fix the markers first",
            ExitCode.BLOCKED,
        )
    return Member(login=wanted, tenant=tenants.pop(), identity=identity, mailbox=mailbox)


def reset_password(
    member: Member,
    writers: Writers,
    secrets: SecretsFile,
    journal: Journal,
    *,
    generate: Callable[[], str] = generate_password,
) -> ActionResult:
    """A new one-time password for every store of ``member`` (recorded first)."""
    password = generate()
    secrets.record(
        tenant=member.tenant,
        email=member.login,
        login=member.login,
        password=password,
        reason="reset",
    )
    result = ActionResult()
    steps: list[tuple[str, Callable[[], None]]] = []
    identity, mailbox = member.identity, member.mailbox
    if identity is not None:
        steps.append(("authentik", lambda: writers.authentik.set_password(identity.pk, password)))
    if mailbox is not None:
        stalwart = writers.stalwart
        if stalwart is None:
            result.failed.append("stalwart: provisioning is disabled; the mailbox was not reset")
        else:
            steps.append(("stalwart", lambda: stalwart.set_password(mailbox.id, password)))
    for service, step in steps:
        _step(journal, member, service, "reset-password", step, result, "password set")
    return result


def logout(member: Member, writers: Writers, journal: Journal) -> ActionResult:
    """End every session of the member's SSO identity (and no one else's)."""
    result = ActionResult()
    identity = member.identity
    if identity is None:
        raise MemberRefused(
            f"{member.login} has no SSO identity: there is no session to end", ExitCode.ERROR
        )

    def end() -> None:
        result.sessions_ended = writers.authentik.end_sessions(identity.pk, identity.username)

    _step(journal, member, "authentik", "logout", end, result, "sessions ended")
    return result


def _step(
    journal: Journal,
    member: Member,
    service: str,
    action: str,
    step: Callable[[], None],
    result: ActionResult,
    done: str,
) -> None:
    started = time.monotonic()
    try:
        step()
    except (ServiceError, WriteRefused) as exc:
        message = redact(str(exc))
        result.failed.append(f"{service}: {message}")
        journal.write(
            "failed",
            change=f"{service}:member:{member.login}:{action}",
            service=service,
            action=action,
            tenant=member.tenant,
            key=member.login,
            message=message,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        return
    message = done if action != "logout" else f"{result.sessions_ended} session(s) ended"
    result.done.append(f"{service}: {message}")
    fields: dict[str, object] = {
        "change": f"{service}:member:{member.login}:{action}",
        "service": service,
        "action": action,
        "tenant": member.tenant,
        "key": member.login,
        "message": message,
        "duration_ms": int((time.monotonic() - started) * 1000),
    }
    if action == "reset-password":
        fields["password"] = "one-time password recorded in the secrets file"
    journal.write("applied", **fields)


def _marker(owner: Ownership | None) -> str:
    if owner is None:
        return "no dezkysync marker"
    return f"unreadable marker: {owner.problem}"

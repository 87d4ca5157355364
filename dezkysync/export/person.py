"""One login as the services hold it: its SSO identity, mailbox and OCIS user, merged into the
member entry of a tenant file (by :mod:`dezkysync.export.collect` and
:mod:`dezkysync.export.unmanaged`)."""

from __future__ import annotations

from dataclasses import dataclass

from dezkysync.live.model import LiveFilesUser, LiveIdentity, LiveMailbox


@dataclass
class Person:
    """What the services hold about one login."""

    login: str
    identity: LiveIdentity | None = None
    mailbox: LiveMailbox | None = None
    files_user: LiveFilesUser | None = None

    @property
    def name(self) -> str:
        """The first name set (not blank) on authentik, Stalwart, OCIS; else the address's
        local part."""
        names = (
            self.identity.name if self.identity is not None else None,
            self.mailbox.display_name if self.mailbox is not None else None,
            self.files_user.display_name if self.files_user is not None else None,
            self.login.partition("@")[0],
        )
        return next(n.strip() for n in names if n and n.strip())

    @property
    def suspended_on(self) -> list[str]:
        """The services that have this login suspended (authentik, stalwart, ocis order)."""
        suspended = {
            "authentik": self.identity is not None and not self.identity.is_active,
            "stalwart": self.mailbox is not None and self.mailbox.suspended,
            "ocis": self.files_user is not None and not self.files_user.enabled,
        }
        return [service for service, held in suspended.items() if held]

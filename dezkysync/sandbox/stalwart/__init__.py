"""Emulator of the Stalwart 0.16 JMAP management API (``x:Domain``, ``x:Account``,
``x:MailingList``, ``x:DkimSignature``, ``x:SystemSettings``, ``x:Action``).

See ``docs/sandbox-stalwart.md`` for what is emulated and the quirks reproduced.
"""

from __future__ import annotations

from dezkysync.sandbox.stalwart.emulator import StalwartEmulator

__all__ = ["StalwartEmulator"]

"""An emulator of ownCloud Infinite Scale's LibreGraph API (users, groups, drives, roles).

See ``docs/sandbox-ocis.md`` for what is emulated, the real server's quirks it reproduces, and
what it leaves out.
"""

from dezkysync.sandbox.ocis.emulator import OcisEmulator

__all__ = ["OcisEmulator"]

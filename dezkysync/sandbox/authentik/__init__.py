"""The authentik REST API v3 emulator: ``AuthentikEmulator``."""

from dezkysync.sandbox.authentik.emulator import AuthentikEmulator

__all__ = ["AuthentikEmulator"]

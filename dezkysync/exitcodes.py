"""The exit codes every command shares (a contract: documented in the README)."""

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes."""

    OK = 0  # nothing to do / all fine
    ERROR = 1  # bad input, unreachable service, failed read
    CHANGES = 2  # changes pending (or DNS records needing attention)
    BLOCKED = 3  # some changes blocked by a guard
    DRIFT = 4  # live state changed out of band

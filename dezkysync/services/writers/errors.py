"""The one error a writer adds to :mod:`dezkysync.http`'s hierarchy."""

from __future__ import annotations


class WriteRefused(Exception):
    """A write refused because doing it would be unsafe (nothing was changed by it).

    Examples: a domain Stalwart still links accounts or mailing lists to; a force-logout for a
    user with no username to filter sessions by. The message says why, in the operator's words.
    """

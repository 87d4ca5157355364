"""The emulated ``x:`` object types, by name."""

from __future__ import annotations

from dezkysync.sandbox.stalwart.objects.account import ACCOUNT
from dezkysync.sandbox.stalwart.objects.base import FilterSpec, Kind, Write
from dezkysync.sandbox.stalwart.objects.dkim_signature import DKIM_SIGNATURE_KIND
from dezkysync.sandbox.stalwart.objects.domain import DOMAIN_KIND
from dezkysync.sandbox.stalwart.objects.mailing_list import MAILING_LIST_KIND
from dezkysync.sandbox.stalwart.objects.settings import SINGLETON_KEY, SYSTEM_SETTINGS_KIND

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (ACCOUNT, DKIM_SIGNATURE_KIND, DOMAIN_KIND, MAILING_LIST_KIND, SYSTEM_SETTINGS_KIND)
}

__all__ = ["KINDS", "SINGLETON_KEY", "FilterSpec", "Kind", "Write"]

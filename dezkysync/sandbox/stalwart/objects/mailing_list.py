"""``x:MailingList``: an address that expands to a set of recipient addresses.

Recipients are plain (validated, normalised) addresses, not foreign keys. The list's own
address and its aliases share the global ``email`` uniqueness with accounts. Only ``text`` and
``memberTenantId`` are queryable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dezkysync.sandbox.stalwart.names import sanitize_email
from dezkysync.sandbox.stalwart.objects.base import FilterSpec, Kind, tenant_keys, wanted
from dezkysync.sandbox.stalwart.objects.common import (
    ALIASES,
    LOCAL_PART,
    address_keys,
    text_tokens,
)
from dezkysync.sandbox.stalwart.schema import Field, IdRef, Opt, SetOf, Spec, Str, Struct, TextItem
from dezkysync.sandbox.stalwart.store import IndexKeys

if TYPE_CHECKING:
    from dezkysync.sandbox.stalwart.state import ServerState

MAILING_LIST = Struct(
    "MailingList",
    {
        "name": Field(Str(validators=(LOCAL_PART,))),
        "domainId": Field(IdRef("Domain")),
        "description": Field(Opt(Str())),
        "aliases": Field(ALIASES),
        "memberTenantId": Field(Opt(IdRef("Tenant")), tenant=True),
        "recipients": Field(SetOf(TextItem(sanitize_email, "Invalid email address"))),
        "id": Field(Spec(), server_set=True, virtual=True),
        "emailAddress": Field(Spec(), server_set=True, virtual=True),
    },
    required=("name", "domainId"),
)


class MailingListKind(Kind):
    """``x:MailingList``."""

    name = "MailingList"
    spec = MAILING_LIST
    filters = {  # noqa: RUF012
        "text": FilterSpec("text", "text"),
        "memberTenantId": FilterSpec("memberTenantId", "id"),
    }
    sortable = {}  # noqa: RUF012

    def index_keys(self, record: Any) -> IndexKeys:
        keys = IndexKeys()
        tenant_keys(record, keys)
        keys.search.extend(("text", word) for word in text_tokens(record))
        address_keys(record, keys)
        return keys

    def missing(self, record: Any) -> list[str]:
        found = super().missing(record)
        aliases = record.get("aliases") or {}
        entries = aliases.values() if isinstance(aliases, dict) else aliases
        for entry in entries:
            found.extend(key for key in ("name", "domainId") if entry.get(key) in (None, ""))
        return found

    def extras(
        self, state: ServerState, ident: int, record: Any, asked: set[str] | None
    ) -> dict[str, Any]:
        if not wanted(asked, "emailAddress"):
            return {}
        return {"emailAddress": f"{record['name']}@{state.domain_name(record['domainId'])}"}


MAILING_LIST_KIND = MailingListKind()

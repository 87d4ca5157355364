"""``x:DkimSignature``: one DKIM key of a domain (ids are snowflakes, e.g. ``i0ertxweadqb``).

The private key reads back as ``{"@type":"Text","secret":"****"}``; ``publicKey`` is computed
from it on every get. Keys created through ``/set`` must carry a private key the emulator can
read (PKCS#1 or PKCS#8 PEM of the variant's algorithm); one is generated when none is given.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from dezkysync.sandbox.stalwart.dkim import generate_private_key, public_key
from dezkysync.sandbox.stalwart.errors import SetFailure, set_error
from dezkysync.sandbox.stalwart.objects.base import FilterSpec, Kind, Write, tenant_keys, wanted
from dezkysync.sandbox.stalwart.schema import (
    Bool,
    DateTime,
    Enum,
    Field,
    IdRef,
    Opt,
    SetOf,
    Spec,
    Str,
    Struct,
    TextItem,
    UInt,
    Variant,
)
from dezkysync.sandbox.stalwart.store import IndexKeys

if TYPE_CHECKING:
    from dezkysync.sandbox.stalwart.state import ServerState

STAGE = Enum("DkimRotationStage", ("active", "pending", "retiring", "retired"))
CANONICALIZATION = Enum(
    "DkimCanonicalization",
    ("relaxed/relaxed", "simple/simple", "relaxed/simple", "simple/relaxed"),
)
PRIVATE_KEY = Variant(
    "SecretKey", {"Text": Struct("SecretKeyText", {"secret": Field(Str(secret=True))})}, "Text"
)
DEFAULT_HEADERS = ("From", "To", "Date", "Subject", "Message-ID")

DKIM_FIELDS = Struct(
    "DkimSignatureProperties",
    {
        "auid": Field(Opt(Str())),
        "canonicalization": Field(CANONICALIZATION),
        "expire": Field(Opt(UInt())),
        "headers": Field(SetOf(TextItem(), initial=DEFAULT_HEADERS)),
        "privateKey": Field(PRIVATE_KEY),
        "report": Field(Bool(initial=True)),
        "thirdParty": Field(Opt(Str())),
        "thirdPartyHash": Field(Opt(Str())),
        "domainId": Field(IdRef("Domain")),
        "memberTenantId": Field(Opt(IdRef("Tenant")), tenant=True),
        "selector": Field(Str()),
        "createdAt": Field(DateTime(), server_set=True),
        "nextTransitionAt": Field(Opt(DateTime())),
        "stage": Field(STAGE),
        "id": Field(Spec(), server_set=True, virtual=True),
        "publicKey": Field(Spec(), server_set=True, virtual=True),
    },
    required=("domainId", "selector"),
)


class DkimSignatureKind(Kind):
    """``x:DkimSignature``."""

    name = "DkimSignature"
    spec = Variant(
        "DkimSignature",
        {
            "Dkim1Ed25519Sha256": DKIM_FIELDS,
            "Dkim1RsaSha256": DKIM_FIELDS,
            "Dkim2Ed25519Sha256": DKIM_FIELDS,
            "Dkim2RsaSha256": DKIM_FIELDS,
        },
        "Dkim1Ed25519Sha256",
    )
    snowflake_ids = True
    filters = {  # noqa: RUF012
        "domainId": FilterSpec("domainId", "id"),
        "memberTenantId": FilterSpec("memberTenantId", "id"),
    }
    sortable = {"domainId": "domainId"}  # noqa: RUF012

    def index_keys(self, record: Any) -> IndexKeys:
        keys = IndexKeys()
        if record.get("domainId") is not None:
            keys.search.append(("domainId", record["domainId"]))
            keys.refs.append(("Domain", record["domainId"], None))
        tenant_keys(record, keys)
        return keys

    def extras(
        self, state: ServerState, ident: int, record: Any, asked: set[str] | None
    ) -> dict[str, Any]:
        if not wanted(asked, "publicKey"):
            return {}
        public = public_key(record["@type"], record["privateKey"]["secret"])
        return {} if public is None else {"publicKey": public}

    def prepare(self, state: ServerState, write: Write) -> None:
        record = write.record
        secret = record["privateKey"].get("secret") or ""
        if not secret:
            record["privateKey"]["secret"] = generate_private_key(
                record["@type"], secrets.token_bytes(32)
            )
        elif public_key(record["@type"], secret) is None:
            raise SetFailure(
                set_error(
                    "invalidProperties",
                    description="Failed to parse private key",
                    properties=["privateKey"],
                )
            )


DKIM_SIGNATURE_KIND = DkimSignatureKind()

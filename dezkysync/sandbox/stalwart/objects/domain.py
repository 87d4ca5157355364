"""``x:Domain``: mail domains, their aliases, DKIM policy and the computed ``dnsZoneFile``.

From ``validate_domain`` (``mapping/domain.rs``): an Automatic ``selectorTemplate`` must
expand; a name may not be another domain's alias (``primaryKeyViolation`` on ``name``) and an
alias may not be any other domain's name or alias (``aliases``); the store's unique key on
``name`` catches duplicate names. Creating a domain with Automatic DKIM (the default), or
switching to it, schedules the key generation that the emulator runs ``dkim_delay`` later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dezkysync.sandbox.stalwart.dkim import ALGORITHMS, DEFAULT_TEMPLATE, selector_from_template
from dezkysync.sandbox.stalwart.errors import SetFailure, set_error
from dezkysync.sandbox.stalwart.ids import encode_id
from dezkysync.sandbox.stalwart.names import sanitize_domain, sanitize_email
from dezkysync.sandbox.stalwart.objects.base import FilterSpec, Kind, Write, tenant_keys, wanted
from dezkysync.sandbox.stalwart.schema import (
    Bool,
    DateTime,
    Enum,
    EnumItem,
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
from dezkysync.sandbox.stalwart.store import IndexKeys, tokens

if TYPE_CHECKING:
    from dezkysync.sandbox.stalwart.state import ServerState

DOMAIN_NAME = (sanitize_domain, "Invalid domain name")
DKIM_ALGORITHM = Enum("DkimSignatureType", ALGORITHMS)

DKIM_MANAGEMENT = Variant(
    "DkimManagement",
    {
        "Automatic": Struct(
            "DkimManagementProperties",
            {
                "algorithms": Field(
                    SetOf(
                        EnumItem(DKIM_ALGORITHM), initial=("Dkim1Ed25519Sha256", "Dkim1RsaSha256")
                    )
                ),
                "selectorTemplate": Field(Str(initial=DEFAULT_TEMPLATE)),
                "rotateAfter": Field(UInt(initial=7_776_000_000)),
                "retireAfter": Field(UInt(initial=604_800_000)),
                "deleteAfter": Field(UInt(initial=2_592_000_000)),
            },
        ),
        "Manual": Struct("Manual", {}),
    },
    "Automatic",
)
CERTIFICATE_MANAGEMENT = Variant(
    "CertificateManagement",
    {
        "Manual": Struct("Manual", {}),
        "Automatic": Struct(
            "CertificateManagementProperties",
            {
                "acmeProviderId": Field(IdRef("AcmeProvider")),
                "subjectAlternativeNames": Field(
                    SetOf(TextItem(sanitize_domain, "Invalid domain name"))
                ),
            },
        ),
    },
    "Manual",
)
DNS_MANAGEMENT = Variant(
    "DnsManagement",
    {
        "Manual": Struct("Manual", {}),
        "Automatic": Struct(
            "DnsManagementProperties",
            {
                "dnsServerId": Field(IdRef("DnsServer")),
                "origin": Field(Opt(Str())),
                "publishRecords": Field(SetOf(TextItem())),
            },
        ),
    },
    "Manual",
)
SUB_ADDRESSING = Variant(
    "SubAddressing",
    {
        "Enabled": Struct("Enabled", {}),
        "Disabled": Struct("Disabled", {}),
        "Custom": Struct("CustomSubAddressing", {"customRule": Field(Str())}),
    },
    "Enabled",
)

DOMAIN = Struct(
    "Domain",
    {
        "name": Field(Str(validators=(DOMAIN_NAME,))),
        "aliases": Field(SetOf(TextItem(sanitize_domain, "Invalid domain name"))),
        "isEnabled": Field(Bool(initial=True)),
        "createdAt": Field(DateTime(), server_set=True),
        "description": Field(Opt(Str())),
        "logo": Field(Opt(Str())),
        "certificateManagement": Field(CERTIFICATE_MANAGEMENT),
        "dkimManagement": Field(DKIM_MANAGEMENT),
        "dnsManagement": Field(DNS_MANAGEMENT),
        "memberTenantId": Field(Opt(IdRef("Tenant")), tenant=True),
        "directoryId": Field(Opt(IdRef("Directory"))),
        "catchAllAddress": Field(Opt(Str(validators=((sanitize_email, "Invalid email address"),)))),
        "subAddressing": Field(SUB_ADDRESSING),
        "allowRelaying": Field(Bool(initial=False)),
        "reportAddressUri": Field(Opt(Str(initial="mailto:postmaster"))),
        "id": Field(Spec(), server_set=True, virtual=True),
        "dnsZoneFile": Field(Spec(), server_set=True, virtual=True),
    },
    required=("name",),
)


class DomainKind(Kind):
    """``x:Domain``."""

    name = "Domain"
    spec = DOMAIN
    filters = {  # noqa: RUF012
        "name": FilterSpec("name", "keyword"),
        "aliases": FilterSpec("aliases", "keyword"),
        "text": FilterSpec("text", "text"),
        "memberTenantId": FilterSpec("memberTenantId", "id"),
    }
    sortable = {"name": "name"}  # noqa: RUF012

    def new(self) -> Any:
        record = super().new()
        record["reportAddressUri"] = "mailto:postmaster"
        return record

    def index_keys(self, record: Any) -> IndexKeys:
        keys = IndexKeys()
        keys.search.append(("name", record["name"]))
        keys.unique.append(("Domain", "name", record["name"]))
        for alias in record["aliases"]:
            keys.search.append(("aliases", alias))
            keys.unique.append(("Domain", "aliases", alias))
        tenant_keys(record, keys)
        if record.get("directoryId") is not None:
            keys.refs.append(("Directory", record["directoryId"], None))
        certificates = record["certificateManagement"]
        if certificates["@type"] == "Automatic":
            keys.refs.append(("AcmeProvider", certificates["acmeProviderId"], None))
        dns = record["dnsManagement"]
        if dns["@type"] == "Automatic":
            keys.refs.append(("DnsServer", dns["dnsServerId"], None))
        keys.search.extend(
            ("text", word)
            for word in tokens(record["name"], record["description"], *record["aliases"])
        )
        return keys

    def extras(
        self, state: ServerState, ident: int, record: Any, asked: set[str] | None
    ) -> dict[str, Any]:
        if not wanted(asked, "dnsZoneFile"):
            return {}
        return {"dnsZoneFile": state.zone_file(ident, record)}

    def prepare(self, state: ServerState, write: Write) -> None:
        record, old = write.record, write.old
        dkim = record["dkimManagement"]
        if dkim["@type"] == "Automatic" and (
            old is None
            or (
                old["dkimManagement"]["@type"] == "Automatic"
                and old["dkimManagement"]["selectorTemplate"] != dkim["selectorTemplate"]
            )
        ):
            try:
                selector_from_template(
                    dkim["selectorTemplate"], "Dkim1RsaSha256", state.utc_now(), b""
                )
            except ValueError as exc:
                raise SetFailure(
                    set_error(
                        "invalidProperties", description=str(exc), properties=["selectorTemplate"]
                    )
                ) from exc
        registry = state.registry
        if old is None or old["name"] != record["name"]:
            taken = registry.owner(("Domain", "aliases", record["name"]))
            if taken is not None and taken[1] != write.ident:
                raise SetFailure(
                    set_error(
                        "primaryKeyViolation",
                        properties=["name"],
                        object_id=("Domain", encode_id(taken[1])),
                    )
                )
        for alias in record["aliases"]:
            if alias == record["name"] or (
                old is not None and (alias in old["aliases"] or alias == old["name"])
            ):
                continue
            for index in ("name", "aliases"):
                taken = registry.owner(("Domain", index, alias))
                if taken is not None:
                    raise SetFailure(
                        set_error(
                            "primaryKeyViolation",
                            properties=["aliases"],
                            object_id=("Domain", encode_id(taken[1])),
                        )
                    )
        certificates = record["certificateManagement"]
        if certificates["@type"] == "Automatic" and (
            old is None or old["certificateManagement"]["@type"] != "Automatic"
        ):
            raise SetFailure(
                set_error(
                    "invalidProperties",
                    description="ACME provider not found",
                    properties=["acmeProviderId"],
                )
            )

    def created(self, state: ServerState, ident: int, record: Any) -> None:
        if record["dkimManagement"]["@type"] == "Automatic":
            state.schedule_dkim(ident)

    def updated(self, state: ServerState, ident: int, record: Any, old: Any) -> None:
        if (
            record["dkimManagement"]["@type"] == "Automatic"
            and old["dkimManagement"]["@type"] != "Automatic"
        ):
            state.schedule_dkim(ident)

    def destroyed(self, state: ServerState, ident: int, record: Any) -> None:
        state.cancel_dkim(ident)


DOMAIN_KIND = DomainKind()

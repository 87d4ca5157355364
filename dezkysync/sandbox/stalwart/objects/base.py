"""What every emulated ``x:`` object type provides to the generic get/set/query methods."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from dezkysync.sandbox.stalwart.ids import SINGLETON, encode_id
from dezkysync.sandbox.stalwart.schema import Struct, Variant
from dezkysync.sandbox.stalwart.store import IndexKeys

if TYPE_CHECKING:
    from dezkysync.sandbox.stalwart.state import ServerState

FilterValue = Literal["keyword", "id", "enum", "text", "number", "bool"]


@dataclass(frozen=True)
class FilterSpec:
    """A queryable property: the search index behind it and how its value is written."""

    index: str
    value: FilterValue


@dataclass
class Write:
    """One create or update under validation.

    ``record`` is the patched object (working form); ``old`` the stored object before an
    update (None on create); ``client_id`` the creation id of a create.
    """

    kind: str
    ident: int | None
    record: Any
    old: Any | None
    client_id: str | None = None
    response: dict[str, Any] = field(default_factory=dict)


class Kind:
    """One registry object type (``x:<name>``)."""

    name: str = ""
    spec: Struct | Variant
    singleton: bool = False
    snowflake_ids: bool = False
    filters: dict[str, FilterSpec] = {}  # noqa: RUF012 - read-only class defaults
    sortable: dict[str, str] = {}  # noqa: RUF012 - property -> search index ("" = pk name)

    # -- data -----------------------------------------------------------------------------
    def new(self) -> Any:
        """A fresh object in working form (what a create patches)."""
        return self.spec.default()

    def struct_of(self, record: Any) -> Struct:
        return self.spec.struct_of(record) if isinstance(self.spec, Variant) else self.spec

    def index_keys(self, record: Any) -> IndexKeys:
        return IndexKeys()

    def sort_value(self, index: str, value: Any) -> Any:
        """How an index value sorts (Stalwart compares the stored index bytes)."""
        return value

    def missing(self, record: Any) -> list[str]:
        """Required properties left empty, nested objects included."""
        return self.struct_of(record).missing(record)

    # -- output ---------------------------------------------------------------------------
    def render(
        self, state: ServerState, ident: int, record: Any, wanted: set[str] | None
    ) -> dict[str, Any]:
        out: dict[str, Any] = self.spec.render(record)
        out.update(self.extras(state, ident, record, wanted))
        out["id"] = SINGLETON if self.singleton else encode_id(ident)
        if wanted:
            return {key: value for key, value in out.items() if key in wanted or key == "id"}
        return out

    def extras(
        self, state: ServerState, ident: int, record: Any, wanted: set[str] | None
    ) -> dict[str, Any]:
        """Computed properties (``emailAddress``, ``dnsZoneFile``…), only when wanted."""
        return {}

    # -- hooks ----------------------------------------------------------------------------
    def prepare(self, state: ServerState, write: Write) -> None:
        """Object-specific checks before the store write; raise ``SetFailure`` to refuse.
        May rewrite ``write.record`` (hash a password) or fill ``write.response``."""

    def created(self, state: ServerState, ident: int, record: Any) -> None:
        """After a successful create."""

    def updated(self, state: ServerState, ident: int, record: Any, old: Any) -> None:
        """After a successful update."""

    def destroyed(self, state: ServerState, ident: int, record: Any) -> None:
        """After a successful destroy."""


def wanted(state_wanted: set[str] | None, name: str) -> bool:
    """Whether a computed property is requested (all are when no list was given)."""
    return not state_wanted or name in state_wanted


def tenant_keys(record: Any, keys: IndexKeys) -> None:
    """The ``memberTenantId`` filter key and the reference to the tenant, when there is one."""
    tenant = record.get("memberTenantId")
    if tenant is not None:
        keys.search.append(("memberTenantId", tenant))
        keys.refs.append(("Tenant", tenant, None))

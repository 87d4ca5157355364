"""Everything one emulated Stalwart server holds, and how it is saved and restored.

Besides the registry this keeps the pending DKIM generations (domain id -> wall-clock due
time), a per-install seed that makes generated key material a pure function of the state, the
snowflake sequence and the admin credentials (token digest, password hash). Pending DKIM work
is carried out lazily, at the start of every request, so a restored sandbox produces exactly
the keys it would have produced without the restart.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from dezkysync.sandbox.stalwart.dkim import (
    generate_private_key,
    public_key,
    selector_from_template,
)
from dezkysync.sandbox.stalwart.ids import snowflake
from dezkysync.sandbox.stalwart.objects import KINDS, SINGLETON_KEY
from dezkysync.sandbox.stalwart.schema import Variant
from dezkysync.sandbox.stalwart.store import IndexKeys, Registry
from dezkysync.sandbox.stalwart.zonefile import ServerNames, build_zone_file

SNAPSHOT_VERSION = 1


def iso(timestamp: float) -> str:
    """``2026-07-08T20:45:29Z``."""
    return datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _index_keys(kind: str, record: Any) -> IndexKeys:
    return KINDS[kind].index_keys(record)


class ServerState:
    """Registry, DKIM scheduler and credentials of one emulated server."""

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        names: ServerNames,
        dkim_delay: float,
    ) -> None:
        self.clock = clock
        self.names = names
        self.dkim_delay = dkim_delay
        self.registry = Registry(_index_keys, KINDS)
        self.registry.insert(
            "SystemSettings",
            SINGLETON_KEY,
            KINDS["SystemSettings"].spec.freeze(KINDS["SystemSettings"].new()),
        )
        self.dkim_due: dict[int, float] = {}
        self.install_seed = secrets.token_hex(16)
        self.sequence = 0
        self.admin_token_digest = ""
        self.admin_password_hash = ""

    # -- time -----------------------------------------------------------------------------
    def now(self) -> float:
        return self.clock()

    def utc_now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def iso_now(self) -> str:
        return iso(self.clock())

    def next_snowflake(self) -> int:
        self.sequence += 1
        return snowflake(self.clock(), self.sequence)

    # -- lookups --------------------------------------------------------------------------
    def domain_name(self, domain_id: int | None) -> str:
        record = self.registry.get("Domain", domain_id) if domain_id is not None else None
        return str(record["name"]) if record else ""

    def domain_by_name(self, name: str) -> int | None:
        for index in ("name", "aliases"):
            owner = self.registry.owner(("Domain", index, name))
            if owner is not None:
                return owner[1]
        return None

    def default_domain_id(self) -> int | None:
        settings = self.registry.get("SystemSettings", SINGLETON_KEY)
        value = settings.get("defaultDomainId") if settings else None
        return value if isinstance(value, int) else None

    def find_login(self, username: str) -> tuple[int, dict[str, Any], bool] | None:
        """The User account a login name (``local@domain`` or a bare local part) names, and
        whether the name is one of its aliases rather than its own address."""
        local, at, domain = username.rpartition("@")
        if not at:
            local = username
            default = self.default_domain_id()
            if default is None:
                return None
            domain_id: int | None = default
        else:
            domain_id = self.domain_by_name(domain)
        if domain_id is None:
            return None
        owner = self.registry.owner((None, "email", (local, domain_id)))
        if owner is None or owner[0] != "Account":
            return None
        record = self.registry.get("Account", owner[1])
        if record is None or record["@type"] != "User":
            return None
        via_alias = (record["name"], record["domainId"]) != (local, domain_id)
        return owner[1], record, via_alias

    # -- DKIM -----------------------------------------------------------------------------
    def schedule_dkim(self, domain_id: int) -> None:
        """Generate the domain's DKIM keys ``dkim_delay`` seconds from now."""
        self.dkim_due[domain_id] = self.clock() + self.dkim_delay

    def cancel_dkim(self, domain_id: int) -> None:
        self.dkim_due.pop(domain_id, None)

    def run_due_tasks(self) -> None:
        """Carry out the DKIM generations whose time has come."""
        if not self.dkim_due:
            return
        now = self.clock()
        for domain_id, due in sorted(self.dkim_due.items(), key=lambda item: item[1]):
            if due <= now:
                del self.dkim_due[domain_id]
                self._generate_dkim(domain_id, due)

    def _generate_dkim(self, domain_id: int, due: float) -> None:
        domain = self.registry.get("Domain", domain_id)
        if domain is None or domain["dkimManagement"]["@type"] != "Automatic":
            return
        management = domain["dkimManagement"]
        spec = KINDS["DkimSignature"].spec
        assert isinstance(spec, Variant)
        keys = self.registry.objects["DkimSignature"]
        existing = {
            keys[ident]["@type"]
            for ident in self.registry.find("DkimSignature", "domainId", domain_id)
            if keys[ident]["stage"] == "active"
        }
        when = datetime.fromtimestamp(due, UTC)
        for position, algorithm in enumerate(management["algorithms"]):
            if algorithm in existing:
                continue
            seed = hashlib.sha256(
                f"{self.install_seed}:{domain_id}:{algorithm}:{due!r}".encode()
            ).digest()
            try:
                selector = selector_from_template(
                    management["selectorTemplate"], algorithm, when, seed
                )
            except ValueError:
                continue
            record = spec.new(algorithm)
            record.update(
                {
                    "privateKey": {
                        "@type": "Text",
                        "secret": generate_private_key(algorithm, seed),
                    },
                    "domainId": domain_id,
                    "selector": selector,
                    "createdAt": iso(due),
                    "stage": "active",
                }
            )
            ident = snowflake(due, domain_id * 4 + position)
            while self.registry.get("DkimSignature", ident) is not None:
                ident += 1 << 9
            self.registry.insert("DkimSignature", ident, spec.freeze(record))

    def zone_file(self, domain_id: int, record: dict[str, Any]) -> str:
        """The domain's ``dnsZoneFile``."""
        keys: list[tuple[str, str, str]] = []
        for ident in sorted(self.registry.find("DkimSignature", "domainId", domain_id)):
            key = self.registry.get("DkimSignature", ident)
            if key is None or key["stage"] == "retired":
                continue
            public = public_key(key["@type"], key["privateKey"]["secret"])
            if public is not None:
                keys.append((key["selector"], key["@type"], public))
        return build_zone_file(record["name"], record, keys, self.names)

    # -- persistence ----------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return {
            "version": SNAPSHOT_VERSION,
            "install_seed": self.install_seed,
            "sequence": self.sequence,
            "admin_token_sha256": self.admin_token_digest,
            "admin_password_hash": self.admin_password_hash,
            "counters": dict(self.registry.counters),
            "objects": {
                kind: {str(ident): record for ident, record in objects.items()}
                for kind, objects in self.registry.objects.items()
            },
            "dkim_due": {str(domain_id): due for domain_id, due in self.dkim_due.items()},
        }

    def restore(self, data: dict[str, Any]) -> None:
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported stalwart state version {data.get('version')!r}")
        objects = {
            kind: {int(ident): record for ident, record in data["objects"].get(kind, {}).items()}
            for kind in KINDS
        }
        counters = {kind: int(data["counters"].get(kind, 0)) for kind in KINDS}
        if SINGLETON_KEY not in objects["SystemSettings"]:
            raise ValueError("state has no SystemSettings")
        self.install_seed = str(data["install_seed"])
        self.sequence = int(data["sequence"])
        self.admin_token_digest = str(data["admin_token_sha256"])
        self.admin_password_hash = str(data.get("admin_password_hash") or "")
        self.dkim_due = {int(key): float(due) for key, due in data["dkim_due"].items()}
        self.registry.objects = objects
        self.registry.counters = counters
        self.registry.rebuild()

"""A tenant's canonical desired state (``Tenant.canonical()``) read back into a
:class:`~dezkysync.tenants.model.Tenant`, strictly: an applied record is data from a service,
so every key is checked for presence and type before it is trusted."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from dezkysync.tenants.model import (
    DESIRED_HASH_FORMAT,
    Dmarc,
    DmarcPolicy,
    Domain,
    MailingList,
    Member,
    MemberState,
    Role,
    Tenant,
    TenantState,
)


def canonical_hash(canonical: Mapping[str, Any]) -> str:
    """The :meth:`Tenant.desired_hash` of a canonical form, without building the tenant."""
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _field(data: Mapping[str, Any], key: str, kinds: tuple[type, ...], where: str) -> Any:
    if key not in data:
        raise ValueError(f"{where}: '{key}' is missing")
    value = data[key]
    if isinstance(value, bool) and bool not in kinds:
        raise ValueError(f"{where}: '{key}' has the wrong type")
    if not isinstance(value, kinds):
        raise ValueError(f"{where}: '{key}' has the wrong type")
    return value


def _choice(data: Mapping[str, Any], key: str, allowed: tuple[str, ...], where: str) -> str:
    value = _field(data, key, (str,), where)
    if value not in allowed:
        raise ValueError(f"{where}: '{key}' is not one of {', '.join(allowed)}")
    return cast(str, value)


def _optional(data: Mapping[str, Any], key: str, kinds: tuple[type, ...], where: str) -> Any:
    return _field(data, key, (*kinds, type(None)), where)


def _strings(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    items = _field(data, key, (list,), where)
    if not all(isinstance(item, str) for item in items):
        raise ValueError(f"{where}: '{key}' holds something that is not text")
    return tuple(items)


def _mappings(data: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
    items = _field(data, key, (list,), where)
    if not all(isinstance(item, Mapping) for item in items):
        raise ValueError(f"{where}: '{key}' holds something that is not a mapping")
    return cast(list[Mapping[str, Any]], items)


def tenant_from_canonical(data: Mapping[str, Any], *, source: Path | None = None) -> Tenant:
    """The tenant whose :meth:`Tenant.canonical` form is ``data`` (as an applied record stores
    it); ``source`` stands in for the tenant file. Raises ``ValueError`` naming the first key
    that is missing or of the wrong type, and for a canonical form of another
    :data:`~dezkysync.tenants.model.DESIRED_HASH_FORMAT`."""
    if not isinstance(data, Mapping):
        raise ValueError("the desired state is not a mapping")
    version = _field(data, "format", (int,), "desired state")
    if version != DESIRED_HASH_FORMAT:
        raise ValueError(
            f"desired state of format {version}, this dezkysync reads format {DESIRED_HASH_FORMAT}"
        )
    slug = _field(data, "slug", (str,), "desired state")
    where = f"desired state of {slug}"
    domains = []
    for n, raw in enumerate(_mappings(data, "domains", where)):
        spot = f"{where}: domains[{n}]"
        dmarc_raw = _optional(raw, "dmarc", (Mapping,), spot)
        dmarc = None
        if dmarc_raw is not None:
            dmarc = Dmarc(
                policy=cast(
                    DmarcPolicy,
                    _choice(dmarc_raw, "policy", ("none", "quarantine", "reject"), spot),
                ),
                rua=_optional(dmarc_raw, "rua", (str,), spot),
                ruf=_optional(dmarc_raw, "ruf", (str,), spot),
                pct=_optional(dmarc_raw, "pct", (int,), spot),
            )
        domains.append(
            Domain(
                name=_field(raw, "name", (str,), spot),
                primary=_field(raw, "primary", (bool,), spot),
                dmarc=dmarc,
            )
        )
    members = []
    for n, raw in enumerate(_mappings(data, "members", where)):
        spot = f"{where}: members[{n}]"
        members.append(
            Member(
                email=_field(raw, "email", (str,), spot),
                name=_optional(raw, "name", (str,), spot),
                role=cast(Role, _choice(raw, "role", ("admin", "member"), spot)),
                aliases=tuple(sorted(_strings(raw, "aliases", spot))),
                quota=_optional(raw, "quota", (int,), spot),
                state=cast(MemberState, _choice(raw, "state", ("active", "suspended"), spot)),
                guest=_field(raw, "guest", (bool,), spot),
            )
        )
    lists = []
    for n, raw in enumerate(_mappings(data, "lists", where)):
        spot = f"{where}: lists[{n}]"
        lists.append(
            MailingList(
                email=_field(raw, "email", (str,), spot),
                name=_optional(raw, "name", (str,), spot),
                recipients=tuple(sorted(_strings(raw, "recipients", spot))),
            )
        )
    return Tenant(
        slug=slug,
        name=_field(data, "name", (str,), where),
        state=cast(TenantState, _choice(data, "state", ("present", "absent"), where)),
        domains=tuple(domains),
        members=tuple(members),
        lists=tuple(lists),
        source=source if source is not None else Path(f"<desired state of {slug}>"),
    )


__all__ = ["canonical_hash", "tenant_from_canonical"]

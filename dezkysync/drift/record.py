"""The applied record: what ``apply`` leaves behind for each tenant it applied successfully.

It lives in the service's own metadata, beside the ownership marker of the tenant's members
group in authentik::

    attributes["dezkysync"] = {
        "managed": true, "tenant": "acme", "role": "members",      # the marker, kept as is
        "applied": {
            "format": 1,
            "desired_hash": "<sha256 of the canonical desired state>",
            "desired": {...},                 # Tenant.canonical(): no secret, no file layout
            "applied_at": "2026-11-26T12:00:00Z",
            "git_commit": "<commit of the tenant files>" | null,
            "dezkysync_version": "0.1.0",
        },
    }

``drift`` compares the live state with ``desired`` (drift) and the tenant file with it
(pending). The record is written only after every change of the tenant succeeded, and it is
not rewritten while the desired state stays the same (``applied_at`` and ``git_commit`` say
when and from which commit that desired state was first applied).

Reading costs one paginated listing of the groups (``GET /core/groups/``), because the live
model keeps only the parsed marker of each group, not its attributes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dezkysync import __version__
from dezkysync.drift.canonical import canonical_hash, tenant_from_canonical
from dezkysync.http import ServiceClient
from dezkysync.services.authentik import GROUPS_PATH, AuthentikClient
from dezkysync.services.ownership import MARKER_KEY, group_name, read_authentik_marker
from dezkysync.tenants.model import Tenant

#: The key of the record inside ``attributes["dezkysync"]``.
RECORD_KEY = "applied"
#: Bumped when the record's layout changes meaning.
RECORD_FORMAT = 1
#: How the groups are listed to read the records (attributes come with every group).
GROUP_LISTING: Mapping[str, str] = {"ordering": "pk", "include_users": "false"}


class RecordRefused(Exception):
    """The record cannot be written on that group (not the tenant's members group)."""


@dataclass(frozen=True)
class AppliedRecord:
    """One tenant's record, read back and checked (hash and layout)."""

    tenant: str
    group_pk: str
    group_name: str
    desired: Mapping[str, Any]
    desired_hash: str
    applied_at: str | None
    git_commit: str | None
    dezkysync_version: str | None

    def desired_tenant(self) -> Tenant:
        """The desired state that was applied, as a :class:`Tenant`."""
        return tenant_from_canonical(
            self.desired, source=Path(f"<applied record of {self.tenant}>")
        )


@dataclass(frozen=True)
class AppliedRecords:
    """Every record found, by tenant slug, and the records that could not be read."""

    records: Mapping[str, AppliedRecord] = field(default_factory=dict)
    problems: Mapping[str, str] = field(default_factory=dict)  # slug -> why unreadable

    def get(self, slug: str) -> AppliedRecord | None:
        """The record of ``slug``, if there is a readable one."""
        return self.records.get(slug)


@dataclass(frozen=True)
class WriteResult:
    """What :func:`write_applied_records` did, per tenant slug."""

    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    no_group: tuple[str, ...] = ()  # no members group marked for the tenant was found


# -- building -----------------------------------------------------------------------------------


def build_applied_record(
    tenant: Tenant, *, git_commit: str | None, now: datetime
) -> dict[str, Any]:
    """The record ``apply`` writes once every change of ``tenant`` succeeded.

    ``now`` must carry a time zone (it is stored in UTC, to the second).
    """
    if now.tzinfo is None:
        raise ValueError("the time of an applied record needs a time zone")
    stamp = now.astimezone(UTC).replace(microsecond=0)
    return {
        "format": RECORD_FORMAT,
        "desired_hash": tenant.desired_hash(),
        "desired": tenant.canonical(),
        "applied_at": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_commit": git_commit,
        "dezkysync_version": __version__,
    }


# -- writing ------------------------------------------------------------------------------------


def write_applied_record(
    authentik: AuthentikClient | ServiceClient, group_pk: str, record: Mapping[str, Any]
) -> bool:
    """Store ``record`` on the members group ``group_pk`` of its tenant.

    Reads the group, then PATCHes its ``attributes`` with the record added under
    ``attributes["dezkysync"]["applied"]`` (every other attribute and marker key kept).
    Idempotent: nothing is written when the group already records the same desired state.
    Returns whether a write was made. Raises :class:`RecordRefused` when the group is not the
    members group marked for the record's tenant, and :class:`dezkysync.http.ServiceError` when
    a call fails.
    """
    http = authentik.http if isinstance(authentik, AuthentikClient) else authentik
    path = f"{GROUPS_PATH}{group_pk}/"
    group = http.get_json(path, params={"include_users": "false"})
    if not isinstance(group, dict):
        raise http.fail("GET", path, "the group is not a JSON object")
    return _store(http, group_pk, group, record)


def write_applied_records(
    authentik: AuthentikClient, records: Mapping[str, Mapping[str, Any]]
) -> WriteResult:
    """Store several tenants' records (slug -> record) with one listing of the groups and one
    PATCH per record that changed. Tenants without a members group are reported, not raised."""
    groups = authentik.list_all(GROUPS_PATH, GROUP_LISTING)
    written: list[str] = []
    unchanged: list[str] = []
    missing: list[str] = []
    for slug, record in sorted(records.items()):
        _check_record(record, slug)
        group = members_group(groups, slug)
        if group is None:
            missing.append(slug)
            continue
        if _store(authentik.http, str(group["pk"]), group, record):
            written.append(slug)
        else:
            unchanged.append(slug)
    return WriteResult(tuple(written), tuple(unchanged), tuple(missing))


def _check_record(record: Mapping[str, Any], slug: str | None = None) -> str:
    desired = record.get("desired")
    tenant = desired.get("slug") if isinstance(desired, Mapping) else None
    if record.get("format") != RECORD_FORMAT or not isinstance(tenant, str):
        raise ValueError("not an applied record (build it with build_applied_record)")
    if slug is not None and tenant != slug:
        raise ValueError(f"the record of tenant '{tenant}' was given for tenant '{slug}'")
    return tenant


def _store(
    http: ServiceClient, group_pk: str, group: Mapping[str, Any], record: Mapping[str, Any]
) -> bool:
    tenant = _check_record(record)
    attributes = group.get("attributes")
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, Mapping):
        raise RecordRefused(f"the group {group_pk} has no attributes mapping")
    owner = read_authentik_marker(attributes, group=True)
    if owner is None or owner.problem or owner.tenant != tenant or owner.role != "members":
        raise RecordRefused(
            f"the group {group.get('name', group_pk)} is not the members group marked for "
            f"tenant '{tenant}'; the applied record is kept only there"
        )
    marker = attributes[MARKER_KEY]
    current = marker.get(RECORD_KEY)
    if (
        isinstance(current, Mapping)
        and current.get("format") == record.get("format")
        and current.get("desired_hash") == record.get("desired_hash")
        and current.get("desired") == record.get("desired")
    ):
        return False
    merged = {**attributes, MARKER_KEY: {**marker, RECORD_KEY: dict(record)}}
    http.send_json(
        "PATCH",
        f"{GROUPS_PATH}{group_pk}/",
        {"attributes": merged},
        idempotent=True,
        accept=(200,),
    )
    return True


# -- reading ------------------------------------------------------------------------------------


def read_applied_records(authentik: AuthentikClient) -> AppliedRecords:
    """Every tenant's record, from one paginated listing of the groups (complete, or a
    :class:`dezkysync.http.ServiceError`)."""
    return records_from_groups(authentik.list_all(GROUPS_PATH, GROUP_LISTING))


def records_from_groups(groups: Iterable[Mapping[str, Any]]) -> AppliedRecords:
    """The records carried by raw authentik groups (as the groups API returns them)."""
    listed = list(groups)
    slugs: set[str] = set()
    for raw in listed:
        owner = read_authentik_marker(raw.get("attributes"), group=True)
        if owner is not None and not owner.problem and owner.role == "members":
            slugs.add(owner.tenant)
    records: dict[str, AppliedRecord] = {}
    problems: dict[str, str] = {}
    for slug in sorted(slugs):
        group = members_group(listed, slug)
        assert group is not None
        marker = group["attributes"][MARKER_KEY]
        if RECORD_KEY not in marker:
            continue
        try:
            records[slug] = _parse(slug, group, marker[RECORD_KEY])
        except ValueError as exc:
            problems[slug] = f"the applied record on group {group.get('name')} is unusable: {exc}"
    return AppliedRecords(records=records, problems=problems)


def members_group(groups: Iterable[Mapping[str, Any]], slug: str) -> Mapping[str, Any] | None:
    """The members group of ``slug`` as the plan picks it: marked for the tenant with role
    ``members``, the one named ``tenant-<slug>`` first, else the first by name."""
    candidates = []
    for group in groups:
        owner = read_authentik_marker(group.get("attributes"), group=True)
        if owner is None or owner.problem or owner.tenant != slug or owner.role != "members":
            continue
        candidates.append(group)
    if not candidates:
        return None
    wanted = group_name(slug, "members")
    named = [g for g in candidates if g.get("name") == wanted]
    if named:
        return named[0]
    return sorted(candidates, key=lambda g: str(g.get("name")))[0]


def _parse(slug: str, group: Mapping[str, Any], raw: Any) -> AppliedRecord:
    if not isinstance(raw, Mapping):
        raise ValueError("it is not a mapping")
    if raw.get("format") != RECORD_FORMAT:
        raise ValueError(f"format {raw.get('format')!r}, this dezkysync reads {RECORD_FORMAT}")
    desired = raw.get("desired")
    if not isinstance(desired, Mapping):
        raise ValueError("it holds no desired state")
    stated = raw.get("desired_hash")
    if not isinstance(stated, str) or stated != canonical_hash(desired):
        raise ValueError("its desired_hash does not match its desired state")
    if desired.get("slug") != slug:
        raise ValueError(f"it describes tenant {desired.get('slug')!r}")
    tenant_from_canonical(desired)  # every key present and typed
    return AppliedRecord(
        tenant=slug,
        group_pk=str(group.get("pk")),
        group_name=str(group.get("name")),
        desired=desired,
        desired_hash=stated,
        applied_at=_text(raw.get("applied_at")),
        git_commit=_text(raw.get("git_commit")),
        dezkysync_version=_text(raw.get("dezkysync_version")),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


__all__ = [
    "RECORD_FORMAT",
    "RECORD_KEY",
    "AppliedRecord",
    "AppliedRecords",
    "RecordRefused",
    "WriteResult",
    "build_applied_record",
    "members_group",
    "read_applied_records",
    "records_from_groups",
    "write_applied_record",
    "write_applied_records",
]

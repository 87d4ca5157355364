"""Reading one schema-checked document into draft entries: normalised, with their positions.

A draft keeps whatever could be understood even when other parts of the file are wrong, so the
cross-file rules can still run and every error of a run is reported at once. Values the schema
refused are left out (``None``) rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dezkysync.public_suffix import mail_server_accepts_tld
from dezkysync.tenants.addresses import AddressError, normalize_domain, normalize_email
from dezkysync.tenants.errors import ValidationError
from dezkysync.tenants.model import Dmarc, SourceSpot
from dezkysync.tenants.quota import QuotaError, parse_quota
from dezkysync.tenants.schema import SchemaResult
from dezkysync.tenants.yamlfile import DocPath, Document

_ABSENT = object()


@dataclass
class DomainDraft:
    """A ``domains[i]`` entry."""

    path: DocPath
    spot: SourceSpot
    name: str | None  # normalised; None when unusable
    primary: bool = False
    primary_known: bool = True  # False when 'primary' was written but unusable
    dmarc: Dmarc | None = None


@dataclass
class AddressDraft:
    """An address written at ``path`` (an alias, a list recipient)."""

    path: DocPath
    address: str


@dataclass
class MemberDraft:
    """A ``members[i]`` entry; ``stated`` names the keys the entry wrote out."""

    path: DocPath
    spot: SourceSpot
    email: str | None
    stated: frozenset[str]
    name: str | None = None
    role: str = "member"
    aliases: list[AddressDraft] = field(default_factory=list)
    quota: int | None = None
    state: str = "active"
    guest: bool = False  # decided by the cross-file rules

    def domain_of(self) -> str:
        """The domain of the member's address ("" when the address was unusable)."""
        return (self.email or "").rpartition("@")[2]


@dataclass
class ListDraft:
    """A ``lists[i]`` entry."""

    path: DocPath
    spot: SourceSpot
    email: str | None
    name: str | None = None
    recipients: list[AddressDraft] = field(default_factory=list)


@dataclass
class TenantDraft:
    """One tenant file as far as it could be understood."""

    document: Document
    source: Path
    slug: str | None
    name: str | None
    state: str
    domains: list[DomainDraft]
    members: list[MemberDraft]
    lists: list[ListDraft]
    complete: bool  # every domain, member and list entry's key field was understood

    def spot(self, path: DocPath) -> SourceSpot:
        """Where the value at ``path`` was written."""
        info = self.document.value_at(path)
        return SourceSpot(self.document.file, info.line, info.column)

    def error(self, path: DocPath, message: str, *, at_key: bool = False) -> ValidationError:
        """An error at the value (or key) ``path`` points to."""
        return self.document.error(path, message, at_key=at_key)


class _Reader:
    def __init__(self, document: Document, schema: SchemaResult) -> None:
        self.document = document
        self.schema = schema
        self.errors: list[ValidationError] = []

    def get(self, path: DocPath, kind: type | tuple[type, ...]) -> Any:
        """The value at ``path`` if present, schema-valid and of ``kind``; else ``_ABSENT``."""
        value: Any = self.document.data
        for part in path:
            if isinstance(part, int):
                if not isinstance(value, list) or part >= len(value):
                    return _ABSENT
            elif not isinstance(value, dict) or part not in value:
                return _ABSENT
            value = value[part]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not self.schema.usable(path) or not isinstance(value, kinds):
            return _ABSENT
        if isinstance(value, bool) and bool not in kinds:
            return _ABSENT  # YAML's true/false are ints to Python; never a number here
        return value

    def opt(self, path: DocPath, kind: type | tuple[type, ...], default: Any = None) -> Any:
        value = self.get(path, kind)
        return default if value is _ABSENT else value

    def entries(self, key: str) -> list[tuple[DocPath, dict[str, Any]]]:
        items = self.opt((key,), list, [])
        return [((key, i), item) for i, item in enumerate(items) if isinstance(item, dict)]

    def understood(self, key: str) -> bool:
        """Whether every entry of the list under ``key`` is a mapping (or the key is absent)."""
        items = self.document.data.get(key, [])
        return isinstance(items, list) and all(isinstance(item, dict) for item in items)

    def spot(self, path: DocPath) -> SourceSpot:
        info = self.document.value_at(path)
        return SourceSpot(self.document.file, info.line, info.column)

    def fail(self, path: DocPath, message: str) -> None:
        self.errors.append(self.document.error(path, message))

    def address(self, path: DocPath, *, external: bool = False) -> str | None:
        text = self.get(path, str)
        if text is _ABSENT:
            return None
        try:
            return normalize_email(text, external=external)
        except AddressError as exc:
            self.fail(path, str(exc))
            return None


def read_tenant(
    document: Document, schema: SchemaResult, source: Path
) -> tuple[TenantDraft, list[ValidationError]]:
    """A draft of one tenant file plus the per-entry errors (addresses, quotas, DMARC)."""
    reader = _Reader(document, schema)
    domains = [_read_domain(reader, path, item) for path, item in reader.entries("domains")]
    members = [_read_member(reader, path, item) for path, item in reader.entries("members")]
    lists = [_read_list(reader, path) for path, _item in reader.entries("lists")]
    complete = (
        all(reader.understood(key) for key in ("domains", "members", "lists"))
        and all(domain.name is not None for domain in domains)
        and all(member.email is not None for member in members)
        and all(mailing_list.email is not None for mailing_list in lists)
    )
    draft = TenantDraft(
        document=document,
        source=source,
        slug=reader.opt(("tenant",), str),
        name=reader.opt(("name",), str),
        state=reader.opt(("state",), str, "present"),
        domains=domains,
        members=members,
        lists=lists,
        complete=complete,
    )
    return draft, reader.errors


def _read_domain(reader: _Reader, path: DocPath, item: dict[str, Any]) -> DomainDraft:
    name: str | None = None
    raw = reader.get((*path, "name"), str)
    if raw is not _ABSENT:
        try:
            name = normalize_domain(raw)
        except AddressError as exc:
            reader.fail((*path, "name"), str(exc))
        else:
            if not mail_server_accepts_tld(name):
                reader.fail(
                    (*path, "name"),
                    f"domain {raw!r}: the mail server refuses domains whose top-level domain "
                    f"{name.rsplit('.', 1)[-1]!r} is neither on the Public Suffix List nor "
                    "reserved (test, local, internal, ...); check the spelling",
                )
                name = None
    dmarc: Dmarc | None = None
    policy = reader.get((*path, "dmarc", "policy"), str)
    if policy is not _ABSENT and reader.schema.usable((*path, "dmarc")):
        rua = reader.opt((*path, "dmarc", "rua"), str)
        ruf = reader.opt((*path, "dmarc", "ruf"), str)
        for key, uris in (("rua", rua), ("ruf", ruf)):
            if uris is not None:
                _check_report_uris(reader, (*path, "dmarc", key), uris)
        dmarc = Dmarc(
            policy=policy,
            rua=rua,
            ruf=ruf,
            pct=reader.opt((*path, "dmarc", "pct"), int),
        )
    return DomainDraft(
        path=path,
        spot=reader.spot(path),
        name=name,
        primary=reader.opt((*path, "primary"), bool, False),
        primary_known="primary" not in item or reader.get((*path, "primary"), bool) is not _ABSENT,
        dmarc=dmarc,
    )


def _check_report_uris(reader: _Reader, path: DocPath, uris: str) -> None:
    for uri in uris.split(","):
        try:
            normalize_email(uri.removeprefix("mailto:"), external=True)
        except AddressError as exc:
            reader.fail(path, f"report address: {exc}")


def _read_member(reader: _Reader, path: DocPath, item: dict[str, Any]) -> MemberDraft:
    aliases = []
    for i, _alias in enumerate(reader.opt((*path, "aliases"), list, [])):
        address = reader.address((*path, "aliases", i))
        if address is not None:
            aliases.append(AddressDraft((*path, "aliases", i), address))
    quota: int | None = None
    raw_quota = reader.get((*path, "quota"), (int, str))
    if raw_quota is not _ABSENT:
        try:
            quota = parse_quota(raw_quota)
        except QuotaError as exc:
            reader.fail((*path, "quota"), str(exc))
    return MemberDraft(
        path=path,
        spot=reader.spot(path),
        email=reader.address((*path, "email")),
        stated=frozenset(item),
        name=reader.opt((*path, "name"), str),
        role=reader.opt((*path, "role"), str, "member"),
        aliases=aliases,
        quota=quota,
        state=reader.opt((*path, "state"), str, "active"),
    )


def _read_list(reader: _Reader, path: DocPath) -> ListDraft:
    recipients = []
    for i, _recipient in enumerate(reader.opt((*path, "recipients"), list, [])):
        address = reader.address((*path, "recipients", i), external=True)
        if address is not None:
            recipients.append(AddressDraft((*path, "recipients", i), address))
    return ListDraft(
        path=path,
        spot=reader.spot(path),
        email=reader.address((*path, "email")),
        name=reader.opt((*path, "name"), str),
        recipients=recipients,
    )

"""``x:Account``: users (mailboxes) and groups.

Credentials follow ``validate_account`` in Stalwart's ``mapping/principal.rs``: on create
every credential must be a Password (AppPassword/ApiKey: "Secondary credentials cannot be set
directly."), only the first may be one ("Only one password credential is allowed."), each is
strength-checked and hashed, and gets ``credentialId`` = its index. On update a changed
secret is checked and hashed again, ``"****"`` keeps the old secret, and new credentials get
ids after the highest existing one. The account type never changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dezkysync.sandbox.stalwart.errors import SetFailure, set_error
from dezkysync.sandbox.stalwart.objects.base import FilterSpec, Kind, Write, tenant_keys, wanted
from dezkysync.sandbox.stalwart.objects.common import (
    ALIASES,
    LOCAL_PART,
    LOCALE,
    PERMISSIONS,
    QUOTAS,
    TIME_ZONE,
    address_keys,
    text_tokens,
)
from dezkysync.sandbox.stalwart.schema import (
    MASKED,
    DateTime,
    Field,
    IdItem,
    IdRef,
    ListOf,
    NetworkItem,
    Opt,
    SetOf,
    Spec,
    Str,
    Struct,
    Variant,
)
from dezkysync.sandbox.stalwart.secrets_store import hash_secret, is_password_hash
from dezkysync.sandbox.stalwart.store import IndexKeys
from dezkysync.sandbox.stalwart.strength import password_problem

if TYPE_CHECKING:
    from dezkysync.sandbox.stalwart.state import ServerState

_COMPUTED = {
    "id": Field(Spec(), server_set=True, virtual=True),
    "emailAddress": Field(Spec(), server_set=True, virtual=True),
    "usedDiskQuota": Field(Spec(), server_set=True, virtual=True),
}

PASSWORD = Struct(
    "PasswordCredential",
    {
        "credentialId": Field(IdRef("Credential"), server_set=True),
        "secret": Field(Str(secret=True)),
        "otpAuth": Field(Opt(Str(secret=True)), omit_if_null=True),
        "expiresAt": Field(Opt(DateTime())),
        "allowedIps": Field(SetOf(NetworkItem())),
    },
    required=("secret",),
)
SECONDARY = Struct(
    "SecondaryCredential",
    {
        "credentialId": Field(IdRef("Credential"), server_set=True),
        "description": Field(Opt(Str())),
        "secret": Field(Str(secret=True), server_set=True),
        "expiresAt": Field(Opt(DateTime())),
        "allowedIps": Field(SetOf(NetworkItem())),
    },
)
CREDENTIAL = Variant(
    "Credential", {"Password": PASSWORD, "AppPassword": SECONDARY, "ApiKey": SECONDARY}, "Password"
)
USER_ROLES = Variant(
    "UserRoles",
    {
        "User": Struct("UserRole", {}),
        "Admin": Struct("AdminRole", {}),
        "Custom": Struct("CustomRoles", {"roleIds": Field(SetOf(IdItem()))}),
    },
    "User",
)
GROUP_ROLES = Variant(
    "GroupRoles",
    {
        "Default": Struct("DefaultRole", {}),
        "Custom": Struct("CustomRoles", {"roleIds": Field(SetOf(IdItem()))}),
    },
    "Default",
)
ENCRYPTION = Variant("EncryptionAtRest", {"Disabled": Struct("Disabled", {})}, "Disabled")

USER = Struct(
    "UserAccount",
    {
        "name": Field(Str(validators=(LOCAL_PART,))),
        "domainId": Field(IdRef("Domain")),
        "credentials": Field(ListOf(CREDENTIAL)),
        "createdAt": Field(DateTime(), server_set=True),
        "memberGroupIds": Field(SetOf(IdItem())),
        "memberTenantId": Field(Opt(IdRef("Tenant")), tenant=True),
        "roles": Field(USER_ROLES),
        "permissions": Field(PERMISSIONS),
        "quotas": Field(QUOTAS),
        "aliases": Field(ALIASES),
        "description": Field(Opt(Str())),
        "locale": Field(LOCALE),
        "timeZone": Field(Opt(TIME_ZONE)),
        "encryptionAtRest": Field(ENCRYPTION),
        **_COMPUTED,
    },
    required=("name", "domainId"),
)
GROUP = Struct(
    "GroupAccount",
    {
        "name": Field(Str(validators=(LOCAL_PART,))),
        "domainId": Field(IdRef("Domain")),
        "createdAt": Field(DateTime(), server_set=True),
        "memberTenantId": Field(Opt(IdRef("Tenant")), tenant=True),
        "roles": Field(GROUP_ROLES),
        "permissions": Field(PERMISSIONS),
        "quotas": Field(QUOTAS),
        "aliases": Field(ALIASES),
        "description": Field(Opt(Str())),
        "locale": Field(LOCALE),
        "timeZone": Field(Opt(TIME_ZONE)),
        **_COMPUTED,
    },
    required=("name", "domainId"),
)


class AccountKind(Kind):
    """``x:Account`` (``@type`` User or Group)."""

    name = "Account"
    spec = Variant("Account", {"User": USER, "Group": GROUP}, "User")
    filters = {  # noqa: RUF012
        "name": FilterSpec("name", "keyword"),
        "domainId": FilterSpec("domainId", "id"),
        "@type": FilterSpec("@type", "enum"),
        "memberGroupIds": FilterSpec("memberGroupIds", "id"),
        "memberTenantId": FilterSpec("memberTenantId", "id"),
        "text": FilterSpec("text", "text"),
    }
    sortable = {"name": "name", "domainId": "domainId", "@type": "@type"}  # noqa: RUF012

    def index_keys(self, record: Any) -> IndexKeys:
        keys = IndexKeys()
        keys.search.append(("@type", record["@type"]))
        keys.search.append(("name", record["name"]))
        if record.get("domainId") is not None:
            keys.search.append(("domainId", record["domainId"]))
        for group_id in record.get("memberGroupIds", []):
            keys.search.append(("memberGroupIds", group_id))
            keys.refs.append(("Account", group_id, "Group"))
        tenant_keys(record, keys)
        roles = record.get("roles") or {}
        for role_id in roles.get("roleIds", []):
            keys.refs.append(("Role", role_id, None))
        keys.search.extend(("text", word) for word in text_tokens(record))
        address_keys(record, keys)
        return keys

    def sort_value(self, index: str, value: Any) -> Any:
        # The type is indexed as its variant number: User (0) before Group (1).
        return ("User", "Group").index(value) if index == "@type" else value

    def missing(self, record: Any) -> list[str]:
        found = super().missing(record)
        for name, domain_id in _alias_pairs(record):
            if not name:
                found.append("name")
            if domain_id is None:
                found.append("domainId")
        credentials = record.get("credentials") or []
        entries = credentials.values() if isinstance(credentials, dict) else credentials
        for credential in entries:
            if credential["@type"] == "Password" and not credential.get("secret"):
                found.append("secret")
        return found

    def extras(
        self, state: ServerState, ident: int, record: Any, asked: set[str] | None
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if wanted(asked, "usedDiskQuota"):
            out["usedDiskQuota"] = 0
        if wanted(asked, "emailAddress"):
            out["emailAddress"] = f"{record['name']}@{state.domain_name(record['domainId'])}"
        return out

    def prepare(self, state: ServerState, write: Write) -> None:
        record, old = write.record, write.old
        if old is not None and old["@type"] != record["@type"]:
            raise SetFailure(
                set_error(
                    "invalidProperties",
                    description="Cannot change the type of an existing account.",
                    properties=["@type"],
                )
            )
        if record["@type"] != "User":
            return
        credentials: dict[int, Any] = record["credentials"]
        if old is None:
            for position, credential in enumerate(credentials.values()):
                _check_new_credential(credential, has_password=position > 0)
                credential["credentialId"] = position
            return
        old_credentials = [CREDENTIAL.thaw(entry) for entry in old["credentials"]]
        has_password = any(
            c["@type"] == "Password" and c["credentialId"] is not None for c in credentials.values()
        )
        highest = 0
        added = False
        for credential in credentials.values():
            credential_id = credential["credentialId"]
            if credential_id is not None and credential_id > highest:
                highest = credential_id
            previous = next(
                (c for c in old_credentials if c["credentialId"] == credential_id), None
            )
            if previous is None or credential_id is None:
                _check_new_credential(credential, has_password=has_password)
                added = True
            elif credential != previous:
                _check_changed_credential(credential, previous)
        if added:
            for credential in credentials.values():
                if credential["credentialId"] is None:
                    highest += 1
                    credential["credentialId"] = highest


def _alias_pairs(record: Any) -> list[tuple[str, int | None]]:
    aliases = record.get("aliases") or []
    entries = aliases.values() if isinstance(aliases, dict) else aliases
    return [(entry.get("name", ""), entry.get("domainId")) for entry in entries]


def _check_new_credential(credential: dict[str, Any], *, has_password: bool) -> None:
    if credential["@type"] != "Password":
        raise SetFailure(
            set_error(
                "invalidProperties",
                description="Secondary credentials cannot be set directly.",
                properties=["credentials"],
            )
        )
    if has_password:
        raise SetFailure(
            set_error(
                "invalidProperties",
                description="Only one password credential is allowed.",
                properties=["credentials"],
            )
        )
    credential["secret"] = _hashed(credential["secret"])


def _check_changed_credential(credential: dict[str, Any], previous: dict[str, Any]) -> None:
    if credential["@type"] != previous["@type"]:
        raise SetFailure(
            set_error(
                "invalidProperties",
                description="Credential type cannot be changed.",
                properties=["credentials"],
            )
        )
    if credential["secret"] == MASKED:
        credential["secret"] = previous["secret"]
    if credential["@type"] != "Password":
        if credential["secret"] != previous["secret"]:
            raise SetFailure(
                set_error(
                    "forbidden",
                    description=(
                        "Cannot change app password or API credentials through this method."
                    ),
                )
            )
        return
    if credential.get("otpAuth") == MASKED:
        credential["otpAuth"] = previous.get("otpAuth")
    if credential["secret"] != previous["secret"]:
        credential["secret"] = _hashed(credential["secret"])


def _hashed(secret: str) -> str:
    """The stored form of a new secret: as given when pre-hashed, else checked and hashed."""
    if secret[:1] in ("$", "{") and is_password_hash(secret):
        return secret
    problem = password_problem(secret)
    if problem is not None:
        raise SetFailure(set_error("invalidProperties", description=problem, properties=["secret"]))
    return hash_secret(secret)


ACCOUNT = AccountKind()

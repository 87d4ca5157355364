"""Request bodies decoded the way OCIS decodes them: Go's encoding/json into libregraph structs
with unknown fields disallowed.

Consequences reproduced here: an unknown property (at any depth) is a 400 ``json: unknown
field "x"``; a wrong JSON type is ``json: cannot unmarshal number into Go struct field
User.displayName of type string``; ``null`` is the same as absent; property names match
case-insensitively; only the first JSON value is read (trailing bytes are ignored).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Field types: "string", "bool", "int64", "any", "[]X" (array of X), or a struct name.
STRUCTS: dict[str, dict[str, str]] = {
    "User": {
        "id": "string",
        "accountEnabled": "bool",
        "appRoleAssignments": "[]AppRoleAssignment",
        "displayName": "string",
        "drives": "[]Drive",
        "drive": "Drive",
        "identities": "[]ObjectIdentity",
        "mail": "string",
        "memberOf": "[]Group",
        "onPremisesSamAccountName": "string",
        "passwordProfile": "PasswordProfile",
        "surname": "string",
        "givenName": "string",
        "userType": "string",
        "preferredLanguage": "string",
        "signInActivity": "SignInActivity",
        "externalID": "string",
        "crossInstanceReference": "string",
        "instances": "[]Instance",
    },
    "ObjectIdentity": {"issuer": "string", "issuerAssignedId": "string"},
    "PasswordProfile": {"forceChangePasswordNextSignIn": "bool", "password": "string"},
    "SignInActivity": {"lastSuccessfulSignInDateTime": "string"},
    "Instance": {"url": "string", "primary": "bool"},
    "AppRoleAssignment": {
        "id": "string",
        "deletedDateTime": "string",
        "appRoleId": "string",
        "createdDateTime": "string",
        "principalDisplayName": "string",
        "principalId": "string",
        "principalType": "string",
        "resourceDisplayName": "string",
        "resourceId": "string",
    },
    "Group": {
        "id": "string",
        "description": "string",
        "displayName": "string",
        "groupTypes": "[]string",
        "members": "[]User",
        "members@odata.bind": "[]string",
    },
    "MemberReference": {"@odata.id": "string"},
    "Drive": {
        "id": "string",
        "createdBy": "IdentitySet",
        "createdDateTime": "string",
        "description": "string",
        "eTag": "string",
        "lastModifiedBy": "IdentitySet",
        "lastModifiedDateTime": "string",
        "name": "string",
        "parentReference": "any",
        "webUrl": "string",
        "driveType": "string",
        "driveAlias": "string",
        "owner": "IdentitySet",
        "quota": "Quota",
        "items": "[]any",
        "root": "any",
        "special": "[]any",
    },
    "IdentitySet": {
        "application": "Identity",
        "device": "Identity",
        "user": "Identity",
        "group": "Identity",
    },
    "Identity": {"displayName": "string", "id": "string", "@libre.graph.userType": "string"},
    "Quota": {
        "deleted": "int64",
        "remaining": "int64",
        "state": "string",
        "total": "int64",
        "used": "int64",
    },
}
STRUCTS["DriveUpdate"] = STRUCTS["Drive"]


class BodyError(Exception):
    """The body does not decode; ``detail`` is Go's error text."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class _Path:
    struct: str
    fields: tuple[str, ...]

    def label(self) -> str:
        return ".".join((self.struct, *self.fields))


def decode(body: bytes, struct: str) -> dict[str, Any]:
    """Decode ``body`` into ``struct``; the present, non-null fields under canonical names."""
    text = body.decode("utf-8", errors="replace").lstrip(" \t\r\n")
    if not text:
        raise BodyError("EOF")
    try:
        value, _end = json.JSONDecoder(object_pairs_hook=_Pairs).raw_decode(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text):
            raise BodyError("unexpected EOF") from exc
        raise BodyError(
            f"invalid character {text[exc.pos]!r} looking for beginning of value"
        ) from exc
    if value is None:
        return {}
    if not isinstance(value, _Pairs):
        raise BodyError(
            f"json: cannot unmarshal {_kind(value)} into Go value of type libregraph.{struct}"
        )
    return _decode_struct(value, struct, _Path(struct, ()))


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its ordered key/value pairs (keeps duplicates for Go's last-wins)."""


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, _Pairs):
        return "object"
    return "array"


def _decode_struct(pairs: _Pairs, struct: str, path: _Path) -> dict[str, Any]:
    fields = STRUCTS[struct]
    folded = {name.lower(): name for name in fields}
    result: dict[str, Any] = {}
    for key, raw in pairs:
        name = key if key in fields else folded.get(key.lower())
        if name is None:
            raise BodyError(f'json: unknown field "{key}"')
        if raw is None:
            result.pop(name, None)
            continue
        sub = _Path(path.struct, (*path.fields, name))
        result[name] = _decode_value(raw, fields[name], sub)
    return result


def _decode_value(raw: Any, kind: str, path: _Path) -> Any:
    if kind == "any":
        return _plain(raw)
    if kind.startswith("[]"):
        if not isinstance(raw, list) or isinstance(raw, _Pairs):
            raise _mismatch(raw, path, kind)
        return [None if item is None else _decode_value(item, kind[2:], path) for item in raw]
    if kind == "string":
        if not isinstance(raw, str):
            raise _mismatch(raw, path, kind)
        return raw
    if kind == "bool":
        if not isinstance(raw, bool):
            raise _mismatch(raw, path, kind)
        return raw
    if kind == "int64":
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise _mismatch(raw, path, kind)
        if isinstance(raw, float) and not raw.is_integer():
            raise BodyError(
                f"json: cannot unmarshal number {raw} into Go struct field {path.label()} "
                "of type int64"
            )
        return int(raw)
    if not isinstance(raw, _Pairs):
        raise _mismatch(raw, path, kind)
    return _decode_struct(raw, kind, path)


def _mismatch(raw: Any, path: _Path, kind: str) -> BodyError:
    go_type = kind if kind in ("string", "bool", "int64") else _go_type(kind)
    return BodyError(
        f"json: cannot unmarshal {_kind(raw)} into Go struct field {path.label()} of type {go_type}"
    )


def _go_type(kind: str) -> str:
    if kind.startswith("[]"):
        return "[]" + _go_type(kind[2:])
    if kind in ("string", "bool", "int64"):
        return kind
    if kind == "any":
        return "interface {}"
    return f"libregraph.{kind}"


def _plain(raw: Any) -> Any:
    if isinstance(raw, _Pairs):
        return {key: _plain(value) for key, value in raw}
    if isinstance(raw, list):
        return [_plain(item) for item in raw]
    return raw

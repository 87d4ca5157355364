"""Value checks the graph service applies (usernames, e-mail addresses, names, booleans)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from dezkysync.sandbox.ocis._errors import invalid_request

# GRAPH_USERNAME_MATCH=default (services/graph/pkg/service/v0/users.go): a letter or "_", then
# e-mail local-part characters, optionally "@domain".
_USERNAME_DEFAULT = re.compile(
    r"[a-zA-Z_][a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]*"
    r"(@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*)*"
)
# The HTML5 "valid e-mail address" rule the graph service uses.
_EMAIL = re.compile(
    r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*"
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SPACE_NAME_FORBIDDEN = ["/", "\\", ".", ":", "?", "*", '"', ">", "<", "|"]
_MAX_SPACE_NAME = 255


def valid_username(username: str, mode: str) -> bool:
    """``isValidUsername`` for GRAPH_USERNAME_MATCH ``default`` or ``none``."""
    if mode == "none":
        return True
    return _USERNAME_DEFAULT.fullmatch(username) is not None


def check_username(username: str, mode: str) -> None:
    """400 when ``username`` is not acceptable."""
    if not valid_username(username, mode):
        raise invalid_request(f"username {username} must be at least the local part of an email")


def valid_email(mail: str) -> bool:
    """``isValidEmail``."""
    return _EMAIL.fullmatch(mail) is not None


def valid_user_type(user_type: str) -> bool:
    """``isValidUserType``: Member or Guest, in any case."""
    return user_type.lower() in ("member", "guest")


def is_uuid(text: str) -> bool:
    """Whether ``text`` is a UUID."""
    return _UUID.fullmatch(text) is not None


def space_name_error(name: str) -> str | None:
    """``validateSpaceName``: the error text, or None when the name is acceptable."""
    if name == "":
        return "spacename must not be empty"
    if len(name) > _MAX_SPACE_NAME:
        return f"spacename must be smaller than {_MAX_SPACE_NAME}"
    for char in _SPACE_NAME_FORBIDDEN:
        if char in name:
            shown = " ".join(_SPACE_NAME_FORBIDDEN)
            return f"spacenames must not contain [{shown}]"
    return None


def go_parse_bool(value: str | None) -> bool:
    """``strconv.ParseBool`` with the error ignored (so anything unknown is false)."""
    return value in ("1", "t", "T", "TRUE", "true", "True")


def member_ref(ref: str) -> tuple[str, str] | None:
    """``parseMemberRef``: (type, id) from the last two path segments of an absolute URI or
    path; None when Go's ``url.ParseRequestURI`` would reject it."""
    if not ref or not (ref.startswith("/") or re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", ref)):
        return None
    if any(char in ref for char in " \t\n"):
        return None
    segments = urlsplit(ref).path.split("/")
    if len(segments) < 2:
        return None
    return segments[-2], segments[-1]

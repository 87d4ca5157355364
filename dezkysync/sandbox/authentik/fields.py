"""DRF field validation as authentik's serializers apply it, with DRF's exact messages.

Each function returns the cleaned value or raises :class:`Invalid` with the message DRF uses.
Serializers call them field by field (in the serializer's field order) and collect the errors.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from dezkysync.sandbox.authentik._clock import parse_datetime
from dezkysync.sandbox.authentik.errors import FieldErrors

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."
NOT_A_DICT = "Value must be a dictionary, and not have any duplicate keys."

_TRUE = {"t", "y", "yes", "true", "on", "1"}
_FALSE = {"f", "n", "no", "false", "off", "0"}

# Django's EmailValidator, condensed: a dot-atom or quoted local part, a domain with a TLD
# (or a bracketed literal); non-ASCII domains are accepted as IDNA would encode them.
_EMAIL_USER = re.compile(
    r"(^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*\Z"
    r'|^"([\001-\010\013\014\016-\037!#-\[\]-\177]|\\[\001-\011\013\014\016-\177])*"\Z)',
    re.IGNORECASE,
)
_EMAIL_DOMAIN = re.compile(
    r"((?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+)(?:[A-Z0-9-]{2,63}(?<!-))\Z", re.IGNORECASE
)
_EMAIL_LITERAL = re.compile(r"\[([A-F0-9:.]+)\]\Z", re.IGNORECASE)


class Invalid(Exception):
    """A field value DRF would reject; ``message`` is DRF's text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Validation:
    """One serializer's pass over a request body: the cleaned values and every field error, in
    the order the fields are checked. A ``partial`` pass (PATCH) skips omitted fields."""

    def __init__(self, body: dict[str, Any], *, partial: bool) -> None:
        self.body = body
        self.partial = partial
        self.errors = FieldErrors()
        self.clean: dict[str, Any] = {}

    def field(
        self,
        name: str,
        validate: Callable[[Any], Any],
        *,
        required: bool = False,
        default: Callable[[], Any] | None = None,
    ) -> None:
        """Validate ``name``; when omitted (and not partial), it is required or takes
        ``default()``."""
        if name not in self.body:
            if self.partial:
                return
            if required:
                self.errors.add(name, REQUIRED)
            elif default is not None:
                self.clean[name] = default()
            return
        try:
            self.clean[name] = validate(self.body[name])
        except Invalid as exc:
            self.errors.add(name, exc.message)

    def cleaned(self) -> dict[str, Any]:
        """The cleaned values; a 400 with every collected message if any field failed."""
        self.errors.raise_if_any()
        return self.clean


def char(
    value: Any,
    *,
    allow_blank: bool = False,
    allow_null: bool = False,
    max_length: int | None = None,
    trim: bool = True,
) -> str | None:
    """``serializers.CharField``."""
    if value is None:
        if allow_null:
            return None
        raise Invalid(NOT_NULL)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Invalid("Not a valid string.")
    text = str(value)
    if trim:
        text = text.strip()
    if text == "" and not allow_blank:
        raise Invalid(NOT_BLANK)
    if max_length is not None and len(text) > max_length:
        raise Invalid(f"Ensure this field has no more than {max_length} characters.")
    return text


def required_char(value: Any, **options: Any) -> str:
    """A non-null :func:`char`."""
    text = char(value, **options)
    if text is None:  # pragma: no cover - char() raises for None unless allow_null
        raise Invalid(NOT_NULL)
    return text


def boolean(value: Any) -> bool:
    """``serializers.BooleanField``."""
    if value is None:
        raise Invalid(NOT_NULL)
    if value is True or value is False:
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise Invalid("Must be a valid boolean.")


def email(value: Any) -> str:
    """``serializers.EmailField`` on authentik's ``email`` (blank allowed, 254 max)."""
    text = required_char(value, allow_blank=True, max_length=254)
    if text and not is_valid_email(text):
        raise Invalid("Enter a valid email address.")
    return text


def is_valid_email(text: str) -> bool:
    """Django's EmailValidator (without the domain allow-list)."""
    if "@" not in text or len(text) > 320:
        return False
    user_part, domain_part = text.rsplit("@", 1)
    if not _EMAIL_USER.match(user_part):
        return False
    if _EMAIL_LITERAL.match(domain_part):
        return True
    if _EMAIL_DOMAIN.match(domain_part):
        return True
    try:
        ascii_domain = domain_part.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return bool(_EMAIL_DOMAIN.match(ascii_domain))


def datetime_or_null(value: Any) -> datetime | None:
    """``serializers.DateTimeField(allow_null=True)``."""
    if value is None or value == "":
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise Invalid(
            "Datetime has wrong format. Use one of these formats instead: "
            "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
        )
    return parsed


def json_dict(value: Any) -> dict[str, Any]:
    """``JSONField(validators=[is_dict])``."""
    if not isinstance(value, dict):
        raise Invalid(NOT_A_DICT)
    return value


def choice(value: Any, choices: Collection[str]) -> str:
    """``serializers.ChoiceField``."""
    if isinstance(value, str) and value in choices:
        return value
    raise Invalid(f'"{value}" is not a valid choice.')


def canonical_uuid(value: Any) -> str | None:
    """The canonical form of a UUID as Django's UUIDField parses it, or None."""
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int):
            return str(uuidlib.UUID(int=value))
        return str(uuidlib.UUID(value.strip()))
    except (ValueError, AttributeError):
        return None


def uuid_pk_list(value: Any, exists: Callable[[str], bool]) -> list[str]:
    """A ``PrimaryKeyRelatedField(many=True)`` over a model with a UUID primary key."""
    items = _list(value)
    found: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise Invalid(f"Incorrect type. Expected pk value, received {_type_name(item)}.")
        canonical = canonical_uuid(item)
        if canonical is None:
            raise Invalid(f"“{item}” is not a valid UUID.")
        if not exists(canonical):
            raise Invalid(f'Invalid pk "{item}" - object does not exist.')
        if canonical not in found:
            found.append(canonical)
    return found


def int_pk_list(value: Any, exists: Callable[[int], bool]) -> list[int]:
    """A ``PrimaryKeyRelatedField(many=True)`` over a model with an integer primary key."""
    items = _list(value)
    found: list[int] = []
    for item in items:
        pk = int_pk(item)
        if not exists(pk):
            raise Invalid(f'Invalid pk "{item}" - object does not exist.')
        if pk not in found:
            found.append(pk)
    return found


def int_pk(value: Any) -> int:
    """One integer primary key as ``PrimaryKeyRelatedField`` accepts it."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Invalid(f"Incorrect type. Expected pk value, received {_type_name(value)}.")
    try:
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError(value)
            return int(value)
        return int(value)
    except ValueError:
        raise Invalid(f"Incorrect type. Expected pk value, received {_type_name(value)}.") from None


def integer(value: Any) -> int:
    """``serializers.IntegerField``."""
    if isinstance(value, bool):
        raise Invalid("A valid integer is required.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise Invalid("A valid integer is required.")


def _list(value: Any) -> list[Any]:
    if isinstance(value, str) or not isinstance(value, list):
        raise Invalid(f'Expected a list of items but got type "{_type_name(value)}".')
    return value


def _type_name(value: Any) -> str:
    if value is None:
        return "NoneType"
    return type(value).__name__

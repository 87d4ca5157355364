"""One-time passwords for new and reset members.

Generated with :mod:`secrets`: five groups of five characters from a 54-symbol alphabet without
look-alikes (no ``0 O 1 l I``), joined by dashes, e.g. ``k7Rmx-Qa2Zp-...``: about 144 bits of
entropy, far above Stalwart's zxcvbn "three" threshold, and easy to read out on the phone.
"""

from __future__ import annotations

import secrets
import string

from dezkysync import redact

_AMBIGUOUS = set("0O1lI")
ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in _AMBIGUOUS)
GROUPS = 5
GROUP_LENGTH = 5


def generate_password() -> str:
    """A new one-time password (registered for redaction before it is returned).

    Each group holds at least one letter and one digit so that no policy asking for character
    classes refuses it.
    """
    while True:
        groups = ["".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(5)]
        password = "-".join(groups)
        if (
            any(c.isdigit() for c in password)
            and any(c.islower() for c in password)
            and any(c.isupper() for c in password)
        ):
            redact.register(password)
            return password

"""What a fresh authentik install holds (see the captures' README).

- ``akadmin`` (pk 3), member of the superuser group "authentik Admins";
- the embedded outpost's service account ``ak-outpost-<hex>`` (pk 4, ``internal_service_account``,
  path ``goauthentik.io/outposts``, one managed role) and its API token;
- the identity dezkysync runs as: a ``service_account`` user (path
  ``goauthentik.io/service-accounts``) in "authentik Admins" with a non-expiring ``api`` token
  whose key is the configured token. Without a service username the token is instead akadmin's
  bootstrap token (``authentik-bootstrap-token``), the install the captures were recorded on.
"""

from __future__ import annotations

import uuid as uuidlib
from datetime import datetime, timedelta

from dezkysync.sandbox.authentik._keys import generate_key
from dezkysync.sandbox.authentik.groups import new_group
from dezkysync.sandbox.authentik.model import (
    SERVICE_ACCOUNT_PATH,
    TOKEN_EXPIRING_ATTRIBUTE,
    Role,
    Token,
)
from dezkysync.sandbox.authentik.passwords import make_password
from dezkysync.sandbox.authentik.store import Store
from dezkysync.sandbox.authentik.users import new_user

ADMINS_GROUP = "authentik Admins"
ADMIN_USERNAME = "akadmin"
ADMIN_EMAIL = "admin@example.test"
FIRST_USER_PK = 3
TOKEN_DURATION = timedelta(minutes=30)


def fresh_install(
    *, token: str, service_username: str | None, now: datetime, admin_password: str | None
) -> Store:
    """A new install's database."""
    store = Store(install_id=uuidlib.uuid4().hex)
    store.next_user_pk = FIRST_USER_PK
    admins = new_group(store, name=ADMINS_GROUP, is_superuser=True)
    admin = new_user(
        store,
        now,
        username=ADMIN_USERNAME,
        name="authentik Default Admin",
        email=ADMIN_EMAIL,
        user_type="internal",
        path="users",
        password_hash=make_password(admin_password) if admin_password else None,
    )
    store.add_member(admins.uuid, admin.pk)
    outpost_id = uuidlib.uuid4().hex
    outpost = new_user(
        store,
        now,
        username=f"ak-outpost-{outpost_id}",
        name="Outpost authentik Embedded Outpost Service-Account",
        user_type="internal_service_account",
        path="goauthentik.io/outposts",
    )
    role = Role(uuid=str(uuidlib.uuid4()), name=f"ak-managed-role--user-{outpost.pk}")
    store.add_role(role)
    outpost.roles = [role.uuid]
    store.add_token(
        _token(
            f"ak-outpost-{outpost_id}-api",
            generate_key(),
            outpost.pk,
            now,
            managed=f"goauthentik.io/outpost/ak-outpost-{outpost_id}-api",
        )
    )
    if service_username is None:
        store.add_token(_token("authentik-bootstrap-token", token, admin.pk, now))
        return store
    service = new_user(
        store,
        now,
        username=service_username,
        name=service_username,
        user_type="service_account",
        path=SERVICE_ACCOUNT_PATH,
        attributes={TOKEN_EXPIRING_ATTRIBUTE: False},
    )
    store.add_member(admins.uuid, service.pk)
    store.add_token(
        _token(
            f"{service_username}-api",
            token,
            service.pk,
            now,
            description="API token dezkysync runs as",
        )
    )
    return store


def _token(
    identifier: str,
    key: str,
    user_pk: int,
    now: datetime,
    *,
    description: str = "",
    managed: str | None = None,
) -> Token:
    return Token(
        uuid=str(uuidlib.uuid4()),
        identifier=identifier,
        key=key,
        intent="api",
        user_pk=user_pk,
        description=description,
        expires=now + TOKEN_DURATION,
        expiring=False,
        managed=managed,
    )

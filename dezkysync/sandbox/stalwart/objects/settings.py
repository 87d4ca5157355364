"""``x:SystemSettings``: the server-wide singleton (id ``"singleton"``).

Only ``defaultDomainId`` is emulated: the domain appended to bare login names, a foreign key
that makes that domain ``objectIsLinked`` (``{"object":"SystemSettings","id":"singleton"}``).
"""

from __future__ import annotations

from typing import Any

from dezkysync.sandbox.stalwart.objects.base import Kind
from dezkysync.sandbox.stalwart.schema import Field, IdRef, Opt, Spec, Struct
from dezkysync.sandbox.stalwart.store import IndexKeys

SINGLETON_KEY = 0  # the registry slot of the singleton object

SYSTEM_SETTINGS = Struct(
    "SystemSettings",
    {
        "defaultDomainId": Field(Opt(IdRef("Domain"))),
        "id": Field(Spec(), server_set=True, virtual=True),
    },
)


class SystemSettingsKind(Kind):
    """``x:SystemSettings`` (singleton; no ``/query``)."""

    name = "SystemSettings"
    spec = SYSTEM_SETTINGS
    singleton = True

    def index_keys(self, record: Any) -> IndexKeys:
        keys = IndexKeys()
        if record.get("defaultDomainId") is not None:
            keys.refs.append(("Domain", record["defaultDomainId"], None))
        return keys


SYSTEM_SETTINGS_KIND = SystemSettingsKind()

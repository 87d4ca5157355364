"""The write side of the three service clients: "apply one typed change".

One writer per service, each the only place that knows its API's write quirks:
:class:`StalwartWriter` (JMAP ``/set`` with JSON-pointer patches, DKIM keys, ``objectIsLinked``),
:class:`AuthentikWriter` (users, groups, ``set_password``, force-logout filtered by user pk on the
client side) and :class:`OcisWriter` (LibreGraph users). Writers take plain values (ids,
addresses, names), never a plan; :mod:`dezkysync.apply` maps plan changes onto them.

Errors: a failed call raises :class:`dezkysync.http.ServiceError` (its messages never carry a
token or a password); a write a writer will not do because it would be unsafe (a domain still in
use, a session list it cannot trust) raises :class:`WriteRefused`.
"""

from dezkysync.services.writers.authentik import AuthentikWriter
from dezkysync.services.writers.errors import WriteRefused
from dezkysync.services.writers.ocis import OcisWriter
from dezkysync.services.writers.stalwart import StalwartWriter

__all__ = ["AuthentikWriter", "OcisWriter", "StalwartWriter", "WriteRefused"]

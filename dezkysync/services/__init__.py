"""One client per service (Stalwart, authentik, OCIS) over the shared HTTP layer, the
ownership markers, and reading the live state of all three.

Each client module is the only place that knows its API's quirks. The provider contract,
borrowed from octoDNS: a client reads live state into :mod:`dezkysync.live` (``read_state``)
and, for ``apply``, applies one typed change at a time (added beside the readers).
"""

from dezkysync.services.authentik import AuthentikClient
from dezkysync.services.ocis import OcisClient
from dezkysync.services.reader import ServiceClients, connect, read_live_state
from dezkysync.services.stalwart import StalwartClient

__all__ = [
    "AuthentikClient",
    "OcisClient",
    "ServiceClients",
    "StalwartClient",
    "connect",
    "read_live_state",
]

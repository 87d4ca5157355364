"""One ``drift`` run against the services: connect, read the records and the live state
(completely, or not at all), detect."""

from __future__ import annotations

from dezkysync.config import Config
from dezkysync.drift.detect import detect_drift
from dezkysync.drift.model import DriftReport
from dezkysync.drift.record import read_applied_records
from dezkysync.http import RequestCounter, RetryPolicy
from dezkysync.plan.shard import Shard
from dezkysync.services.reader import connect, read_live_state
from dezkysync.tenants.model import TenantSet


def drift_against_services(
    tenants: TenantSet,
    config: Config,
    *,
    shard: Shard | None = None,
    counter: RequestCounter | None = None,
    retry: RetryPolicy | None = None,
) -> DriftReport:
    """Read every applied record and the live state of every service in ``config``, and tell
    drift from pending changes for ``tenants`` (one shard of them, if given).

    Read-only: only GET requests and read-only JMAP calls are sent. Raises
    :class:`dezkysync.http.ServiceError` on any failed or partial read: no report is ever made
    from an incomplete view.
    """
    with connect(config, counter=counter, retry=retry) as clients:
        records = read_applied_records(clients.authentik)
        live = read_live_state(clients)
    return detect_drift(tenants, records, live, shard=shard)


__all__ = ["drift_against_services"]

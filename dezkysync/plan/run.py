"""One ``plan`` run against the services: connect, read everything, compute."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dezkysync.config import Config
from dezkysync.http import RequestCounter, RetryPolicy
from dezkysync.live.model import LiveState
from dezkysync.plan.compute import compute_plan
from dezkysync.plan.model import Plan, PlanOptions
from dezkysync.plan.source import git_commit
from dezkysync.services.reader import connect, read_live_state
from dezkysync.tenants.model import TenantSet


@dataclass(frozen=True)
class PlanRun:
    """A computed plan, the live state it came from, and the requests it took."""

    plan: Plan
    live: LiveState
    requests: dict[str, int]


def plan_against_services(
    tenants: TenantSet,
    config: Config,
    *,
    options: PlanOptions | None = None,
    paths: Sequence[Path] = (),
    counter: RequestCounter | None = None,
    retry: RetryPolicy | None = None,
) -> PlanRun:
    """Read the live state of every service in ``config`` and plan ``tenants`` against it.

    Raises :class:`dezkysync.http.ServiceError` on any failed or partial read: no plan is
    ever computed from an incomplete view.
    """
    counter = counter if counter is not None else RequestCounter()
    with connect(config, counter=counter, retry=retry) as clients:
        live = read_live_state(clients)
    plan = plan_as_configured(
        tenants,
        live,
        config,
        options=options,
        commit=git_commit(list(paths) or list(tenants.files)),
    )
    return PlanRun(plan=plan, live=live, requests=counter.snapshot())


def plan_as_configured(
    tenants: TenantSet,
    live: LiveState,
    config: Config,
    *,
    options: PlanOptions | None,
    commit: str | None,
) -> Plan:
    """:func:`~dezkysync.plan.compute.compute_plan` with the deletion limits, protected
    identities, plan lifetime and service URLs of ``config`` (``commit``: the files' git
    commit, when known)."""
    return compute_plan(
        tenants,
        live,
        options=options,
        limits=config.deletion,
        protected=config.protected,
        max_age=config.plan_max_age,
        service_urls={name: s.url for name, s in config.services.items()},
        git_commit=commit,
    )

"""Shared by the drift and export tests: tenant files, running a command against the
loopback emulators, and leaving the services as a successful apply would (objects + records)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from click.testing import Result

from dezkysync.config import load_config
from dezkysync.drift import build_applied_record, write_applied_records
from dezkysync.services.reader import connect
from dezkysync.tenants import TenantSet, load_tenants
from tests.plan.conftest import Services

ACME = """\
tenant: acme
name: Acme
domains:
  - name: acme.test
    primary: true
    dmarc: {policy: quarantine, rua: "mailto:dmarc@acme.test"}
  - name: acme-mail.test
members:
  - email: alice@acme.test
    name: Alice Example
    role: admin
    aliases: [info@acme.test, sales@acme-mail.test]
    quota: 1GiB
  - email: bob@acme.test
    name: Bob Builder
    state: suspended
  - email: carol@globex.test
lists:
  - email: team@acme.test
    name: Team
    recipients: [alice@acme.test, bob@acme.test, partner@elsewhere.test]
"""
GLOBEX = """\
tenant: globex
name: Globex
domains:
  - name: globex.test
    primary: true
members:
  - email: carol@globex.test
    name: Carol Danvers
    quota: 500MB
  - email: dan@globex.test
    name: Dan Brown
"""
INITECH = """\
tenant: initech
name: Initech
domains:
  - name: initech.test
    primary: true
members:
  - email: peter@initech.test
    name: Peter Gibbons
"""


def run(services: Services, *args: str, env: Mapping[str, str] | None = None) -> Result:
    """``dezkysync ARGS`` against the loopback emulators (nothing from the real environment);
    asserts no token reached the output."""
    return services.run(*args, env=env)


def record_applied(
    services: Services,
    tenants: TenantSet,
    *,
    commit: str | None = "c0ffee",
    now: datetime | None = None,
) -> None:
    """Write the applied record of every tenant of ``tenants`` through authentik's API."""
    config = load_config(env=services.env)
    with connect(config) as clients:
        result = write_applied_records(
            clients.authentik,
            {
                t.slug: build_applied_record(t, git_commit=commit, now=now or datetime.now(UTC))
                for t in tenants.tenants
            },
        )
    assert not result.no_group, result


def converge_and_record(services: Services, folder: Path) -> TenantSet:
    """What a successful apply of ``folder`` leaves: the objects, then the records."""
    tenants = load_tenants([folder])
    services.seed.converge(tenants)
    record_applied(services, tenants)
    return tenants


def authentik_user(services: Services, login: str) -> dict[str, Any]:
    """The authentik user called ``login`` (exactly one)."""
    response = services.seed.authentik.get("/api/v3/core/users/", params={"username": login})
    response.raise_for_status()
    results: list[dict[str, Any]] = response.json()["results"]
    assert len(results) == 1, results
    return results[0]


def patch_user(services: Services, login: str, body: Mapping[str, Any]) -> None:
    """Change an authentik user out of band."""
    pk = authentik_user(services, login)["pk"]
    response: httpx.Response = services.seed.authentik.patch(f"/api/v3/core/users/{pk}/", json=body)
    assert response.status_code == 200, response.text

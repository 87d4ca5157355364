"""Seeding the three emulators through their HTTP APIs, as an apply would leave them.

Used by the integration tests and by ``bench/plan_scale.py``. Writes go through the public
APIs (JMAP ``/set``, authentik and LibreGraph POSTs), so the emulators' own validation runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from dezkysync.services.ownership import (
    authentik_marker,
    group_name,
    stalwart_description,
)
from dezkysync.tenants.model import TenantSet

USING = ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"]


class Seeder:
    """Creates objects on the emulators; ``clients`` are httpx clients with base URL + token."""

    def __init__(self, clients: Mapping[str, httpx.Client]) -> None:
        self.stalwart = clients["stalwart"]
        self.authentik = clients["authentik"]
        self.ocis = clients["ocis"]
        self.domain_ids: dict[str, str] = {}
        self.pks: dict[str, int] = {}
        self.group_pks: dict[str, str] = {}

    @classmethod
    def over(
        cls,
        urls: Mapping[str, str],
        tokens: Mapping[str, str],
        transports: Mapping[str, httpx.BaseTransport] | None = None,
    ) -> Seeder:
        clients = {
            name: httpx.Client(
                base_url=urls[name],
                headers={"Authorization": f"Bearer {tokens[name]}"},
                transport=(transports or {}).get(name),
                timeout=60,
            )
            for name in ("stalwart", "authentik", "ocis")
        }
        return cls(clients)

    def close(self) -> None:
        for client in (self.stalwart, self.authentik, self.ocis):
            client.close()

    # -- Stalwart ---------------------------------------------------------------------------
    def jmap(self, calls: list[list[Any]]) -> dict[str, Any]:
        response = self.stalwart.post("/jmap", json={"using": USING, "methodCalls": calls})
        response.raise_for_status()
        answers = {c: a for _, a, c in response.json()["methodResponses"]}
        for name, args, call_id in response.json()["methodResponses"]:
            if name == "error":
                raise AssertionError(f"JMAP {call_id}: {args}")
            for problem in ("notCreated", "notUpdated", "notDestroyed"):
                if args.get(problem):
                    raise AssertionError(f"JMAP {call_id}: {problem} {args[problem]}")
        return answers

    def domains(self, items: Iterable[tuple[str, str | None]]) -> None:
        """Create domains ((name, tenant or None)), 500 per call."""
        items = list(items)
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            create = {
                f"d{n}": {
                    "name": name,
                    **({"description": stalwart_description(None, t)} if t else {}),
                }
                for n, (name, t) in enumerate(chunk)
            }
            created = self.jmap([["x:Domain/set", {"create": create}, "c"]])["c"]["created"]
            for n, (name, _) in enumerate(chunk):
                self.domain_ids[name] = created[f"d{n}"]["id"]

    def domain(self, name: str, tenant: str | None) -> str:
        self.domains([(name, tenant)])
        return self.domain_ids[name]

    def account_spec(
        self,
        email: str,
        tenant: str | None,
        name: str | None = None,
        *,
        aliases: Iterable[str] = (),
        quota: int | None = None,
        suspended: bool = False,
    ) -> dict[str, Any]:
        local, domain = email.split("@")
        spec: dict[str, Any] = {"@type": "User", "name": local, "domainId": self.domain_ids[domain]}
        if tenant:
            spec["description"] = stalwart_description(name, tenant)
        elif name:
            spec["description"] = name
        if aliases:
            spec["aliases"] = {
                str(n): {"name": a.split("@")[0], "domainId": self.domain_ids[a.split("@")[1]]}
                for n, a in enumerate(sorted(aliases))
            }
        if quota is not None:
            spec["quotas"] = {"maxDiskQuota": quota}
        if suspended:
            spec["permissions"] = {
                "@type": "Merge",
                "enabledPermissions": {},
                "disabledPermissions": {"authenticate": True},
            }
        return spec

    def accounts(self, specs: list[dict[str, Any]]) -> list[str]:
        """Create accounts from :meth:`account_spec`s; 500 per call, 16 calls per request."""
        ids: list[str] = []
        calls: list[list[Any]] = []
        for start in range(0, len(specs), 500):
            chunk = specs[start : start + 500]
            calls.append(
                [
                    "x:Account/set",
                    {"create": {f"a{n}": s for n, s in enumerate(chunk)}},
                    f"c{len(calls)}",
                ]
            )
        for batch in range(0, len(calls), 16):
            answers = self.jmap(calls[batch : batch + 16])
            for call in calls[batch : batch + 16]:
                created = answers[call[2]]["created"]
                ids.extend(created[f"a{n}"]["id"] for n in range(len(call[1]["create"])))
        return ids

    def mailbox(self, email: str, tenant: str | None, name: str | None = None, **extra: Any) -> str:
        return self.accounts([self.account_spec(email, tenant, name, **extra)])[0]

    def mailing_list(
        self, email: str, tenant: str | None, name: str | None, recipients: Iterable[str]
    ) -> str:
        local, domain = email.split("@")
        spec: dict[str, Any] = {
            "name": local,
            "domainId": self.domain_ids[domain],
            "recipients": {r: True for r in recipients},
        }
        if tenant:
            spec["description"] = stalwart_description(name, tenant)
        created = self.jmap([["x:MailingList/set", {"create": {"l": spec}}, "c"]])["c"]["created"]
        return str(created["l"]["id"])

    # -- authentik ------------------------------------------------------------------------------
    def identity(
        self,
        login: str,
        tenant: str | None,
        name: str | None = None,
        *,
        active: bool = True,
        **extra: Any,
    ) -> int:
        body: dict[str, Any] = {
            "username": login,
            "name": name or login,
            "email": login,
            "is_active": active,
        }
        if tenant:
            body["attributes"] = {"dezkysync": authentik_marker(tenant)}
        body.update(extra)
        response = self.authentik.post("/api/v3/core/users/", json=body)
        assert response.status_code == 201, response.text
        pk = int(response.json()["pk"])
        self.pks[login] = pk
        return pk

    def group(
        self, name: str, tenant: str | None, role: str | None, members: Iterable[int] = ()
    ) -> str:
        body: dict[str, Any] = {"name": name, "users": list(members)}
        if tenant:
            body["attributes"] = {"dezkysync": authentik_marker(tenant, role)}  # type: ignore[arg-type]
        response = self.authentik.post("/api/v3/core/groups/", json=body)
        assert response.status_code == 201, response.text
        self.group_pks[name] = str(response.json()["pk"])
        return self.group_pks[name]

    # -- OCIS -----------------------------------------------------------------------------------
    def files_user(
        self, login: str, name: str, *, enabled: bool = True, mail: str | None = None
    ) -> str:
        body = {
            "onPremisesSamAccountName": login,
            "displayName": name,
            "mail": mail or login,
            "accountEnabled": enabled,
        }
        response = self.ocis.post("/graph/v1.0/users", json=body)
        assert response.status_code in (200, 201), response.text
        return str(response.json()["id"])

    # -- a whole tenant set ---------------------------------------------------------------------
    def converge(self, tenants: TenantSet, *, stalwart: bool = True) -> None:
        """Create what an apply of ``tenants`` leaves behind."""
        present = [t for t in tenants.tenants if t.state == "present"]
        if stalwart:
            self.domains((d.name, t.slug) for t in present for d in t.domains)
        specs = []
        for t in present:
            for m in t.mailbox_members:
                active = m.state == "active"
                self.identity(m.login, t.slug, m.name, active=active)
                self.files_user(m.login, m.name or m.login, enabled=active)
                if stalwart:
                    specs.append(
                        self.account_spec(
                            m.email,
                            t.slug,
                            m.name,
                            aliases=m.aliases,
                            quota=m.quota,
                            suspended=not active,
                        )
                    )
        if stalwart:
            self.accounts(specs)
            for t in present:
                for ml in t.lists:
                    self.mailing_list(ml.email, t.slug, ml.name, ml.recipients)
        for t in present:
            self.group(
                group_name(t.slug, "members"),
                t.slug,
                "members",
                [self.pks[m.login] for m in t.members],
            )
            self.group(
                group_name(t.slug, "admins"),
                t.slug,
                "admins",
                [self.pks[m.login] for m in t.members if m.role == "admin"],
            )

"""A deliberately small fake of Stalwart's JMAP listing behaviour (query/get/result references)
for the client's edge cases (page caps, objects changing mid-read, method errors). The real
behaviour is checked against the Stalwart emulator in test_live_read.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

Objects = dict[str, list[dict[str, Any]]]


class FakeJmap:
    """``httpx.MockTransport`` handler; ``objects`` maps "x:Domain" etc. to object lists."""

    def __init__(
        self,
        objects: Objects,
        *,
        query_cap: int = 5000,
        get_cap: int = 500,
        username: str = "admin",
        before_request: Callable[[FakeJmap, int], None] | None = None,
    ) -> None:
        self.objects = objects
        self.query_cap = query_cap
        self.get_cap = get_cap
        self.username = username
        self.before_request = before_request
        self.requests = 0
        self.calls: list[str] = []
        self.drop_from_get: set[str] = set()
        self.fail_method: str | None = None
        self.zone_files: dict[str, str] = {}

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path == "/jmap/session":
            return httpx.Response(
                200,
                json={
                    "username": self.username,
                    "primaryAccounts": {"urn:stalwart:jmap": "d333333"},
                    "apiUrl": "https://localhost/jmap/",
                },
            )
        assert request.method == "POST" and request.url.path == "/jmap"
        if self.before_request:
            self.before_request(self, self.requests)
        self.requests += 1
        body = json.loads(request.content)
        assert len(body["methodCalls"]) <= 16
        results: dict[str, tuple[str, dict[str, Any]]] = {}
        responses: list[list[Any]] = []
        for name, args, call_id in body["methodCalls"]:
            self.calls.append(name)
            answer = self._call(name, args, results)
            results[call_id] = (name, answer)
            if answer.get("_error"):
                responses.append(["error", {"type": answer["type"]}, call_id])
            else:
                responses.append([name, answer, call_id])
        return httpx.Response(200, json={"methodResponses": responses, "sessionState": "0"})

    def _call(self, name: str, args: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
        kind, _, method = name.partition("/")
        if name == self.fail_method:
            return {"_error": True, "type": "forbidden"}
        items = sorted(self.objects.get(kind, []), key=lambda o: o["id"], reverse=True)
        if method == "query":
            wanted = args.get("filter") or {}
            items = [o for o in items if all(o.get(k) == v for k, v in wanted.items())]
            position = args.get("position", 0)
            limit = min(args.get("limit", self.query_cap), self.query_cap)
            ids = [o["id"] for o in items[position : position + limit]]
            return {"ids": ids, "position": position, "total": len(items)}
        if method == "get":
            if "#ids" in args:
                referenced = results[args["#ids"]["resultOf"]][1]
                if "ids" not in referenced:
                    return {"_error": True, "type": "invalidResultReference"}
                ids = referenced["ids"]
            else:
                ids = args["ids"]
            if len(ids) > self.get_cap:
                return {"_error": True, "type": "requestTooLarge"}
            by_id = {o["id"]: o for o in self.objects.get(kind, [])}
            found = [by_id[i] for i in ids if i in by_id and i not in self.drop_from_get]
            if "dnsZoneFile" in (args.get("properties") or []):
                found = [{**o, "dnsZoneFile": self.zone_files.get(o["name"], "")} for o in found]
            return {
                "list": found,
                "notFound": [i for i in ids if i not in {o["id"] for o in found}],
            }
        raise AssertionError(name)


def domain(ident: str, name: str, description: str | None = None) -> dict[str, Any]:
    return {"id": ident, "name": name, "description": description, "aliases": {}, "isEnabled": True}


def account(ident: str, local: str, domain_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "@type": "User",
        "name": local,
        "domainId": domain_id,
        "description": extra.pop("description", None),
        "aliases": extra.pop("aliases", {}),
        "quotas": extra.pop("quotas", {}),
        "permissions": extra.pop("permissions", {"@type": "Inherit"}),
        **extra,
    }

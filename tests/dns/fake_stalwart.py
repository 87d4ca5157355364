"""A minimal Stalwart JMAP stand-in for the zone-file seam: ``x:Domain/query`` by name and
``x:Domain/get`` with ``#ids`` result references, Bearer auth, the 16-call limit.

It knows only what ``dezkysync.dns.source`` needs; the full emulator lives in
``dezkysync.sandbox``.
"""

from __future__ import annotations

from typing import Any

from dezkysync.sandbox._wsgi import Emulator, Request, Response

MAX_CALLS = 16


class FakeStalwart(Emulator):
    """Domains with their zone files; records the calls of every JMAP request."""

    service = "stalwart"

    def __init__(self, token: str, zones: dict[str, str]) -> None:
        super().__init__()
        self.token = token
        self.domains = {f"d{i}": (name, zones[name]) for i, name in enumerate(sorted(zones))}
        self.requests: list[list[str]] = []  # method names per request

    def is_write(self, request: Request) -> bool:
        return False

    def snapshot(self) -> dict[str, Any]:
        return {"domains": self.domains}

    def restore(self, data: dict[str, Any]) -> None:
        self.domains = data["domains"]

    def handle(self, request: Request) -> Response:
        if request.method != "POST" or request.path.rstrip("/") != "/jmap":
            return Response.json(404, {"detail": "not found"})
        if request.bearer != self.token:
            return Response.json(
                401, {"type": "about:blank", "status": 401}, content_type="application/problem+json"
            )
        body = request.json()
        calls = body["methodCalls"]
        self.requests.append([call[0] for call in calls])
        if len(calls) > MAX_CALLS:
            return Response.json(
                400, {"type": "urn:ietf:params:jmap:error:limit", "limit": "maxCallsInRequest"}
            )
        results: dict[str, Any] = {}
        responses: list[list[Any]] = []
        for name, args, call_id in calls:
            if name == "x:Domain/query":
                wanted = args.get("filter", {}).get("name")
                ids = [i for i, (n, _) in self.domains.items() if n == wanted]
                out: Any = {"accountId": "d333333", "ids": ids, "position": 0}
            elif name == "x:Domain/get":
                ref = args.get("#ids")
                ids = results[ref["resultOf"]]["ids"] if ref else args.get("ids") or []
                listed = []
                for i in ids:
                    domain, text = self.domains[i]
                    listed.append({"id": i, "name": domain, "dnsZoneFile": text})
                out = {"accountId": "d333333", "list": listed, "notFound": []}
            else:
                responses.append(["error", {"type": "unknownMethod", "description": name}, call_id])
                continue
            results[call_id] = out
            responses.append([name, out, call_id])
        return Response.json(200, {"methodResponses": responses, "sessionState": "0"})

"""Stalwart 0.16 over its JMAP management API (``POST {base}/jmap``, ``urn:stalwart:jmap``).

The only module that knows Stalwart's quirks:

- ``/get`` with ``ids: null`` silently stops at 500 objects, so every listing is a ``/query``
  (ids) followed by ``/get`` of at most 500 ids;
- one request carries at most 16 method calls; a query returns at most 5000 ids, so longer
  listings page with ``position``;
- a ``/get`` can take the ids of a ``/query`` in the same request through a result reference
  (``#ids``), which saves a round trip for the first page;
- ``Set``/``List`` values are JSON objects (``{"addr": true}``, ``{"0": {...}}``);
- ``dnsZoneFile`` is computed on every get that includes it: it is never read in listings.

Reading all domains, accounts and mailing lists costs two requests up to 500 of each kind,
and about one more per 8,000 objects beyond that (plus one for the session), however many
members the tenants have. Every listing is checked for completeness (the ``total`` of each
query, ids unique, every id fetched): anything short raises :class:`IncompleteRead`.

Writes ("apply one typed change") belong beside the readers in this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from dezkysync.http import (
    IncompleteRead,
    ServiceClient,
    UnexpectedResponse,
    run_bounded,
)
from dezkysync.live.model import (
    LiveAlias,
    LiveDomain,
    LiveMailbox,
    LiveMailingList,
    StalwartState,
)
from dezkysync.services.ownership import read_stalwart_description

JMAP_PATH = "/jmap"
SESSION_PATH = "/jmap/session"
CAPABILITY = "urn:stalwart:jmap"
USING = ("urn:ietf:params:jmap:core", CAPABILITY)

MAX_CALLS = 16  # maxCallsInRequest
MAX_GET = 500  # maxObjectsInGet
QUERY_LIMIT = 5000  # queryMaxResults
FIRST_PAGE = 500  # ids fetched in the first request through a result reference
ZONE_FILES_PER_GET = 50  # zone files are large; keep each answer modest

DOMAIN_PROPERTIES = ("id", "name", "aliases", "description", "isEnabled")
ACCOUNT_PROPERTIES = (
    "id",
    "@type",
    "name",
    "domainId",
    "emailAddress",
    "description",
    "aliases",
    "quotas",
    "permissions",
)
LIST_PROPERTIES = (
    "id",
    "name",
    "domainId",
    "emailAddress",
    "description",
    "aliases",
    "recipients",
)


@dataclass(frozen=True)
class StalwartSession:
    """Who the token acts as, and the account id management calls use."""

    username: str
    account_id: str


@dataclass(frozen=True)
class Listing:
    """What to list: an object type, a query filter and the properties to get."""

    object_type: str  # "x:Domain"
    properties: tuple[str, ...]
    filter: Mapping[str, Any] | None = None


@dataclass
class _Progress:
    """A listing being read: ids found so far (in query order), objects fetched, totals."""

    listing: Listing
    total: int | None = None
    ids: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    next_position: int = 0
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    requested: set[str] = field(default_factory=set)


class StalwartClient:
    """Reads (and, later, writes) Stalwart through one :class:`ServiceClient`."""

    service = "stalwart"

    def __init__(self, http: ServiceClient, *, concurrency: int = 4) -> None:
        self.http = http
        self.concurrency = max(1, concurrency)
        self._session: StalwartSession | None = None

    # -- the session --------------------------------------------------------------------------
    def session(self) -> StalwartSession:
        """The JMAP session (``GET /jmap/session``): username and management account id."""
        if self._session is None:
            body = self.http.get_json(SESSION_PATH)
            if not isinstance(body, dict):
                raise self.http.fail("GET", SESSION_PATH, "the session is not a JSON object")
            username = body.get("username")
            accounts = body.get("primaryAccounts")
            account_id = accounts.get(CAPABILITY) if isinstance(accounts, dict) else None
            if not isinstance(username, str) or not isinstance(account_id, str):
                raise self.http.fail(
                    "GET",
                    SESSION_PATH,
                    f"the session names no username or no {CAPABILITY} account "
                    "(is the token an administrator's?)",
                )
            self._session = StalwartSession(username=username, account_id=account_id)
        return self._session

    # -- reading ------------------------------------------------------------------------------
    def read_state(self) -> StalwartState:
        """Every domain, user account and mailing list (complete, or an error)."""
        session = self.session()
        domains_raw, accounts_raw, lists_raw = self.list_objects(
            [
                Listing("x:Domain", DOMAIN_PROPERTIES),
                Listing("x:Account", ACCOUNT_PROPERTIES, {"@type": "User"}),
                Listing("x:MailingList", LIST_PROPERTIES),
            ]
        )
        domains = [self._domain(raw) for raw in domains_raw]
        names = {d.id: d.name for d in domains}
        mailboxes = [
            self._mailbox(raw, names)
            for raw in accounts_raw
            if raw.get("@type", "User") == "User"  # the filter asked for users only
        ]
        lists = [self._list(raw, names) for raw in lists_raw]
        return StalwartState(
            identity=session.username,
            account_id=session.account_id,
            domains=tuple(sorted(domains, key=lambda d: d.name)),
            mailboxes=tuple(sorted(mailboxes, key=lambda m: m.email)),
            lists=tuple(sorted(lists, key=lambda ml: ml.email)),
        )

    def read_zone_files(self, domain_names: Sequence[str]) -> dict[str, str | None]:
        """The ``dnsZoneFile`` of each named domain (None for a domain Stalwart does not have),
        keyed by the names as given. Batched: one listing, then gets of the zone files."""
        wanted = {name: name.strip().rstrip(".").lower() for name in domain_names}
        if not wanted:
            return {}
        (domains_raw,) = self.list_objects([Listing("x:Domain", ("id", "name"))])
        ids_by_name: dict[str, str] = {}
        for raw in domains_raw:
            name, ident = raw.get("name"), raw.get("id")
            if isinstance(name, str) and isinstance(ident, str):
                ids_by_name[name.lower()] = ident
        ids = sorted({ids_by_name[n] for n in wanted.values() if n in ids_by_name})
        zones: dict[str, str] = {}
        chunks = [ids[i : i + ZONE_FILES_PER_GET] for i in range(0, len(ids), ZONE_FILES_PER_GET)]
        account = self.session().account_id
        calls = [
            [
                "x:Domain/get",
                {"accountId": account, "ids": chunk, "properties": ["id", "name", "dnsZoneFile"]},
            ]
            for chunk in chunks
        ]
        for answer, chunk in zip(self._call_many(calls), chunks, strict=True):
            found = self._get_list(answer, "x:Domain/get", set(chunk))
            for raw in found:
                zone = raw.get("dnsZoneFile")
                if not isinstance(zone, str):
                    raise self.http.fail("POST", JMAP_PATH, "x:Domain/get returned no dnsZoneFile")
                zones[str(raw["id"])] = zone
        return {
            given: zones.get(ids_by_name[normal]) if normal in ids_by_name else None
            for given, normal in wanted.items()
        }

    def list_objects(self, listings: Sequence[Listing]) -> list[list[dict[str, Any]]]:
        """Every object of each listing, complete (see the module docstring), in query order."""
        account = self.session().account_id
        progress = [_Progress(listing) for listing in listings]
        # Round 1: the first page of every listing, fetched through a result reference, plus
        # a query for the ids after it.
        calls: list[list[Any]] = []
        for number, item in enumerate(progress):
            calls.append(self._query(item, account, 0, FIRST_PAGE, f"q{number}"))
            calls.append(
                [
                    f"{item.listing.object_type}/get",
                    {
                        "accountId": account,
                        "#ids": {
                            "resultOf": f"q{number}",
                            "name": f"{item.listing.object_type}/query",
                            "path": "/ids",
                        },
                        "properties": list(item.listing.properties),
                    },
                    f"g{number}",
                ]
            )
            calls.append(self._query(item, account, FIRST_PAGE, QUERY_LIMIT, f"r{number}"))
        answers = self.call(calls)
        for number, item in enumerate(progress):
            self._take_ids(item, answers[f"q{number}"], 0)
            first = list(item.ids)
            for raw in self._get_list(
                answers[f"g{number}"], f"{item.listing.object_type}/get", set(first)
            ):
                item.objects[str(raw["id"])] = raw
            item.requested.update(first)
            if item.next_position == FIRST_PAGE:
                self._take_ids(item, answers[f"r{number}"], FIRST_PAGE)
            # else: everything came in the first page, or the server pages shorter than asked;
            # the ids after the first page are then queried in the next round.
        # Further rounds: remaining id pages and gets of the ids not fetched yet.
        while True:
            work: list[tuple[_Progress, list[Any], list[str] | None]] = []
            for item in progress:
                assert item.total is not None
                if len(item.ids) < item.total:
                    call = self._query(item, account, item.next_position, QUERY_LIMIT, "")
                    work.append((item, call, None))
                missing = [i for i in item.ids if i not in item.requested]
                for start in range(0, len(missing), MAX_GET):
                    chunk = missing[start : start + MAX_GET]
                    item.requested.update(chunk)
                    call = [
                        f"{item.listing.object_type}/get",
                        {
                            "accountId": account,
                            "ids": chunk,
                            "properties": list(item.listing.properties),
                        },
                        "",
                    ]
                    work.append((item, call, chunk))
            if not work:
                break
            answers_list = self._call_many([call for _, call, _ in work])
            for (item, call, asked), answer in zip(work, answers_list, strict=True):
                if asked is None:
                    self._take_ids(item, answer, int(call[1]["position"]))
                else:
                    for raw in self._get_list(answer, call[0], set(asked)):
                        item.objects[str(raw["id"])] = raw
        results: list[list[dict[str, Any]]] = []
        for item in progress:
            assert item.total is not None
            if len(item.ids) != item.total or set(item.objects) != set(item.ids):
                raise self._incomplete(
                    f"{item.listing.object_type}: {len(item.objects)} of {item.total} objects read"
                )
            results.append([item.objects[i] for i in item.ids])
        return results

    # -- JMAP plumbing --------------------------------------------------------------------------
    def call(
        self,
        calls: Sequence[Sequence[Any]],
        *,
        read_only: bool = True,
        idempotent: bool | None = None,
    ) -> dict[str, Any]:
        """Send one JMAP request (at most 16 calls); return each call's arguments by call id.

        ``read_only``: the calls only read (counted as a read). ``idempotent``: the request may be
        retried; it defaults to ``read_only`` (a write is retried only when its caller says a
        retry cannot duplicate it).

        A method error raises :class:`UnexpectedResponse` naming the method and the error.
        """
        if len(calls) > MAX_CALLS:
            raise ValueError(f"{len(calls)} calls in one JMAP request (at most {MAX_CALLS})")
        body = {"using": list(USING), "methodCalls": [list(c) for c in calls]}
        answer = self.http.send_json(
            "POST",
            JMAP_PATH,
            body,
            idempotent=read_only if idempotent is None else idempotent,
            write=not read_only,
            accept=(200,),
        )
        responses = answer.get("methodResponses") if isinstance(answer, dict) else None
        if not isinstance(responses, list):
            raise self.http.fail("POST", JMAP_PATH, "the answer has no methodResponses list")
        by_id: dict[str, Any] = {}
        names = {str(c[2]): str(c[0]) for c in calls}
        for entry in responses:
            if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[1], dict)):
                raise self.http.fail("POST", JMAP_PATH, "a method response is malformed")
            name, arguments, call_id = entry
            if name == "error":
                kind = arguments.get("type", "unknown")
                text = arguments.get("description") or ""
                method = names.get(str(call_id), "a method")
                raise self.http.fail(
                    "POST", JMAP_PATH, f"{method} failed: {kind}{': ' + text if text else ''}"
                )
            by_id[str(call_id)] = arguments
        for call_id, method in names.items():
            if call_id not in by_id:
                raise self._incomplete(f"no answer to {method} (call {call_id})")
        return by_id

    def _call_many(self, calls: Sequence[list[Any]]) -> list[Any]:
        """Send ``calls`` packed 16 to a request, the requests concurrently; answers in order."""
        batches = [list(calls[i : i + MAX_CALLS]) for i in range(0, len(calls), MAX_CALLS)]

        def send(batch: list[list[Any]]) -> list[Any]:
            numbered = [[c[0], c[1], f"c{n}"] for n, c in enumerate(batch)]
            answers = self.call(numbered)
            return [answers[f"c{n}"] for n in range(len(batch))]

        results = run_bounded([partial(send, batch) for batch in batches], self.concurrency)
        return [answer for batch in results for answer in batch]

    @staticmethod
    def _query(item: _Progress, account: str, position: int, limit: int, call_id: str) -> list[Any]:
        arguments: dict[str, Any] = {
            "accountId": account,
            "position": position,
            "limit": limit,
            "calculateTotal": True,
        }
        if item.listing.filter:
            arguments["filter"] = dict(item.listing.filter)
        return [f"{item.listing.object_type}/query", arguments, call_id]

    def _take_ids(self, item: _Progress, answer: Any, position: int) -> None:
        what = f"{item.listing.object_type}/query"
        ids = answer.get("ids") if isinstance(answer, dict) else None
        total = answer.get("total") if isinstance(answer, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise self.http.fail("POST", JMAP_PATH, f"{what} returned no id list")
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            raise self.http.fail("POST", JMAP_PATH, f"{what} returned no total")
        if item.total is None:
            item.total = total
        elif total != item.total:
            raise self._incomplete(
                f"{what}: the total changed from {item.total} to {total} while reading "
                "(objects created or removed meanwhile); run again"
            )
        if position != item.next_position:
            raise self._incomplete(f"{what}: page at {position}, expected {item.next_position}")
        expected = max(0, item.total - position)
        if not ids and expected:
            raise self._incomplete(f"{what}: no ids at position {position} of {item.total}")
        if len(ids) > expected:
            raise self._incomplete(f"{what}: more ids than the total of {item.total}")
        for ident in ids:
            if ident in item.seen:
                raise self._incomplete(
                    f"{what}: id {ident} listed twice (objects changed while reading); run again"
                )
            item.seen.add(ident)
            item.ids.append(ident)
        item.next_position = position + len(ids)

    def _get_list(self, answer: Any, what: str, requested: set[str]) -> list[dict[str, Any]]:
        found = answer.get("list") if isinstance(answer, dict) else None
        if not isinstance(found, list) or not all(
            isinstance(o, dict) and isinstance(o.get("id"), str) for o in found
        ):
            raise self.http.fail("POST", JMAP_PATH, f"{what} returned no object list")
        not_found = answer.get("notFound") or []
        got = {str(o["id"]) for o in found}
        if not_found or got != requested:
            missing = sorted(requested - got)
            raise self._incomplete(
                f"{what}: {len(missing) or len(not_found)} of {len(requested)} objects missing "
                "from the answer (removed while reading?); run again"
            )
        return found

    def _incomplete(self, problem: str) -> IncompleteRead:
        return self.http.incomplete("POST", JMAP_PATH, problem)

    # -- objects --------------------------------------------------------------------------------
    def _domain(self, raw: Mapping[str, Any]) -> LiveDomain:
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise self._bad("x:Domain", raw, "no name")
        description = _text(raw.get("description"))
        display, owner = read_stalwart_description(description)
        return LiveDomain(
            id=str(raw["id"]),
            name=name.lower(),
            owner=owner,
            display_name=display,
            description=description,
        )

    def _mailbox(self, raw: Mapping[str, Any], domains: Mapping[str, str]) -> LiveMailbox:
        email = self._address(raw, domains, "x:Account")
        description = _text(raw.get("description"))
        display, owner = read_stalwart_description(description)
        quotas = raw.get("quotas")
        quota = quotas.get("maxDiskQuota") if isinstance(quotas, dict) else None
        permissions = raw.get("permissions")
        return LiveMailbox(
            id=str(raw["id"]),
            email=email,
            domain_id=str(raw.get("domainId")),
            owner=owner,
            display_name=display,
            description=description,
            aliases=self._aliases(raw.get("aliases"), domains, str(raw["id"])),
            quota=quota if isinstance(quota, int) and not isinstance(quota, bool) else None,
            permissions=dict(permissions)
            if isinstance(permissions, dict)
            else {"@type": "Inherit"},
        )

    def _list(self, raw: Mapping[str, Any], domains: Mapping[str, str]) -> LiveMailingList:
        email = self._address(raw, domains, "x:MailingList")
        description = _text(raw.get("description"))
        display, owner = read_stalwart_description(description)
        return LiveMailingList(
            id=str(raw["id"]),
            email=email,
            domain_id=str(raw.get("domainId")),
            owner=owner,
            display_name=display,
            description=description,
            recipients=tuple(sorted({r.lower() for r in _set_members(raw.get("recipients"))})),
            aliases=self._aliases(raw.get("aliases"), domains, str(raw["id"])),
        )

    def _address(self, raw: Mapping[str, Any], domains: Mapping[str, str], what: str) -> str:
        name, domain_id = raw.get("name"), raw.get("domainId")
        if not isinstance(name, str) or not isinstance(domain_id, str):
            raise self._bad(what, raw, "no name or domainId")
        if domain_id not in domains:
            raise self._incomplete(
                f"{what} {raw['id']} is on domain id {domain_id}, which the domain listing "
                "did not return; run again"
            )
        address = raw.get("emailAddress")
        if isinstance(address, str) and "@" in address:
            return address.lower()
        return f"{name.lower()}@{domains[domain_id]}"

    def _aliases(self, value: Any, domains: Mapping[str, str], owner: str) -> tuple[LiveAlias, ...]:
        entries: Iterable[tuple[str, Any]]
        if isinstance(value, dict):
            entries = value.items()
        elif isinstance(value, list):
            entries = ((str(n), v) for n, v in enumerate(value))
        else:
            entries = ()
        aliases: list[LiveAlias] = []
        for index, entry in entries:
            if entry is None:
                continue
            name = entry.get("name") if isinstance(entry, dict) else None
            domain_id = entry.get("domainId") if isinstance(entry, dict) else None
            if not isinstance(name, str) or not isinstance(domain_id, str):
                raise self.http.fail("POST", JMAP_PATH, f"an alias of {owner} is malformed")
            if domain_id not in domains:
                raise self._incomplete(
                    f"an alias of {owner} is on domain id {domain_id}, which the domain listing "
                    "did not return; run again"
                )
            assert isinstance(entry, dict)
            aliases.append(
                LiveAlias(
                    email=f"{name.lower()}@{domains[domain_id]}",
                    index=str(index),
                    domain_id=domain_id,
                    enabled=entry.get("enabled") is not False,
                )
            )
        return tuple(sorted(aliases, key=lambda a: a.email))

    def _bad(self, what: str, raw: Mapping[str, Any], problem: str) -> UnexpectedResponse:
        return self.http.fail("POST", JMAP_PATH, f"{what} {raw.get('id')}: {problem}")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _set_members(value: Any) -> list[str]:
    """The members of a JMAP ``Set`` (``{"x": true}``); a plain list is accepted too."""
    if isinstance(value, dict):
        return [str(k) for k, v in value.items() if v is True]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str)]
    return []

"""Where the expected records come from: Stalwart's ``dnsZoneFile`` of each domain, or zone
files on disk (``--zone-file DOMAIN=PATH``).

:func:`live_zone_files` is the one seam to Stalwart. Until the shared Stalwart client offers
``read_zone_files``, it makes its own small JMAP call: ``POST {STALWART_URL}/jmap`` with
``Authorization: Bearer {STALWART_TOKEN}``, one ``x:Domain/query`` (filter ``name``) plus a
``#ids`` ``x:Domain/get`` of ``name`` and ``dnsZoneFile`` per domain, at most 16 calls per
request.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from dezkysync.tenants.addresses import lookup_domain

URL_ENV = "STALWART_URL"
TOKEN_ENV = "STALWART_TOKEN"
JMAP_USING = ["urn:ietf:params:jmap:core", "urn:stalwart:jmap"]
#: Stalwart's default ``maxCallsInRequest``; each domain takes two calls.
MAX_CALLS_PER_REQUEST = 16
DOMAINS_PER_REQUEST = MAX_CALLS_PER_REQUEST // 2
HTTP_TIMEOUT = 30.0
HTTP_ATTEMPTS = 2
MAX_RETRY_AFTER = 10.0


class ZoneSourceError(Exception):
    """The zone files could not be read (Stalwart unreachable or refusing, a file missing)."""


def live_zone_files(
    domains: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, str | None]:
    """Stalwart's ``dnsZoneFile`` for each domain (``None``: Stalwart has no such domain).

    Keys are the normalised domain names. ``env`` defaults to the process environment;
    ``transport`` lets the sandbox or a test put an emulator behind the call. Raises
    :class:`ZoneSourceError` on any failed read: a partial answer is never returned.
    """
    names = list(dict.fromkeys(lookup_domain(domain) for domain in domains))
    if not names:
        return {}
    url, token = _endpoint(env)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    result: dict[str, str | None] = {}
    with httpx.Client(transport=transport, timeout=HTTP_TIMEOUT, headers=headers) as client:
        for start in range(0, len(names), DOMAINS_PER_REQUEST):
            batch = names[start : start + DOMAINS_PER_REQUEST]
            result.update(_read_batch(client, url + "/jmap", batch))
    return result


def _endpoint(env: Mapping[str, str] | None) -> tuple[str, str]:
    environ = os.environ if env is None else env
    url = (environ.get(URL_ENV) or "").strip().rstrip("/")
    token = (environ.get(TOKEN_ENV) or "").strip()
    missing = [name for name, value in ((URL_ENV, url), (TOKEN_ENV, token)) if not value]
    if missing:
        raise ZoneSourceError(
            f"{' and '.join(missing)} not set: dezkysync reads the records to expect from"
            " Stalwart (or pass --zone-file DOMAIN=PATH for every domain)"
        )
    return url, token


def _read_batch(client: httpx.Client, url: str, names: list[str]) -> dict[str, str | None]:
    calls: list[list[Any]] = []
    for index, name in enumerate(names):
        calls.append(["x:Domain/query", {"filter": {"name": name}}, f"q{index}"])
        calls.append(
            [
                "x:Domain/get",
                {
                    "#ids": {"resultOf": f"q{index}", "name": "x:Domain/query", "path": "/ids"},
                    "properties": ["name", "dnsZoneFile"],
                },
                f"g{index}",
            ]
        )
    body = _post(client, url, {"using": JMAP_USING, "methodCalls": calls})
    responses = body.get("methodResponses")
    if not isinstance(responses, list):
        raise ZoneSourceError("Stalwart answered without methodResponses")
    by_id: dict[str, tuple[str, Any]] = {}
    for entry in responses:
        if isinstance(entry, list) and len(entry) == 3 and isinstance(entry[2], str):
            by_id[entry[2]] = (str(entry[0]), entry[1])
    result: dict[str, str | None] = {}
    for index, name in enumerate(names):
        for call_id in (f"q{index}", f"g{index}"):
            method, args = by_id.get(call_id, ("", None))
            if method == "error":
                kind = args.get("type", "error") if isinstance(args, dict) else "error"
                text = args.get("description", "") if isinstance(args, dict) else ""
                raise ZoneSourceError(
                    f"Stalwart refused to read domain {name}: {kind}"
                    + (f" ({text})" if text else "")
                )
            if not isinstance(args, dict):
                raise ZoneSourceError(f"Stalwart's answer lacks the reading of domain {name}")
        listed = by_id[f"g{index}"][1].get("list")
        if not isinstance(listed, list):
            raise ZoneSourceError(f"Stalwart's answer for domain {name} has no list")
        zone: str | None = None
        for item in listed:
            if isinstance(item, dict) and str(item.get("name", "")).lower() == name:
                value = item.get("dnsZoneFile")
                if not isinstance(value, str):
                    raise ZoneSourceError(f"Stalwart gave no dnsZoneFile for domain {name}")
                zone = value
        result[name] = zone
    return result


def _post(client: httpx.Client, url: str, payload: dict[str, Any]) -> dict[str, Any]:
    problem = ""
    for attempt in range(1, HTTP_ATTEMPTS + 1):
        try:
            response = client.post(url, json=payload)
        except httpx.HTTPError as exc:
            problem = f"Stalwart is unreachable at {url}: {type(exc).__name__}: {exc}"
            continue
        if response.status_code in (401, 403):
            raise ZoneSourceError(
                f"Stalwart refused the credentials in {TOKEN_ENV} (HTTP {response.status_code})"
            )
        if response.status_code == 429 or response.status_code >= 500:
            problem = f"Stalwart answered HTTP {response.status_code} at {url}"
            if attempt < HTTP_ATTEMPTS:
                time.sleep(_retry_after(response))
            continue
        if response.status_code != 200:
            raise ZoneSourceError(f"Stalwart answered HTTP {response.status_code} at {url}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ZoneSourceError(f"Stalwart's answer at {url} is not JSON") from exc
        if not isinstance(body, dict):
            raise ZoneSourceError(f"Stalwart's answer at {url} is not a JSON object")
        return body
    raise ZoneSourceError(problem + f" (tried {HTTP_ATTEMPTS} times)")


def _retry_after(response: httpx.Response) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return 0.5


def read_zone_files(
    domains: Sequence[str],
    zone_paths: Mapping[str, Path],
    *,
    env: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, str | None]:
    """The zone file of each domain: from disk where ``zone_paths`` names one, from Stalwart
    for the rest (Stalwart is not contacted when every domain has a file on disk)."""
    texts: dict[str, str | None] = dict(zone_files_from_disk(zone_paths))
    remaining = [d for d in dict.fromkeys(lookup_domain(d) for d in domains) if d not in texts]
    if remaining:
        texts.update(live_zone_files(remaining, env=env, transport=transport))
    return texts


def parse_zone_file_option(text: str) -> tuple[str, Path]:
    """Read ``DOMAIN=PATH`` (the ``--zone-file`` option); ValueError when malformed."""
    domain, equals, path = text.partition("=")
    if not equals or not domain.strip() or not path.strip():
        raise ValueError(f"--zone-file {text!r}: write DOMAIN=PATH")
    return lookup_domain(domain), Path(path.strip())


def zone_files_from_disk(paths: Mapping[str, Path]) -> dict[str, str]:
    """The text of each zone file, keyed by normalised domain."""
    texts: dict[str, str] = {}
    for domain, path in paths.items():
        try:
            texts[lookup_domain(domain)] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ZoneSourceError(
                f"cannot read the zone file of {domain} at {path}: {exc}"
            ) from exc
    return texts

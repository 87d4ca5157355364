"""Where the expected records come from: Stalwart's ``dnsZoneFile`` of each domain, or zone
files on disk (``--zone-file DOMAIN=PATH``).

:func:`live_zone_files` is the one seam to Stalwart. It reads through the shared Stalwart client
(:meth:`dezkysync.services.stalwart.StalwartClient.read_zone_files`, the one place that knows
Stalwart's JMAP limits and batching) over a :class:`dezkysync.http.ServiceClient` (timeout,
retries with backoff, no token in any message). Only Stalwart's settings are read:
``STALWART_URL`` (or ``services.stalwart.url`` in the configuration file), ``STALWART_TOKEN``
and ``STALWART_PROVISIONING_ENABLED``; ``false`` there means there is no Stalwart to read from.
Every failure is a :class:`ZoneSourceError`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from dezkysync.config import (
    ENV_PREFIX,
    STALWART_ENABLED_VAR,
    ConfigError,
    ServiceSettings,
    load_config,
)
from dezkysync.http import (
    AuthenticationFailed,
    IncompleteRead,
    RetryPolicy,
    ServiceClient,
    ServiceError,
    ServiceUnavailable,
)
from dezkysync.services.stalwart import StalwartClient
from dezkysync.tenants.addresses import lookup_domain

URL_ENV = f"{ENV_PREFIX['stalwart']}_URL"
TOKEN_ENV = f"{ENV_PREFIX['stalwart']}_TOKEN"
#: The environment variables reading Stalwart depends on (no other service is needed).
STALWART_VARIABLES = (URL_ENV, TOKEN_ENV, STALWART_ENABLED_VAR)
_ZONE_FILE_HINT = "give the zone files on disk with --zone-file"


class ZoneSourceError(Exception):
    """The zone files could not be read (Stalwart not configured, disabled, unreachable or
    refusing; a file missing). The message never carries the token."""


def live_zone_files(
    domains: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    config_path: Path | None = None,
    retry: RetryPolicy | None = None,
) -> dict[str, str | None]:
    """Stalwart's ``dnsZoneFile`` for each domain (``None``: Stalwart has no such domain).

    Keys are the normalised domain names. ``env`` defaults to the process environment;
    ``config_path`` is the optional configuration file (Stalwart's URL and timeout);
    ``transport`` lets the sandbox or a test put an emulator behind the call; ``retry``
    overrides the shared retry policy. Raises :class:`ZoneSourceError` on any failed read:
    a partial answer is never returned. No domains, no configuration read, no request.
    """
    names = list(dict.fromkeys(lookup_domain(domain) for domain in domains))
    if not names:
        return {}
    settings, concurrency = stalwart_settings(env, config_path)
    with ServiceClient(
        settings.name,
        settings.url,
        settings.token,
        timeout=settings.timeout,
        transport=transport,
        retry=retry,
        max_connections=concurrency,
    ) as http:
        try:
            zones = StalwartClient(http, concurrency=concurrency).read_zone_files(names)
        except ServiceError as exc:
            raise ZoneSourceError(_explain(exc, settings)) from None
    return {name: zones[name] for name in names}


def stalwart_settings(
    env: Mapping[str, str] | None = None, config_path: Path | None = None
) -> tuple[ServiceSettings, int]:
    """How to reach Stalwart, and how many requests may be in flight (``concurrency``).

    Reads only :data:`STALWART_VARIABLES` from ``env`` (the process environment by default)
    plus the configuration file at ``config_path``: Authentik and OCIS are not needed.
    Raises :class:`ZoneSourceError` naming what is missing or wrong.
    """
    environ = os.environ if env is None else env
    stalwart_env = {name: environ[name] for name in STALWART_VARIABLES if name in environ}
    try:
        config = load_config(env=stalwart_env, path=config_path, require_services=False)
    except ConfigError as exc:
        problems = "; ".join(str(problem) for problem in exc.problems)
        raise ZoneSourceError(f"the configuration cannot be used: {problems}") from None
    if not config.stalwart_enabled:
        setting = f"{STALWART_ENABLED_VAR}={stalwart_env[STALWART_ENABLED_VAR].strip()}"
        raise ZoneSourceError(
            f"Stalwart is disabled ({setting}), so there is no Stalwart to read the records to"
            f" expect from; {_ZONE_FILE_HINT} instead"
        )
    if "stalwart" not in config.services:
        raise ZoneSourceError(_not_configured(stalwart_env, config_path))
    return config.service("stalwart"), config.concurrency


def _not_configured(env: Mapping[str, str], config_path: Path | None) -> str:
    """Name what is missing: the URL (environment or file), the token (environment only)."""
    has_token = bool((env.get(TOKEN_ENV) or "").strip())
    has_url = bool((env.get(URL_ENV) or "").strip()) or (
        config_path is not None and _file_names_url(config_path)
    )
    missing = [name for name, found in ((URL_ENV, has_url), (TOKEN_ENV, has_token)) if not found]
    if not missing:  # not expected: the loader leaves Stalwart out only when one is missing
        missing = [URL_ENV, TOKEN_ENV]
    note = ""
    if not has_url and config_path is not None:
        note = f" (and {config_path} has no services.stalwart.url)"
    return (
        f"{' and '.join(missing)} not set{note}: dezkysync reads the records to expect from"
        f" Stalwart (set {'them' if len(missing) > 1 else 'it'}, or {_ZONE_FILE_HINT})"
    )


def _file_names_url(config_path: Path) -> bool:
    """Whether the configuration file gives Stalwart's URL (asked of the loader itself, with a
    stand-in token, so that the file is read by one set of rules)."""
    probe = {TOKEN_ENV: "stand-in"}
    return "stalwart" in load_config(env=probe, path=config_path, require_services=False).services


def _explain(exc: ServiceError, settings: ServiceSettings) -> str:
    """A one-line reason for a failed read: which Stalwart, what went wrong, the details."""
    where = f"Stalwart at {settings.url}"
    if isinstance(exc, AuthenticationFailed):
        what = f"{where} refused the token in {TOKEN_ENV}"
    elif isinstance(exc, ServiceUnavailable):
        what = f"{where} is unreachable" if exc.status is None else f"{where} is unavailable"
    elif isinstance(exc, IncompleteRead):
        what = f"{where} gave an incomplete answer"
    else:
        what = f"{where} gave an answer dezkysync cannot use"
    detail = str(exc).replace(settings.token, "***") if settings.token else str(exc)
    return f"cannot read the zone files: {what} ({detail})"


def read_zone_files(
    domains: Sequence[str],
    zone_paths: Mapping[str, Path],
    *,
    env: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    config_path: Path | None = None,
    retry: RetryPolicy | None = None,
) -> dict[str, str | None]:
    """The zone file of each domain: from disk where ``zone_paths`` names one, from Stalwart
    for the rest (Stalwart is not contacted, nor its configuration read, when every domain has
    a file on disk)."""
    texts: dict[str, str | None] = dict(zone_files_from_disk(zone_paths))
    remaining = [d for d in dict.fromkeys(lookup_domain(d) for d in domains) if d not in texts]
    if remaining:
        texts.update(
            live_zone_files(
                remaining, env=env, transport=transport, config_path=config_path, retry=retry
            )
        )
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

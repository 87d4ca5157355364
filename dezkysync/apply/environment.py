"""Where a command's services are: the real ones (environment variables and the config file),
or, with ``--sandbox`` (explicit, never implied), the embedded emulators in a local directory."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from dezkysync.config import Config, default_config_path, load_config


@contextmanager
def service_environment(
    *, sandbox: bool, sandbox_dir: Path
) -> Iterator[tuple[Mapping[str, str], dict[str, httpx.BaseTransport]]]:
    """The environment and transports to reach the services (the sandbox is opened, locked,
    and saved again when the block ends). Raises
    :class:`dezkysync.sandbox.runtime.SandboxError` when the sandbox cannot be used."""
    if not sandbox:
        yield os.environ, {}
        return
    from dezkysync.sandbox.runtime import open_sandbox

    session = open_sandbox(sandbox_dir)
    try:
        yield {**os.environ, **session.env}, dict(session.transports)
    finally:
        session.close()


def load_run_config(
    env: Mapping[str, str],
    transports: Mapping[str, httpx.BaseTransport],
    config_path: Path | None,
) -> Config:
    """The configuration of a run (``./dezkysync.yaml`` when no path is given and it exists).
    Raises :class:`dezkysync.config.ConfigError`."""
    return load_config(
        env=env, path=config_path or default_config_path(), transports=dict(transports)
    )

"""``dezkysync sandbox``: serve the embedded emulators, or reset their state."""

from __future__ import annotations

import ipaddress
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click

from dezkysync.cli._context import CliContext
from dezkysync.files import write_atomically
from dezkysync.sandbox._wsgi import FaultRule
from dezkysync.sandbox.runtime import SERVICES, SandboxError, SandboxSession

_dir_option = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="State directory [default: the global --sandbox-dir].",
)


def _parse_latency(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[float, float] | None:
    if value is None:
        return None
    fixed, _, jitter = value.partition(":")
    try:
        delay, spread = float(fixed) / 1000, float(jitter or 0) / 1000
    except ValueError:
        raise click.BadParameter("write MS or MS:JITTER, e.g. 20 or 20:10", ctx, param) from None
    if delay < 0 or spread < 0:
        raise click.BadParameter("latency cannot be negative", ctx, param)
    return delay, spread


def _parse_faults(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[tuple[str, FaultRule], ...]:
    rules: list[tuple[str, FaultRule]] = []
    for value in values:
        service, _, text = value.partition("=")
        if service not in SERVICES:
            raise click.BadParameter(
                f"{value!r}: start with one of {', '.join(SERVICES)} and '='", ctx, param
            )
        try:
            options = json.loads(text)
            if not isinstance(options, dict):
                raise TypeError("the rule must be a JSON object")
            rules.append((service, FaultRule(**options)))
        except (ValueError, TypeError) as exc:
            raise click.BadParameter(f"{value!r}: {exc}", ctx, param) from None
    return tuple(rules)


@click.group(name="sandbox")
def group() -> None:
    """The embedded sandbox: emulated Stalwart, authentik and OCIS with persisted state."""


@group.command(name="serve")
@_dir_option
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the service variables once listening [default: DIR/sandbox.env].",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--latency",
    metavar="MS[:JITTER]",
    callback=_parse_latency,
    help="Delay every request of every emulator by MS milliseconds, plus up to JITTER more.",
)
@click.option(
    "--fault",
    "faults",
    metavar="SERVICE=RULE",
    multiple=True,
    callback=_parse_faults,
    help="Install a fault rule at start (repeatable): SERVICE is stalwart, authentik or ocis; "
    'RULE the JSON of POST /_emulator/faults, e.g. authentik={"kind": "status", '
    '"status": 503, "path": "/core/users/", "nth": 3}.',
)
def serve_command(
    directory: Path | None,
    env_file: Path | None,
    host: str,
    latency: tuple[float, float] | None,
    faults: tuple[tuple[str, FaultRule], ...],
) -> None:
    """Serve the three emulators on free ports until SIGINT or SIGTERM.

    Once listening it writes ENV_FILE (mode 0600) with STALWART_URL, STALWART_TOKEN,
    AUTHENTIK_URL, AUTHENTIK_TOKEN, OCIS_URL and OCIS_TOKEN, so that any dezkysync command (or
    your own test) can run against it: `set -a; . ENV_FILE; set +a`. Faults can be set at start
    (--latency, --fault) and changed while running through each emulator's /_emulator/faults.
    """
    from dezkysync.sandbox.server import ServerStackMissing, serve

    directory = directory or CliContext.current().sandbox_dir
    env_file = env_file or directory / "sandbox.env"
    if not _is_loopback(host):
        click.echo(
            f"warning: serving the sandbox on {host}, reachable beyond this machine; "
            "its tokens are in the environment file",
            err=True,
        )
    session = SandboxSession(directory, deferred_writes=True)
    try:
        session.open()
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from exc
    for service, rule in faults:
        session.emulators[service].faults.add(rule)
    if latency is not None:
        for emulator in session.emulators.values():
            emulator.faults.inject("latency", delay=latency[0], jitter=latency[1], times=None)
    servers = []
    try:
        for service in SERVICES:
            servers.append(serve(session.emulators[service], host=host))
        urls = {service: server.url for service, server in zip(SERVICES, servers, strict=True)}
        env = session.service_env(urls)
        text = "".join(f"{key}={value}\n" for key, value in env.items())
        write_atomically(env_file, text.encode(), mode=0o600)
        for service, server in zip(SERVICES, servers, strict=True):
            click.echo(f"{service:<10} {server.url}")
        click.echo(f"environment written to {env_file}; state kept in {directory}")
        click.echo("serving until interrupted (Ctrl-C)")
        sys.stdout.flush()
        _wait_for_signal()
    except ServerStackMissing as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot serve the sandbox on {host}: {exc}") from exc
    finally:
        for server in servers:
            server.close()
        session.close()
    click.echo("sandbox stopped; state saved")


@group.command(name="reset")
@_dir_option
def reset_command(directory: Path | None) -> None:
    """Empty the sandbox: every emulator back to a fresh install."""
    directory = directory or CliContext.current().sandbox_dir
    try:
        with SandboxSession(directory) as session:
            session.reset()
    except SandboxError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"sandbox in {directory} reset")


def _wait_for_signal() -> None:
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    while not stop.wait(0.5):
        pass


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False

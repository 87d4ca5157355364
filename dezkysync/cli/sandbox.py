"""``dezkysync sandbox``: serve the embedded emulators, or reset their state."""

from __future__ import annotations

import ipaddress
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click

from dezkysync.cli._context import CliContext
from dezkysync.files import write_atomically
from dezkysync.sandbox.runtime import SERVICES, SandboxError, SandboxSession

_dir_option = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="State directory [default: the global --sandbox-dir].",
)


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
def serve_command(directory: Path | None, env_file: Path | None, host: str) -> None:
    """Serve the three emulators on free ports until SIGINT or SIGTERM.

    Once listening it writes ENV_FILE (mode 0600) with STALWART_URL, STALWART_TOKEN,
    AUTHENTIK_URL, AUTHENTIK_TOKEN, OCIS_URL and OCIS_TOKEN, so that any dezkysync command (or
    your own test) can run against it: `set -a; . ENV_FILE; set +a`.
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

"""Serve an emulator on a loopback socket (needs the ``sandbox`` extra: werkzeug)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from dezkysync.sandbox._wsgi import Emulator


class ServerStackMissing(RuntimeError):
    """The optional HTTP server stack is not installed."""


@dataclass
class RunningServer:
    """An emulator listening on ``url`` in a background thread."""

    emulator: Emulator
    url: str
    _server: Any
    _thread: threading.Thread

    def close(self) -> None:
        """Stop listening and wait for the serving thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start serving ``emulator`` on ``host:port`` (port 0: a free port) and return at once."""
    try:
        from werkzeug.serving import make_server
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ServerStackMissing(
            "the sandbox HTTP server needs the 'sandbox' extra: pip install 'dezkysync[sandbox]'"
        ) from exc
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server(host, port, emulator, threaded=True)
    bound_host, bound_port = server.server_address[:2]
    host_text = bound_host.decode() if isinstance(bound_host, bytes) else str(bound_host)
    shown = f"[{host_text}]" if ":" in host_text else host_text
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"{emulator.service}-emulator",
        daemon=True,
    )
    thread.start()
    return RunningServer(emulator, f"http://{shown}:{bound_port}", server, thread)

"""The entry point: a server with every handler registered, run on stdio or TCP."""

from __future__ import annotations

import gc
import logging
import sys

from hptlens.lsp import commands, fixes, session, sync, views
from hptlens.lsp.server import HptLanguageServer
from hptlens.lsp.tcp import serve_tcp


def create_server() -> HptLanguageServer:
    """A server whose handlers are registered: each handler module says which methods it answers."""
    server = HptLanguageServer()
    for handlers in (session, sync, views, fixes, commands):
        handlers.register(server)
    return server


def serve(tcp: str | None = None) -> None:
    """Run the server on stdio, or on TCP at "HOST:PORT"."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="hptlens-lsp %(levelname)s: %(message)s")
    ours = logging.getLogger("hptlens")
    if ours.handlers:  # the CLI's one-line handler: without this, every line came twice
        ours.propagate = False
    server = create_server()
    # Everything imported so far lives as long as the server: keep it out of the cyclic
    # collector's scans, which would otherwise add pauses to edit-to-diagnostics latency.
    gc.collect()
    gc.freeze()
    if tcp is None:
        server.start_io()
        return
    host, _, port = tcp.rpartition(":")
    serve_tcp(server, host or "127.0.0.1", int(port))

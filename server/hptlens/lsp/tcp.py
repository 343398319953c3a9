"""`hptlens serve --tcp`: one client at a time on loopback, and who is on the other end."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import sys
import threading
from typing import Any

from pygls.server import run_async

from hptlens.lsp.protocol import TCP_TOKEN_ENV, TCP_TOKEN_KEY
from hptlens.lsp.server import HptLanguageServer

log = logging.getLogger(__name__)


def serve_tcp(ls: HptLanguageServer, host: str, port: int) -> None:
    """One client at a time on a loopback address, and only a client of this server's user:
    checked through /proc/net/tcp where there is one, else by a token in initializationOptions."""
    stop_event = threading.Event()
    busy = False

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal busy
        uid = peer_uid(writer.get_extra_info("peername"), writer.get_extra_info("sockname"))
        if busy or (uid is not None and uid != os.getuid()):
            log.warning("refused a TCP connection (%s)", "a client is connected" if busy else f"user id {uid}")
            writer.close()
            return
        busy = True
        if uid is None and ls.tcp_token is None:
            ls.tcp_token = os.environ.get(TCP_TOKEN_ENV) or secrets.token_urlsafe(24)
            print(
                f"hptlens: cannot check which user connected: send initializationOptions.{TCP_TOKEN_KEY} = "
                f"{ls.tcp_token}",
                file=sys.stderr,
                flush=True,
            )
        ls.protocol.set_writer(writer)
        await run_async(
            stop_event=stop_event, reader=reader, protocol=ls.protocol, logger=log, error_handler=ls.report_server_error
        )
        ls.shutdown()

    async def main() -> None:
        listener = await asyncio.start_server(connection, host, port)
        ls._stop_event, ls._server = stop_event, listener  # what pygls' shutdown() closes
        where = ", ".join(f"{s.getsockname()[0]}:{s.getsockname()[1]}" for s in listener.sockets)
        print(
            f"hptlens: language server listening on {where} (loopback only; clients of other users are refused)",
            file=sys.stderr,
            flush=True,
        )
        async with listener:
            await listener.serve_forever()

    try:
        asyncio.run(main())
    except asyncio.CancelledError:
        pass


def peer_uid(peer: Any, local: Any) -> int | None:
    """The user id owning the client end of a loopback TCP connection (Linux), else None."""
    if not (isinstance(peer, tuple) and isinstance(local, tuple)):
        return None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as handle:
                rows = handle.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 7 and _port(fields[1]) == peer[1] and _port(fields[2]) == local[1]:
                return int(fields[7])
    return None


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)

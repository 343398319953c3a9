"""Who is on the other end of a loopback TCP connection (for `hptlens serve --tcp`)."""

from __future__ import annotations

from typing import Any


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

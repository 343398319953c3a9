"""Bounds on every HTTP exchange with the LLM endpoint: a total deadline and a size cap.

The HTTP client's timeout applies to each socket read, so an endpoint that sends one byte
a second never times out, and an endless body grows memory without bound. Here the network
streams of the openai client's connection pool are wrapped: every read and write gets at
most the time left before the request's deadline, and the bytes received are counted
against a cap. The bounds live in a thread-local, set around each request by `bounded`
(the sync client does its I/O in the calling thread). Compressed answers are refused, since
a few compressed bytes can expand without limit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 8 * 1024 * 1024
"""Bytes read from the endpoint for one request (headers included); an answer about one file
part is a few KiB."""


class BoundExceeded(Exception):
    """A request went past its deadline or size cap; the message is ready to show."""


class _Bounds(threading.local):
    deadline: float | None = None
    left: int | None = None
    why: str = ""


_BOUNDS = _Bounds()


@contextmanager
def bounded(deadline: float, max_bytes: int, why: str) -> Iterator[None]:
    """Bound the requests made in this thread until the block ends; `why` ends the message
    given when the deadline passes."""
    _BOUNDS.deadline, _BOUNDS.left, _BOUNDS.why = deadline, max_bytes, why
    try:
        yield
    finally:
        _BOUNDS.deadline, _BOUNDS.left = None, None


def _time_left(timeout: float | None) -> float | None:
    deadline = _BOUNDS.deadline
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise BoundExceeded(_BOUNDS.why)
    return remaining if timeout is None else min(timeout, remaining)


def _received(count: int) -> None:
    if _BOUNDS.left is None:
        return
    _BOUNDS.left -= count
    if _BOUNDS.left < 0:
        raise BoundExceeded(f"the answer is larger than {MAX_RESPONSE_BYTES} bytes; not read further")


class _Stream:
    """A network stream whose reads and writes stay within the current bounds."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = self._inner.read(max_bytes, _time_left(timeout))
        _received(len(data))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _time_left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> _Stream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _time_left(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend:
    """Opens connections as the wrapped backend does, and wraps their streams."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, **options: Any) -> _Stream:
        return _Stream(self._inner.connect_tcp(host, port, _time_left(timeout), **options))

    def connect_unix_socket(self, path: str, timeout: float | None = None, **options: Any) -> _Stream:
        return _Stream(self._inner.connect_unix_socket(path, _time_left(timeout), **options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def bound_client(http_client: Any) -> bool:
    """Wrap the network backend of every connection pool of an httpx client (its default
    transport and proxy mounts). False when a pool does not have the expected shape."""
    transports = [getattr(http_client, "_transport", None), *getattr(http_client, "_mounts", {}).values()]
    shaped = True
    for transport in transports:
        if transport is None:
            continue
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is None:
            shaped = False
        elif not isinstance(backend, _Backend):
            pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
    return shaped


def refuse_compressed(response: Any) -> None:
    """httpx response hook: a compressed body could expand past any cap, so it is not read."""
    encoding = str(response.headers.get("content-encoding", "")).strip().lower()
    if encoding not in ("", "identity"):
        raise BoundExceeded(f"the endpoint sent a compressed answer ({encoding}) although none was accepted")

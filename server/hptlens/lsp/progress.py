"""Work-done progress for long commands (export, LLM review), when the client supports it.

Every method takes the token `begin` returned; None (no client support, or refused) makes them no-ops.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from lsprotocol import types as lsp

log = logging.getLogger(__name__)


class _Server(Protocol):
    @property
    def work_done_progress(self) -> Any: ...

    def capability(self, dotted: str) -> Any: ...


class Progress:
    def __init__(self, server: _Server) -> None:
        self.server = server

    async def begin(self, title: str) -> str | None:
        if not self.server.capability("window.work_done_progress"):
            return None
        token = str(uuid.uuid4())
        try:
            await self.server.work_done_progress.create_async(token)
        except Exception as exc:
            log.warning("work done progress refused: %s", exc)
            return None
        self.server.work_done_progress.begin(
            token, lsp.WorkDoneProgressBegin(title=title, cancellable=True, percentage=0)
        )
        return token

    def report(self, token: str | None, message: str, percentage: int | None = None) -> None:
        if token is not None:
            self.server.work_done_progress.report(
                token, lsp.WorkDoneProgressReport(message=message, percentage=percentage)
            )

    def end(self, token: str | None, message: str) -> None:
        if token is not None:
            self.server.work_done_progress.end(token, lsp.WorkDoneProgressEnd(message=message))

    def cancelled(self, token: str | None) -> Callable[[], bool]:
        future = self._future(token)
        return (lambda: future.cancelled()) if future is not None else (lambda: False)

    def on_cancel(self, token: str | None, callback: Callable[[], None]) -> None:
        """Call `callback` when the user cancels the progress."""
        future = self._future(token)
        if future is not None:
            future.add_done_callback(lambda f: callback() if f.cancelled() else None)

    def _future(self, token: str | None) -> Any:
        return self.server.work_done_progress.tokens.get(token) if token is not None else None

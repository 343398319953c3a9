"""The JSON-RPC side of the server: pygls' protocol, stricter at the edges."""

from __future__ import annotations

import hmac
import logging
from concurrent.futures import Future
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcInvalidParams
from pygls.protocol import LanguageServerProtocol

log = logging.getLogger(__name__)

NOT_INITIALIZED = -32002
TCP_TOKEN_KEY = "tcpToken"
TCP_TOKEN_ENV = "HPTLENS_TCP_TOKEN"


class HptProtocol(LanguageServerProtocol):
    """pygls' protocol, stricter at the edges: nothing but `initialize` (and `exit`) is handled
    before `initialize`, and errors reach the client without Python tracebacks."""

    initialize_seen = False

    def _handle_request(self, msg_id: Any, method_name: str, params: Any) -> None:
        if method_name == lsp.INITIALIZE:
            refusal = self._refusal(params)
            if refusal is not None:
                log.warning("refused a TCP client: %s", refusal)
                self._send_response(
                    msg_id, None, lsp.ResponseError(code=lsp.ErrorCodes.InvalidRequest, message=refusal)
                )
                return
            self.initialize_seen = True
        elif not self.initialize_seen:
            self._send_response(
                msg_id,
                None,
                lsp.ResponseError(code=NOT_INITIALIZED, message=f"{method_name}: the server is not initialized yet"),
            )
            return
        super()._handle_request(msg_id, method_name, params)

    def _handle_notification(self, method_name: str, params: Any) -> None:
        if self.initialize_seen or method_name == lsp.EXIT:
            super()._handle_notification(method_name, params)  # the spec: drop the others

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        """A cancel for a request already answered is routine (VS Code cancels lens and
        diagnostic requests whose answers are on their way): not worth pygls' warning."""
        if msg_id not in self._request_futures:
            log.debug("cancel for request %s, already answered", msg_id)
            return
        super()._handle_cancel_notification(msg_id)

    def _refusal(self, params: Any) -> str | None:
        expected = getattr(self._server, "tcp_token", None)
        if expected is None:
            return None
        options = getattr(params, "initialization_options", None)
        given = options.get(TCP_TOKEN_KEY) if isinstance(options, dict) else None
        if isinstance(given, str) and hmac.compare_digest(given, expected):
            return None
        return f"this server needs initializationOptions.{TCP_TOKEN_KEY} (printed when it started)"

    def _send_handler_result(self, future: Future[Any], *, msg_id: Any) -> None:
        """A refusal the server means (a bad argument, a path outside the workspace, an unknown
        site) is one log line and the error response; pygls would log it as a traceback."""
        refusal = None if future.cancelled() else future.exception()
        if not isinstance(refusal, JsonRpcInvalidParams):
            super()._send_handler_result(future, msg_id=msg_id)
            return
        self._request_futures.pop(msg_id, None)
        log.warning("refused request %s: %s", msg_id, " ".join(refusal.message.split()))
        self._send_response(msg_id, error=refusal.to_response_error())

    def _send_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        if error is not None and error.data is not None:
            error = lsp.ResponseError(code=error.code, message=error.message)  # pygls puts a traceback in data
        super()._send_response(msg_id, result, error)

"""A real OpenAI-compatible HTTP server on the loopback interface, for the LLM tests.

It speaks the Chat Completions protocol (POST /v1/chat/completions -> a chat.completion
JSON with usage) and answers from prepared replies chosen by the file named in the
prompt ("File: <path>"). The real `openai` client talks to it over HTTP; nothing of
the client library is mocked. tests/test_llm_server.py checks the server itself; the
`openai_server` fixture (tests/conftest.py) starts one per test.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_FILE = re.compile(r"^File: (.+)$", re.MULTILINE)
_SOURCE_LINE = re.compile(r"^\s*(\d+) \| (.*)$")
_CELL = re.compile(r"^\s*\| # ---- notebook cell (\d+) ----$")
_FINDING = re.compile(r"^F(\d+) line (\d+): (\S+)", re.MULTILINE)


@dataclass
class Reply:
    """What the server sends for one request."""

    content: str | None = None
    status: int = 200
    refusal: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (a hang past the client's timeout)."""
    finish_reason: str = "stop"
    error: str = "error"

    @classmethod
    def json(cls, data: Any) -> Reply:
        return cls(content=json.dumps(data))


@dataclass
class ChatRequest:
    """A received request, with what the prompt says pulled out for responders."""

    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])

    @property
    def user(self) -> str:
        return next((str(m.get("content")) for m in self.messages if m.get("role") == "user"), "")

    @property
    def path(self) -> str:
        match = _FILE.search(self.user)
        return match[1].strip() if match else ""

    @property
    def mode(self) -> str:
        """'review' or 'only', from the name of the response format's schema."""
        name = (self.body.get("response_format") or {}).get("json_schema", {}).get("name", "")
        return "review" if name == "hpt_review" else "only"

    @property
    def source_lines(self) -> dict[int, str]:
        """The numbered source lines of the prompt (context imports included)."""
        lines: dict[int, str] = {}
        for row in self.user.split("\n"):
            match = _SOURCE_LINE.match(row)
            if match:
                lines[int(match[1])] = match[2]
        return lines

    @property
    def cell_starts(self) -> dict[int, int]:
        """Notebook cell index -> the numbered line its first line has in the prompt."""
        starts: dict[int, int] = {}
        pending: int | None = None
        for row in self.user.split("\n"):
            marker = _CELL.match(row)
            if marker:
                pending = int(marker[1])
                continue
            numbered = _SOURCE_LINE.match(row)
            if numbered and pending is not None:
                starts[pending] = int(numbered[1])
                pending = None
        return starts

    @property
    def findings(self) -> dict[str, int]:
        """Static finding id ('F3') -> line, as listed in a review prompt."""
        return {f"F{m[1]}": int(m[2]) for m in _FINDING.finditer(self.user)}


Responder = Callable[[ChatRequest], Reply]


class FakeOpenAI:
    """Start with `with FakeOpenAI() as server:`; point the client at `server.url`."""

    def __init__(self) -> None:
        self.requests: list[ChatRequest] = []
        self.replies: dict[str, list[Reply]] = {}
        self.responder: Responder | None = None
        self.in_flight = 0
        self.max_in_flight = 0
        """Most requests served at the same time (checks the client's concurrency bound)."""
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._http.daemon_threads = True
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    def answer(self, path: str, *replies: Reply) -> None:
        """Replies for requests about `path`, in order; the last one repeats."""
        self.replies[path] = list(replies)

    def count(self, path: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if path is None or r.path == path)

    def _reply(self, request: ChatRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            queue = self.replies.get(request.path)
            if queue:
                return queue.pop(0) if len(queue) > 1 else queue[0]
        if self.responder is not None:
            return self.responder(request)
        return Reply(status=404, error=f"no prepared answer for {request.path!r}")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": f"unknown path {self.path}"}})
                    return
                try:
                    body = json.loads(raw)
                except ValueError:
                    self._send(400, {"error": {"message": "body is not JSON"}})
                    return
                request = ChatRequest(body=body, headers={k.lower(): v for k, v in self.headers.items()})
                reply = server._reply(request)
                with server._lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    if reply.delay:
                        time.sleep(reply.delay)
                finally:
                    with server._lock:
                        server.in_flight -= 1
                if reply.status != 200:
                    self._send(reply.status, {"error": {"message": reply.error, "type": "test_error"}}, reply.headers)
                    return
                self._send(200, _completion(body, reply), reply.headers)

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        return Handler


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    prompt = sum(len(str(m.get("content") or "")) for m in body.get("messages") or []) // 4
    completion = len(reply.content or reply.refusal or "") // 4
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1700000000,
        "model": body.get("model", "test-model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content, "refusal": reply.refusal},
                "finish_reason": reply.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
    }

"""The LLM path is bounded and keeps the static result (issue 11, items 11-14).

A raw socket server on 127.0.0.1 plays endpoints the well-behaved test server cannot: a 200
whose body is not JSON or has the wrong shape, one byte a second, an endless body, a
compressed bomb, the key echoed split across lines.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hptlens.analysis import analyze
from hptlens.cli import main
from hptlens.documents import Document
from hptlens.llm import client as client_module
from hptlens.llm import review, transport
from hptlens.llm.client import RetryPolicy
from hptlens.settings import LlmSettings, Settings

KEY_ENV = "HPTLENS_TEST_LLM_KEY"
KEY = "sk-hardening-5e1f0a9b7c3d2e4f6a8b"
TUNE = (
    'import optuna\n\ndef objective(trial):\n    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)\n'
    "    return lr\n\nstudy = optuna.create_study()\nstudy.optimize(objective, n_trials=5)\n"
)

Handler = Callable[[socket.socket], None]


class RawEndpoint:
    """Accepts connections on 127.0.0.1, reads one request, then lets `handler` answer."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            while len(body) < length:
                body += conn.recv(65536)
            try:
                self.handler(conn)
            except OSError:
                pass  # the client gave up, as it should

    def __enter__(self) -> RawEndpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


def respond(body: bytes, headers: str = "Content-Type: application/json\r\n") -> Handler:
    def handler(conn: socket.socket) -> None:
        conn.sendall(f"HTTP/1.1 200 OK\r\n{headers}Content-Length: {len(body)}\r\n\r\n".encode() + body)

    return handler


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setattr(client_module, "DEFAULT_RETRY", RetryPolicy(attempts=2, base_delay=0.01, max_delay=1.0))


def ask(url: str, **changes: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "base_url": url,
        "model": "m",
        "api_key_env": KEY_ENV,
        "timeout_seconds": 5.0,
        "cache": False,
    }
    values.update(changes)
    document = Document.from_text("tune.py", TUNE)
    static = analyze(document, Settings())
    return static, review(document, static, LlmSettings.model_validate(values), mode="review")


def completion(content: object) -> bytes:
    return json.dumps(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        }
    ).encode()


# --------------------------------------------------------------------------- item 11


@pytest.mark.parametrize(
    "body",
    [
        b"<html>not json</html>",
        b'{"choices": "nope"}',
        b'{"choices": [{"message": "nope"}]}',
        b'{"choices": [null]}',
        b"[1, 2, 3]",
        completion(["not", "text"]),
    ],
)
def test_a_200_that_is_no_chat_completion_keeps_the_static_result(body: bytes) -> None:
    with RawEndpoint(respond(body)) as endpoint:
        static, result = ask(endpoint.url)
    assert result.failed and result.report.findings == static.findings
    assert result.report.errors[-1].code == "llm-error"
    assert "internal error" not in result.warnings[0]


def test_the_cli_keeps_the_static_report_on_a_broken_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("HPTLENS_LLM_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "tune.py").write_text(TUNE, encoding="utf-8")
    with RawEndpoint(respond(b'{"choices": "nope"}')) as endpoint:
        code = main(
            ["scan", str(tmp_path / "tune.py"), "--llm", "review", "--llm-base-url", endpoint.url, "--format", "json"]
        )
    captured = capsys.readouterr()
    assert code == 0 and "Traceback" not in captured.err
    files = json.loads(captured.out)["files"]
    assert files[0]["findings"] and files[0]["errors"][-1]["code"] == "llm-error"


# --------------------------------------------------------------------------- items 12 and 13


def drip(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    for _ in range(200):
        conn.sendall(b" ")
        time.sleep(0.05)


def drip_headers(conn: socket.socket) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 400:
        conn.sendall(bytes([byte]))
        time.sleep(0.05)


@pytest.mark.parametrize("handler", [drip, drip_headers])
def test_a_slow_endpoint_meets_the_total_deadline(handler: Handler) -> None:
    with RawEndpoint(handler) as endpoint:
        started = time.monotonic()
        _, result = ask(endpoint.url, timeout_seconds=1.0)
        elapsed = time.monotonic() - started
    assert result.failed and elapsed < 3.0
    assert "no complete answer within 1 s (timeout-seconds)" in result.warnings[0]


def test_the_run_deadline_bounds_retries_and_requests() -> None:
    with RawEndpoint(drip) as endpoint:
        started = time.monotonic()
        _, result = ask(endpoint.url, timeout_seconds=30.0, run_timeout_seconds=0.8)
        elapsed = time.monotonic() - started
    assert result.failed and elapsed < 3.0
    assert "run-timeout-seconds" in result.warnings[0]


def endless(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"x" * 65536
    while True:
        conn.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")


def test_an_endless_body_is_cut_at_the_size_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "MAX_RESPONSE_BYTES", 1024 * 1024)
    with RawEndpoint(endless) as endpoint:
        _, result = ask(endpoint.url, timeout_seconds=20.0)
    assert result.failed and "larger than 1048576 bytes" in result.warnings[0]


def test_a_compressed_answer_is_not_expanded() -> None:
    bomb = gzip.compress(b" " * 50_000_000)
    with RawEndpoint(respond(bomb, "Content-Type: application/json\r\nContent-Encoding: gzip\r\n")) as endpoint:
        _, result = ask(endpoint.url)
    assert result.failed and "compressed answer (gzip)" in result.warnings[0]


# --------------------------------------------------------------------------- item 14


def test_a_key_echoed_across_lines_is_redacted() -> None:
    split = KEY[:10] + "\n  " + KEY[10:20] + " " + KEY[20:]
    answer = json.dumps(
        {"tuning_applied": True, "verdicts": [{"id": "F1", "verdict": "reject", "reason": split}], "additions": []}
    )
    with RawEndpoint(respond(completion(answer))) as endpoint:
        _, result = ask(endpoint.url)
    text = result.model_dump_json()
    assert "[redacted]" in text
    assert KEY[10:20] not in text and KEY[:10] not in text


def test_a_project_cannot_choose_endpoint_model_or_key_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[bytes] = []

    def record(conn: socket.socket) -> None:
        seen.append(b"request")
        respond(b"{}")(conn)

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-value-0123456789")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("HPTLENS_CONFIG", str(tmp_path / "no-user-config.toml"))
    monkeypatch.setenv("HPTLENS_LLM_CACHE_DIR", str(tmp_path / "cache"))
    with RawEndpoint(record) as endpoint:
        (tmp_path / "pyproject.toml").write_text(
            f'[tool.hptlens.llm]\nbase-url = "{endpoint.url}"\napi-key-env = "AWS_SECRET_ACCESS_KEY"\n'
            'model = "exfiltrate"\n',
            encoding="utf-8",
        )
        (tmp_path / "tune.py").write_text(TUNE, encoding="utf-8")
        code = main(["scan", str(tmp_path / "tune.py"), "--llm", "review", "--llm-base-url", "http://127.0.0.1:9/v1"])
    err = capsys.readouterr().err
    assert code == 0 and seen == []  # nothing went to the project's endpoint
    assert "model gpt-4o-mini at http://127.0.0.1:9/v1" in err
    for key in ("base-url", "api-key-env", "model"):
        assert f"llm.{key} ignored" in err


def test_the_server_ignores_a_projects_endpoint(tmp_path: Path) -> None:
    from hptlens.lsp.config import SettingsStore

    (tmp_path / "pyproject.toml").write_text(
        '[tool.hptlens.llm]\nbase-url = "http://evil.invalid/v1"\napi-key-env = "AWS_SECRET_ACCESS_KEY"\n'
        "max-file-tokens = 300\n",
        encoding="utf-8",
    )
    store = SettingsStore()
    store.set_init_options({"llm": {"baseUrl": "http://127.0.0.1:8080/v1"}})
    settings = store.settings_for(str(tmp_path), "")
    assert settings.llm.base_url == "http://127.0.0.1:8080/v1" and settings.llm.api_key_env == "OPENAI_API_KEY"
    assert settings.llm.max_file_tokens == 300  # the project still tunes how
    assert any("llm.base-url ignored" in w for w in store.take_warnings())


def test_the_extension_keeps_endpoint_model_and_key_variable_in_user_settings() -> None:
    manifest = json.loads((Path(__file__).resolve().parents[1] / "client" / "package.json").read_text("utf-8"))
    properties = manifest["contributes"]["configuration"]["properties"]
    for key in ("hptlens.llm.baseUrl", "hptlens.llm.model", "hptlens.llm.apiKeyEnv"):
        assert properties[key]["scope"] == "application", key

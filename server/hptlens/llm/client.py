"""Chat Completions over the `openai` package, for any OpenAI-compatible endpoint.

The openai client's own retries are off: this module retries rate limits (429) and
server errors (5xx) itself, a bounded number of times, honouring Retry-After, and can
stop between attempts when the caller cancels. A timeout is not retried (each attempt
would wait the whole timeout again). Every failure becomes an `LlmFailure` whose
message is safe to show: the API key is redacted from anything the server sent back.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from hptlens.llm import transport
from hptlens.llm.transport import BoundExceeded, bound_client, bounded, refuse_compressed
from hptlens.settings import LlmSettings

log = logging.getLogger(__name__)

_SHOWN_CHARS = 200
_NO_KEY_PLACEHOLDER = "no-key"
"""Sent to a custom endpoint when no key is set: local servers (Ollama, llama.cpp, vLLM)
usually need none, but the openai client insists on one."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    """Requests at most per part, the first included."""
    base_delay: float = 1.0
    """Backoff before the 2nd attempt when the server gives no Retry-After; doubled each time."""
    max_delay: float = 30.0
    """A longer Retry-After gives up at once, with a warning, instead of waiting."""


DEFAULT_RETRY = RetryPolicy()


class LlmFailure(Exception):
    """A request that gave no usable answer; the message is redacted and ready to show."""

    def __init__(self, message: str, prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens


class LlmCancelled(LlmFailure):
    pass


@dataclass(frozen=True)
class Completion:
    content: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int


class ChatClient:
    """One openai client for a review run (its connection pool is shared by threads)."""

    def __init__(self, settings: LlmSettings, retry: RetryPolicy | None = None) -> None:
        self.settings = settings
        self.retry = retry or DEFAULT_RETRY
        self._secret = os.environ.get(settings.api_key_env) or None
        custom = settings.base_url or os.environ.get("OPENAI_BASE_URL")
        if self._secret is None and not custom:
            raise LlmFailure(f"no API key: the environment variable {settings.api_key_env} is not set")
        self._secret_pattern = _secret_pattern(self._secret)
        from openai import DefaultHttpxClient, OpenAI

        http_client = DefaultHttpxClient(
            timeout=settings.timeout_seconds, event_hooks={"response": [refuse_compressed]}
        )
        if not bound_client(http_client):
            log.warning("cannot bound LLM requests with this HTTP client; only its per-read timeout applies")
        options: dict[str, Any] = {
            "api_key": self._secret or _NO_KEY_PLACEHOLDER,
            "timeout": settings.timeout_seconds,
            "max_retries": 0,
            "http_client": http_client,
            "default_headers": {"Accept-Encoding": "identity"},
        }
        if settings.base_url:
            options["base_url"] = settings.base_url
        try:
            self._client = OpenAI(**options)
        except Exception as exc:  # a malformed base URL, say
            http_client.close()
            raise LlmFailure(f"cannot set up the OpenAI client: {self.redact(str(exc))}") from None
        self.endpoint = str(self._client.base_url)

    def close(self) -> None:
        self._client.close()

    def redact(self, text: str) -> str:
        """The text without the key, also when an echo split it across lines or spaces."""
        if self._secret_pattern is None:
            return text
        return self._secret_pattern.sub("[redacted]", text)

    def complete(
        self, request: dict[str, Any], cancel: threading.Event | None = None, deadline: float | None = None
    ) -> Completion:
        """One answer, after bounded retries of 429 and 5xx; LlmFailure otherwise.

        deadline: time.monotonic() by which the whole run must be over (retries included);
        each attempt also ends within timeout-seconds.
        """
        from openai import APIStatusError

        for attempt in range(1, self.retry.attempts + 1):
            if cancel is not None and cancel.is_set():
                raise LlmCancelled("cancelled")
            if deadline is not None and time.monotonic() >= deadline:
                raise LlmFailure(_RUN_LIMIT)
            try:
                return self._once(request, deadline)
            except APIStatusError as exc:
                status = exc.status_code
                simpler = _simpler_request(request, exc) if status == 400 else None
                if simpler is not None:
                    request = simpler  # an endpoint without temperature or json_schema support
                    continue
                if status != 429 and status < 500:
                    raise LlmFailure(self._status_message(exc)) from None
                if attempt == self.retry.attempts:
                    raise LlmFailure(f"{self._status_message(exc)}, still after {attempt} attempts") from None
                delay = _retry_after(exc.response) if status == 429 or status == 503 else None
                if delay is not None and delay > self.retry.max_delay:
                    raise LlmFailure(
                        f"{self._status_message(exc)}; the server asks to retry after {delay:g} s, over the "
                        f"{self.retry.max_delay:g} s hptlens waits"
                    ) from None
                if delay is None:
                    delay = self.retry.base_delay * 2 ** (attempt - 1) * (1 + random.random() / 4)
                if deadline is not None and time.monotonic() + delay >= deadline:
                    raise LlmFailure(f"{self._status_message(exc)}; {_RUN_LIMIT}") from None
                _wait(delay, cancel)
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, request: dict[str, Any], run_deadline: float | None) -> Completion:
        from openai import APIConnectionError, APIStatusError, APITimeoutError, OpenAIError

        limit = f"no complete answer within {self.settings.timeout_seconds:g} s (timeout-seconds)"
        deadline = time.monotonic() + self.settings.timeout_seconds
        if run_deadline is not None and run_deadline < deadline:
            deadline, limit = run_deadline, _RUN_LIMIT
        try:
            with bounded(deadline, transport.MAX_RESPONSE_BYTES, limit):
                response = self._client.chat.completions.create(**request)
        except BoundExceeded as exc:
            raise LlmFailure(str(exc)) from None
        except APITimeoutError:
            raise LlmFailure(limit) from None
        except APIConnectionError as exc:
            cause = exc.__cause__ or exc
            if isinstance(cause, BoundExceeded):
                raise LlmFailure(str(cause)) from None
            raise LlmFailure(f"cannot connect to {self.endpoint}: {self.redact(_one_line(str(cause)))}") from None
        except APIStatusError:
            raise
        except OpenAIError as exc:
            raise LlmFailure(f"request failed: {type(exc).__name__}: {self.redact(_one_line(str(exc)))}") from None
        except Exception as exc:  # a 200 whose body the openai client cannot read
            raise LlmFailure(f"the endpoint's answer is not a chat completion ({type(exc).__name__})") from None
        try:
            return self._completion(response)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            raise LlmFailure(
                f"the endpoint's answer is not a chat completion ({type(exc).__name__} reading its choices)"
            ) from None

    def _completion(self, response: Any) -> Completion:
        usage = getattr(response, "usage", None)
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion = int(getattr(usage, "completion_tokens", 0) or 0)
        choices = getattr(response, "choices", None) or []
        if not choices:
            raise LlmFailure("the answer has no choices", prompt, completion)
        choice = choices[0]
        message = choice.message
        refusal = getattr(message, "refusal", None)
        if refusal:
            raise LlmFailure(f"the model refused: {self.redact(_one_line(str(refusal)))}", prompt, completion)
        if choice.finish_reason == "content_filter":
            raise LlmFailure("the answer was withheld by the endpoint's content filter", prompt, completion)
        content = message.content or ""
        if not content.strip():
            raise LlmFailure("the model gave an empty answer", prompt, completion)
        # An endpoint could echo the key back in an answer: it must not reach reports or the cache.
        return Completion(
            content=self.redact(content),
            finish_reason=choice.finish_reason,
            prompt_tokens=prompt,
            completion_tokens=completion,
        )

    def _status_message(self, exc: Any) -> str:
        status = exc.status_code
        text = {
            401: "authentication failed",
            403: "access denied",
            404: "not found (check the model and base URL)",
            429: "rate limited",
        }.get(status, "server error" if status >= 500 else "request rejected")
        detail = _server_detail(getattr(exc, "body", None))
        message = f"{text} (HTTP {status})"
        if status in (401, 403):
            message += f"; check the key in ${self.settings.api_key_env}"
        if detail:
            message += f": {self.redact(detail)}"
        return message


_RUN_LIMIT = "the run's time limit (run-timeout-seconds) is used up"


def _secret_pattern(secret: str | None) -> re.Pattern[str] | None:
    """The key with any whitespace (or escaped line break) between its characters."""
    if not secret or len(secret) < 4:
        return None
    gap = r"(?:\s|\\[nrt])*"
    return re.compile(gap.join(re.escape(char) for char in secret))


def _simpler_request(request: dict[str, Any], exc: Any) -> dict[str, Any] | None:
    """The request without what a 400 complains about: `temperature` (reasoning models
    reject it) or the json_schema format (older local servers), which becomes plain JSON
    mode; the answer is validated the same either way. None when neither applies."""
    detail = _server_detail(getattr(exc, "body", None)).lower()
    if "temperature" in detail and "temperature" in request:
        return {k: v for k, v in request.items() if k != "temperature"}
    fmt = request.get("response_format") or {}
    if ("response_format" in detail or "json_schema" in detail) and fmt.get("type") == "json_schema":
        return {**request, "response_format": {"type": "json_object"}}
    return None


def _server_detail(body: Any) -> str:
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            body = inner.get("message") or ""
        elif isinstance(inner, str):
            body = inner
        else:
            body = ""
    return _one_line(str(body or ""))


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SHOWN_CHARS else flat[: _SHOWN_CHARS - 3] + "..."


def _retry_after(response: Any) -> float | None:
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _wait(delay: float, cancel: threading.Event | None) -> None:
    if cancel is None:
        time.sleep(delay)
    elif cancel.wait(delay):
        raise LlmCancelled("cancelled")

"""The loopback OpenAI-compatible server the LLM tests use (tests/support/fake_openai.py)."""

from __future__ import annotations

import json

import pytest

from support.fake_openai import FakeOpenAI, Reply


def test_server_speaks_chat_completions_to_the_openai_client() -> None:
    from openai import OpenAI

    with FakeOpenAI() as server:
        server.answer("a.py", Reply.json({"ok": True}))
        client = OpenAI(api_key="sk-test", base_url=server.url, max_retries=0, timeout=5)
        response = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "File: a.py\n\n 1 | x = 1"}]
        )
        client.close()
    assert json.loads(response.choices[0].message.content or "") == {"ok": True}
    assert response.usage is not None and response.usage.prompt_tokens > 0
    assert server.requests[0].source_lines == {1: "x = 1"}
    assert server.requests[0].headers["authorization"] == "Bearer sk-test"


def test_server_replies_in_order_and_repeats_the_last() -> None:
    from openai import OpenAI, RateLimitError

    with FakeOpenAI() as server:
        server.answer("b.py", Reply(status=429, headers={"Retry-After": "0"}), Reply(content="{}"))
        client = OpenAI(api_key="k", base_url=server.url, max_retries=0, timeout=5)
        ask = {"model": "m", "messages": [{"role": "user", "content": "File: b.py"}]}
        with pytest.raises(RateLimitError):
            client.chat.completions.create(**ask)  # type: ignore[call-overload]
        assert client.chat.completions.create(**ask).choices[0].message.content == "{}"  # type: ignore[call-overload]
        assert client.chat.completions.create(**ask).choices[0].message.content == "{}"  # type: ignore[call-overload]
        client.close()
    assert server.count("b.py") == 3

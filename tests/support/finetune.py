"""Reading a folder written by `hptlens dataset`, and a loopback responder that answers its conversations."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from support.fake_openai import ChatRequest, Reply


def conversations(folder: Path, split: str) -> list[list[dict[str, str]]]:
    lines = (folder / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["messages"] for line in lines]


def verbatim(folder: Path, split: str) -> Callable[[ChatRequest], Reply]:
    """Answers each request whose system and user messages are one of the split's conversations
    with that conversation's assistant turn; anything else gets a 404."""
    answers = {(c[0]["content"], c[1]["content"]): c[2]["content"] for c in conversations(folder, split)}

    def respond(request: ChatRequest) -> Reply:
        chat = request.messages
        key = (chat[0]["content"], chat[1]["content"]) if len(chat) == 2 else None
        if key not in answers:
            return Reply(status=404, error=f"not a {split} conversation: {request.path}")
        return Reply(content=answers[key])

    return respond

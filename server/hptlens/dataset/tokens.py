"""Token counts with a real tokenizer, and what training on them costs.

The tokenizer is `bpe-openai` (the `dataset` extra): OpenAI's BPE encodings with their
vocabularies inside the wheel, so counting works offline; tiktoken alone fetches its
vocabulary on first use. Its counts agree with tiktoken's token for token. A conversation
costs its messages' tokens plus the chat format's framing, counted as OpenAI's cookbook
does: 3 tokens per message and 3 that prime the answer.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

DEFAULT_ENCODING = "o200k_base"
"""The encoding of the gpt-4o and gpt-4.1 families, the models OpenAI fine-tunes today."""
PER_MESSAGE = 3
PER_ANSWER_PRIMING = 3


class TokenizerMissing(Exception):
    """bpe-openai is not installed, or does not know the encoding."""


class Tokens(BaseModel):
    prompt: int = 0
    """System and user messages with their framing."""
    answer: int = 0
    """The assistant message (the part a model learns to write)."""
    longest: int = 0
    """The largest conversation, against a fine-tuning service's example limit."""

    @property
    def total(self) -> int:
        return self.prompt + self.answer

    def add(self, other: Tokens) -> None:
        self.prompt += other.prompt
        self.answer += other.answer
        self.longest = max(self.longest, other.longest)


class TokenCounter:
    def __init__(self, encoding: str = DEFAULT_ENCODING) -> None:
        try:
            import bpe_openai
        except ImportError:
            raise TokenizerMissing(
                "counting tokens needs bpe-openai, a tokenizer that ships its vocabulary: "
                "pip install 'hptlens[dataset]' (or pip install bpe-openai)"
            ) from None
        names = list(bpe_openai.list_encoding_names())
        if encoding not in names:
            raise TokenizerMissing(f"unknown encoding {encoding!r}; bpe-openai has {', '.join(sorted(names))}")
        self.encoding = encoding
        self._encoding: Any = bpe_openai.get_encoding(encoding)

    def count(self, text: str) -> int:
        return len(self._encoding.encode(text))

    def conversation(self, messages: list[dict[str, str]]) -> Tokens:
        prompt = PER_ANSWER_PRIMING
        answer = 0
        for message in messages:
            tokens = PER_MESSAGE + self.count(message["content"])
            if message["role"] == "assistant":
                answer += tokens
            else:
                prompt += tokens
        return Tokens(prompt=prompt, answer=answer, longest=prompt + answer)


def cost_per_epoch(tokens: int, price_per_million: float | None) -> float | None:
    """What one pass over `tokens` training tokens costs at a price per million tokens."""
    if price_per_million is None:
        return None
    return round(tokens * price_per_million / 1_000_000, 4)

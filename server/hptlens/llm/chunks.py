"""Splitting a file that is too large for one request into parts, keeping line numbers.

Tokens are estimated as characters / 4 (no tokenizer is downloaded; the estimate is
only used to stay under `max_file_tokens`). A file is cut at top-level statements and
notebook cells first, inside an oversized function or class at nested definitions, and
only as a last resort between arbitrary lines. Every part keeps the file's own line
numbers, so answers need no offset arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable

from hptlens.llm.prompt import Part
from hptlens.llm.source import SourceLines

CHARS_PER_TOKEN = 4
_LINE_OVERHEAD = 8
"""Characters a numbered line adds: its number, ' | ' and the newline."""


def estimate_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def split(source: SourceLines, max_tokens: int) -> list[Part]:
    """The parts to send, in order; one part when the file fits."""
    if source.count == 0:
        return [Part(first=1, last=1)]
    prefix = [0]
    for n in range(1, source.count + 1):
        value = estimate_tokens(source.text(n) + " " * _LINE_OVERHEAD)
        prefix.append(prefix[-1] + value)

    def tokens(first: int, last: int) -> int:
        return prefix[last] - prefix[first - 1]

    if tokens(1, source.count) <= max_tokens:
        return [Part(first=1, last=source.count)]
    pieces: list[tuple[int, int]] = []
    for first, last in _segments(1, source.count, source.top_level_starts()):
        if tokens(first, last) <= max_tokens:
            pieces.append((first, last))
            continue
        for inner_first, inner_last in _segments(first, last, source.definition_starts(first, last)):
            if tokens(inner_first, inner_last) <= max_tokens:
                pieces.append((inner_first, inner_last))
            else:
                pieces.extend(_windows(inner_first, inner_last, tokens, max_tokens))
    ranges = _pack(pieces, tokens, max_tokens)
    return [Part(first=a, last=b, index=i, total=len(ranges)) for i, (a, b) in enumerate(ranges, start=1)]


def _segments(first: int, last: int, cuts: list[int]) -> list[tuple[int, int]]:
    starts = sorted({first, *(c for c in cuts if first < c <= last)})
    ends = [s - 1 for s in starts[1:]] + [last]
    return list(zip(starts, ends))


Tokens = Callable[[int, int], int]
"""Estimated tokens of lines first..last."""


def _windows(first: int, last: int, tokens: Tokens, max_tokens: int) -> list[tuple[int, int]]:
    """Consecutive line ranges under the budget; a single over-long line is its own range."""
    out: list[tuple[int, int]] = []
    start = first
    for line in range(first, last + 1):
        if line > start and tokens(start, line) > max_tokens:
            out.append((start, line - 1))
            start = line
    out.append((start, last))
    return out


def _pack(pieces: list[tuple[int, int]], tokens: Tokens, max_tokens: int) -> list[tuple[int, int]]:
    """Neighbouring pieces joined while they fit: as few requests as possible."""
    packed: list[tuple[int, int]] = []
    for first, last in pieces:
        if packed and tokens(packed[-1][0], last) <= max_tokens:
            packed[-1] = (packed[-1][0], last)
        else:
            packed.append((first, last))
    return packed

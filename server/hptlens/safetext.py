"""Text that every output can carry: valid Unicode for JSON, no raw control characters for terminals.

File names that are not UTF-8 reach Python as lone surrogates (surrogateescape), and JSON
escapes in analysed configs can hold them too; neither can be encoded as UTF-8. A control
character in a file name printed raw could drive the terminal (ESC sequences).
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
"""C0 (but tab and newline), DEL and C1."""


def has_surrogates(text: str) -> bool:
    return not text.isascii() and _SURROGATE.search(text) is not None


def valid_unicode(text: str) -> str:
    """Surrogates replaced: an undecodable byte of a file name (U+DC80..U+DCFF) as `\\xNN`, so
    the file can still be told apart; any other as U+FFFD."""
    if not has_surrogates(text):
        return text
    return _SURROGATE.sub(_surrogate_text, text)


def _surrogate_text(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "\ufffd"


def printable(text: str) -> str:
    """Valid Unicode with control characters shown as `\\xNN` (terminal output)."""
    text = valid_unicode(text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text) if _CONTROL.search(text) else text

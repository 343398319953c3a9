"""hptlens warnings on the terminal: one line each, tracebacks only when verbose."""

from __future__ import annotations

import logging
import sys
import traceback

from hptlens.safetext import printable


class _BriefHandler(logging.Handler):
    """One 'hptlens: level: message' line per record on the current stderr.

    A failing file is already an errors entry in the report, so a traceback on the
    terminal is noise unless asked for (verbose). stderr is looked up at each record
    so that a replaced sys.stderr (tests, redirection) is honoured.
    """

    def __init__(self, verbose: bool) -> None:
        super().__init__(logging.WARNING)
        self.verbose = verbose

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self._text(record) + "\n")
        except Exception:
            self.handleError(record)

    def _text(self, record: logging.LogRecord) -> str:
        text = f"hptlens: {record.levelname.lower()}: {printable(record.getMessage())}"
        error = record.exc_info[1] if record.exc_info else None
        if error is None:
            return text
        if self.verbose:
            return text + "\n" + "".join(traceback.format_exception(error)).rstrip()
        first = (str(error).splitlines() or [""])[0]
        return f"{text} ({type(error).__name__}: {first})"


def install_log_handler(verbose: bool = False) -> None:
    """Show hptlens warnings on stderr, one line each (tracebacks only when verbose)."""
    logger = logging.getLogger("hptlens")
    for handler in logger.handlers:
        if isinstance(handler, _BriefHandler):
            handler.verbose = verbose
            return
    logger.addHandler(_BriefHandler(verbose))

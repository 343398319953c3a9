"""`python -m hptlens`: the same command as `hptlens`."""

import os
import sys

# `python -m` puts the working folder first on sys.path, and that is often the folder being
# analysed: it must never provide a module (a workspace nbformat.py imported for a notebook).
# Dropped before anything else is imported; worker processes inherit the cleaned path.
if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from hptlens.cli import main  # noqa: E402

# The guard matters: scan's process pool (spawn) re-imports this module in each worker.
if __name__ == "__main__":
    sys.exit(main())

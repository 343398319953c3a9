"""`python -m hptlens`: the same command as `hptlens`."""

import sys

from hptlens.cli import main

# The guard matters: scan's process pool (spawn) re-imports this module in each worker.
if __name__ == "__main__":
    sys.exit(main())

"""The workspace layer: find files, read them safely, analyse them (cross-file links included).

Everything that touches the file system for a scan lives here; the analysis core only ever sees
`Document`s. Nothing in this package raises for a bad file: every problem becomes an `errors`
entry on that file's `FileReport` and the scan goes on.

Modules: discovery (walking folders, ignore rules), reading (one file into a Document),
scanning (serial or parallel analysis, then the link step).
"""

from hptlens.workspace.discovery import discover, display_path
from hptlens.workspace.reading import error_report, load_document, read_document
from hptlens.workspace.scanning import PARALLEL_MIN_BYTES, PROGRESS_MIN_FILES, analyze_file, link_configs_on_disk, scan

__all__ = [
    "PARALLEL_MIN_BYTES",
    "PROGRESS_MIN_FILES",
    "analyze_file",
    "discover",
    "display_path",
    "error_report",
    "link_configs_on_disk",
    "load_document",
    "read_document",
    "scan",
]

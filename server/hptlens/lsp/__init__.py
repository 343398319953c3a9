"""The language server: a thin adapter over `hptlens.analysis.analyze`.

    server.py    the pygls server (the only module importing pygls): document sync,
                 scheduling, features, commands
    runs.py      what one analysis run of an open document takes and gives
    convert.py   FileReport -> LSP types (diagnostics, lenses, hovers, quick fixes), position encodings
    actions.py   suppression-comment edits (libcst for Python, text for C++ and YAML)
    config.py    layered settings: initializationOptions, workspace/configuration, pyproject
    schedule.py  per-document debounce, off-loop analysis, outdated results dropped
    export.py    the workspace report written by the `hptlens.exportReport` command
    progress.py  work-done progress of long commands

No detection logic lives here. Start it with `hptlens serve` (stdio) or
`hptlens serve --tcp HOST:PORT`.
"""

"""The language server: a thin adapter over `hptlens.analysis.analyze`.

    main.py      the entry point: a server with every handler registered, on stdio or TCP
    server.py    the server's state: folders and paths, settings, scheduling, publishing
    protocol.py  JSON-RPC edges: nothing before initialize, no tracebacks to the client
    session.py   initialize, initialized, shutdown, workspace notifications
    sync.py      text documents and notebooks opened, changed, saved, closed
    views.py     pulled diagnostics, code lenses, hovers
    fixes.py     quick fixes (code actions and their resolve)
    commands.py  analyzeDocument, showSite, exportReport, analyzeWithLlm
    tcp.py       `serve --tcp`: one loopback client of this server's user
    runs.py      what one analysis run of an open document takes and gives
    convert.py   FileReport -> LSP types (diagnostics, lenses, hovers, quick fixes), position encodings
    actions.py   suppression-comment edits (libcst for Python, text for C++ and YAML)
    config.py    layered settings: initializationOptions, workspace/configuration, pyproject
    schedule.py  per-document debounce, off-loop analysis, outdated results dropped
    export.py    the workspace report written by the `hptlens.exportReport` command
    progress.py  work-done progress of long commands

Only this package imports pygls, and no detection logic lives here. Start it with
`hptlens serve` (stdio) or `hptlens serve --tcp HOST:PORT`.
"""

"""Exports of a `Report` into other layouts.

- `hptlens.export.sarif.to_sarif`: SARIF 2.1.0 for code-scanning tools.
- `hptlens.export.legacy.to_legacy` / `from_legacy`: the seed study's `{"examples": [...]}` layout.
- `hptlens.export.text.render_report`: a readable table on a rich console.

The submodules are imported on use so that a JSON-only scan does not pay for rich.
"""

FORMATS = ("text", "json", "sarif", "legacy")
"""The values of `hptlens scan --format`."""

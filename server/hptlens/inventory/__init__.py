"""The inventory: many projects kept in SQLite, scanned incrementally, reported across projects.

Modules: schema (the versioned, documented tables and their migrations), store (the database:
one transaction per project), sources (folders and shallow git clones), scan (fingerprints, the
content-hash cache and the per-project analysis over `workspace.scan`), report (text, JSON, CSV),
sql (read-only queries), models (the pydantic models at its boundaries).
"""

"""`inventory sql`: a query over the database, opened read-only.

The database is opened through a `mode=ro` URI and with `PRAGMA query_only`, so a statement that
would write (INSERT, DROP, ATTACH of another file for writing, a PRAGMA that changes state) fails
with SQLite's own "readonly" error instead of touching the inventory.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote


class QueryError(Exception):
    """The query failed (a syntax error, a write refused, no such table)."""


def open_readonly(database: Path) -> sqlite3.Connection:
    """A connection that cannot write the database (nor create it)."""
    uri = f"file:{quote(str(database.resolve()))}?mode=ro"
    connection = sqlite3.connect(uri, uri=True, timeout=30.0)
    connection.execute("PRAGMA query_only = ON")
    return connection


def query(database: Path, statement: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """(column names, rows) of one statement."""
    connection = open_readonly(database)
    try:
        cursor = connection.execute(statement)
        columns = [d[0] for d in cursor.description or ()]
        return columns, cursor.fetchall()
    except (sqlite3.Error, sqlite3.Warning) as exc:
        raise QueryError(str(exc)) from exc
    finally:
        connection.close()

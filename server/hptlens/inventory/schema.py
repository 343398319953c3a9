"""The inventory database: a versioned schema and the migrations that build it.

The version is SQLite's `PRAGMA user_version`; `MIGRATIONS[n]` takes a database from version n
to n + 1, in one transaction, so a database is always at a whole version. A database newer than
this hptlens is refused rather than written.

Tables (version 1):

projects    one row per source added. `source` as the user gave it (a folder or a git URL),
            `kind` 'folder' or 'git', `name` (unique, shown in reports), `root` (the folder
            scanned: the folder itself or the clone in the cache folder), `commit_sha` (the
            HEAD scanned, when the folder is a git work tree), `status` 'pending' | 'scanned' |
            'error', `error` (why a clone or read failed), `fingerprint` (sha256 over the paths
            and content digests of the files scanned and `analysis_key`: equal means nothing to
            do), `analysis_key` (hptlens version and settings the results were made with),
            `scanned_at` (UTC, ISO 8601), and the counts `files`, `files_with_tuning`,
            `findings`, `sites`.
files       one row per analysed file: `path` relative to the project root, `language`,
            `digest` (sha256 of its bytes; NULL when it could not be read), `tuning_applied`, the
            four criteria flags, `libraries` and `hyperparameters` (JSON arrays), `errors` (JSON
            array of {code, message}), `lines`, `report` (the file's FileReport as zlib-compressed
            JSON, as `hptlens scan --format json` has it) and `prelink` (the report before the
            cross-file link step when that differs from `report`: the content-hash cache).
findings    one row per finding: `kind`, `category`, `library`, `method`, `message`, `api`,
            `site`, `start_line`, `start_column`, `end_line`, `end_column`, `cell`, `confidence`,
            `source`.
sites       one row per site (the findings of one search): `site` (its id in the file),
            `library`, `method`, `categories` (JSON array), `budget`, `start_line`, `cell`,
            `summary`.
hyperparameters
            one row per dimension of a site's search space: `name`, `type` (float, int,
            categorical, grid, unknown), `low`, `high`, `log` (0/1), `step`, `choices` and
            `value_list` (JSON arrays or NULL), `distribution`, and the site's `library` and
            `method` again so that the common questions need no join.

Every child row carries `project_id` (and `file_id`) and is deleted with its project's files.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 1

_V1 = """
CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('folder', 'git')),
    name TEXT NOT NULL UNIQUE,
    root TEXT NOT NULL,
    commit_sha TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'scanned', 'error')),
    error TEXT,
    fingerprint TEXT,
    analysis_key TEXT,
    scanned_at TEXT,
    files INTEGER NOT NULL DEFAULT 0,
    files_with_tuning INTEGER NOT NULL DEFAULT 0,
    findings INTEGER NOT NULL DEFAULT 0,
    sites INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    language TEXT NOT NULL,
    digest TEXT,
    tuning_applied INTEGER NOT NULL,
    auto_tuning INTEGER NOT NULL,
    auto_hand_tuning INTEGER NOT NULL,
    hand_tuning INTEGER NOT NULL,
    parameterization INTEGER NOT NULL,
    libraries TEXT NOT NULL,
    hyperparameters TEXT NOT NULL,
    errors TEXT NOT NULL,
    lines INTEGER NOT NULL,
    report BLOB NOT NULL,
    prelink BLOB,
    UNIQUE (project_id, path)
);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    library TEXT NOT NULL,
    method TEXT,
    message TEXT NOT NULL,
    api TEXT,
    site TEXT,
    start_line INTEGER NOT NULL,
    start_column INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    end_column INTEGER NOT NULL,
    cell INTEGER,
    confidence REAL NOT NULL,
    source TEXT NOT NULL
);
CREATE TABLE sites (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    site TEXT NOT NULL,
    library TEXT NOT NULL,
    method TEXT,
    categories TEXT NOT NULL,
    budget TEXT,
    start_line INTEGER NOT NULL,
    cell INTEGER,
    summary TEXT NOT NULL
);
CREATE TABLE hyperparameters (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    library TEXT NOT NULL,
    method TEXT,
    name TEXT NOT NULL,
    type TEXT,
    low REAL,
    high REAL,
    log INTEGER NOT NULL DEFAULT 0,
    step REAL,
    choices TEXT,
    value_list TEXT,
    distribution TEXT
);
CREATE INDEX files_project ON files(project_id);
CREATE INDEX findings_project ON findings(project_id);
CREATE INDEX findings_file ON findings(file_id);
CREATE INDEX sites_project ON sites(project_id);
CREATE INDEX sites_file ON sites(file_id);
CREATE INDEX hyperparameters_name ON hyperparameters(name);
CREATE INDEX hyperparameters_project ON hyperparameters(project_id);
CREATE INDEX hyperparameters_site ON hyperparameters(site_id);
"""

MIGRATIONS: tuple[str, ...] = (_V1,)
"""MIGRATIONS[n] takes a database at version n to n + 1."""


class SchemaError(Exception):
    """The database was made by a newer hptlens, or is not an inventory."""


def migrate(connection: sqlite3.Connection) -> int:
    """Bring the database to SCHEMA_VERSION; returns the version it was at."""
    found = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if found > SCHEMA_VERSION:
        raise SchemaError(f"the inventory has schema version {found}; this hptlens knows up to {SCHEMA_VERSION}")
    for version in range(found, SCHEMA_VERSION):
        # executescript commits first; BEGIN/COMMIT inside it make the step all-or-nothing.
        connection.executescript(
            f"BEGIN IMMEDIATE;\n{MIGRATIONS[version]}\nPRAGMA user_version = {version + 1};\nCOMMIT;"
        )
    return found

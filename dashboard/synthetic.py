"""Whether synthetic (simulated) data is loaded: every view and export must then say so."""

from __future__ import annotations

import duckdb

from .extracts.store import ATTACH_NAME


def operations_loaded(cur: duckdb.DuckDBPyConnection, catalog: str = ATTACH_NAME) -> bool:
    """True when the operations database is attached as `catalog` and holds at least one snapshot.

    `catalog` is a name chosen in code (never user input); it is still checked to be an identifier
    because it is spliced into the SQL (a catalog name cannot be a `?` parameter).
    """
    if not catalog.isidentifier():
        return False
    row = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = 'snapshots'", [catalog]
    ).fetchone()
    if not (row and row[0]):
        return False
    row = cur.execute(f"SELECT count(*) FROM {catalog}.snapshots").fetchone()
    return bool(row and row[0])


def synthetic_shown(cur: duckdb.DuckDBPyConnection, catalog: str = ATTACH_NAME) -> bool:
    """True when a snapshot of the attached operations database is flagged synthetic.

    Any snapshot counts, not only the latest: the weekly views can compare any two of them, and
    the overview lists the changes since the previous one. The report facts are never synthetic.
    """
    if not catalog.isidentifier() or not operations_loaded(cur, catalog):
        return False
    row = cur.execute(f"SELECT bool_or(synthetic) FROM {catalog}.snapshots").fetchone()
    return bool(row and row[0])

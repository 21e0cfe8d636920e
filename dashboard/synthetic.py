"""Whether synthetic (simulated) data is loaded: every view and export must then say so."""

from __future__ import annotations

import duckdb


def synthetic_shown(cur: duckdb.DuckDBPyConnection) -> bool:
    """True when the database holds synthetic data (none until operation extracts exist)."""
    tables = {r[0] for r in cur.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "snapshots" not in tables:
        return False
    row = cur.execute("SELECT count(*) FROM snapshots WHERE synthetic").fetchone()
    return bool(row and row[0])

"""Per-snapshot aggregates of the operations database (`cell_totals`, `cell_months`, `cell_lags`).

The weekly views filter on six operation columns and show sums, monthly flows and lag quantiles.
Reading a million operations and 2.6 million disbursements per request would cost hundreds of
milliseconds, so the import writes, in the same transaction as the snapshot's rows, its totals per
"cell" (one combination of the filter columns), per cell and month, and a per-cell histogram of
the engagement-to-disbursement lag in days. The views then read about 10,000 cells per snapshot.

Everything stays exact: amounts are DECIMAL sums, and quantiles computed from a histogram at the
day equal `quantile_cont` over the detail rows (see `queries.disbursement_lag_quantiles`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

#: Bump when the aggregate tables change: an import then rebuilds them for every snapshot, and the
#: dashboard refuses an operations file whose aggregates are missing or older.
VERSION = 1

#: Operation columns that define a cell (the filters of the weekly views).
CELL_COLUMNS = ("region_code", "departement", "landlord_type", "family", "zone", "label")
TABLES = ("cell_totals", "cell_months", "cell_lags")

_CELL = ", ".join(f"o.{c}" for c in CELL_COLUMNS)
_CELL_PLAIN = ", ".join(CELL_COLUMNS)

_INSERT_TOTALS = f"""
INSERT INTO cell_totals
WITH b AS (
    SELECT operation_id, count(*) AS disbursement_count, sum(amount_eur) AS disbursed_eur
    FROM disbursements WHERE snapshot_id = $id GROUP BY operation_id)
SELECT $id, {_CELL}, count(*), sum(o.engaged_amount_eur), sum(o.reservation_rights),
       coalesce(sum(b.disbursement_count), 0), coalesce(sum(b.disbursed_eur), 0)
FROM operations o LEFT JOIN b USING (operation_id)
WHERE o.snapshot_id = $id
GROUP BY {_CELL}
ORDER BY {_CELL}"""

_INSERT_MONTHS = f"""
INSERT INTO cell_months
WITH e AS (
    SELECT {_CELL}, date_trunc('month', o.engagement_date)::DATE AS month, count(*) AS operation_count,
           sum(o.engaged_amount_eur) AS engaged_eur, sum(o.reservation_rights) AS reservation_rights
    FROM operations o WHERE o.snapshot_id = $id GROUP BY ALL),
d AS (
    SELECT {_CELL}, date_trunc('month', d.disbursement_date)::DATE AS month, count(*) AS disbursement_count,
           sum(d.amount_eur) AS disbursed_eur
    FROM disbursements d JOIN operations o ON o.snapshot_id = d.snapshot_id AND o.operation_id = d.operation_id
    WHERE d.snapshot_id = $id GROUP BY ALL)
SELECT $id, {_CELL_PLAIN}, month, coalesce(e.operation_count, 0), coalesce(e.engaged_eur, 0),
       coalesce(e.reservation_rights, 0), coalesce(d.disbursement_count, 0), coalesce(d.disbursed_eur, 0)
FROM e FULL JOIN d USING ({_CELL_PLAIN}, month)
ORDER BY {_CELL_PLAIN}, month"""

_INSERT_LAGS = f"""
INSERT INTO cell_lags
SELECT $id, {_CELL}, datediff('day', o.engagement_date, d.disbursement_date) AS lag_days, count(*)
FROM disbursements d JOIN operations o ON o.snapshot_id = d.snapshot_id AND o.operation_id = d.operation_id
WHERE d.snapshot_id = $id
GROUP BY ALL
ORDER BY {_CELL_PLAIN}, lag_days"""


def delete(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> None:
    """Remove the aggregates of one snapshot (before the snapshot itself is replaced)."""
    for table in (*TABLES, "snapshot_aggregates"):
        con.execute(f"DELETE FROM {table} WHERE snapshot_id = ?", [snapshot_id])


def build(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> None:
    """Write the aggregates of one snapshot, from its rows in the current database."""
    delete(con, snapshot_id)
    for statement in (_INSERT_TOTALS, _INSERT_MONTHS, _INSERT_LAGS):
        con.execute(statement, {"id": snapshot_id})
    con.execute(
        "INSERT INTO snapshot_aggregates VALUES (?, ?, ?)",
        [snapshot_id, VERSION, datetime.now(UTC).replace(tzinfo=None)],
    )


def stale_snapshots(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[int]:
    """Snapshots whose aggregates are missing or were built by another VERSION (all of them without the tables)."""
    if catalog is not None and not catalog.isidentifier():
        raise ValueError(f"invalid catalog name {catalog!r}")
    prefix = f"{catalog}." if catalog else ""
    has_table = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'snapshot_aggregates' AND database_name = "
        "coalesce(?, current_database())",
        [catalog],
    ).fetchone()
    if not has_table or not has_table[0]:
        return [r[0] for r in con.execute(f"SELECT snapshot_id FROM {prefix}snapshots ORDER BY snapshot_id").fetchall()]
    return [
        r[0]
        for r in con.execute(
            f"""SELECT s.snapshot_id FROM {prefix}snapshots s
                LEFT JOIN {prefix}snapshot_aggregates a USING (snapshot_id)
                WHERE a.version IS DISTINCT FROM ? ORDER BY s.snapshot_id""",
            [VERSION],
        ).fetchall()
    ]


def build_stale(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Build the aggregates of every snapshot of the current database that lacks current ones; their ids."""
    stale = stale_snapshots(con)
    for snapshot_id in stale:
        build(con, snapshot_id)
    return stale

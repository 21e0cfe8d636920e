"""Queries of the weekly views (Suivi hebdomadaire, overview changes) on the attached operations database.

Pure functions `(cursor, validated arguments) -> DataFrame | value`, SQL with `?` parameters. They
read the operations database attached as `ops` (see `dashboard/db.py`) through the functions of
`dashboard/extracts/queries.py` where those fit, and the report database for the published
figures shown alongside. Amounts are euros (floats). Every function reading operational data takes
`allowed_regions` (the report sections the requester may see, None: all; see `dashboard/auth.py`)
and applies it in its SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pandas as pd

from ..extracts import queries as ops_queries
from ..extracts.queries import AllowedRegions, OperationFilters, allowed_clause
from ..extracts.spec import DEPARTEMENTS, REGION_CODES, REGION_NAMES
from ..extracts.store import ATTACH_NAME
from ..filters import LATEST_SNAPSHOT, PREVIOUS_SNAPSHOT, Filters, WeeklyChoices
from ..synthetic import operations_loaded

CATALOG = ATTACH_NAME
#: Measures compared between two snapshots, with their SQL type.
DELTA_MEASURES = {
    "operations": "BIGINT",
    "engaged": "DOUBLE",
    "disbursed": "DOUBLE",
    "remaining": "DOUBLE",
    "rights": "BIGINT",
}


@dataclass(frozen=True)
class SnapshotPair:
    """The two snapshots compared: the current one and its reference (None: there is none)."""

    current_id: int
    current_as_of: date
    current_synthetic: bool
    current_imported_at: object
    current_operations: int
    previous_id: int | None = None
    previous_as_of: date | None = None
    previous_synthetic: bool = False
    #: The requested reference was not before the current snapshot: the previous one is used instead.
    reference_ignored: bool = False

    @property
    def synthetic(self) -> bool:
        return self.current_synthetic or self.previous_synthetic


def available(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether an operations database with at least one snapshot is attached."""
    return operations_loaded(cur, CATALOG)


def weekly_choices(cur: duckdb.DuckDBPyConnection, allowed_regions: AllowedRegions = None) -> WeeklyChoices:
    """Known values of the weekly filters: départements of the latest snapshot (in `allowed_regions`), every
    snapshot date."""
    if not available(cur):
        return WeeklyChoices()
    snapshots = [r[0] for r in cur.execute(f"SELECT as_of FROM {CATALOG}.snapshots ORDER BY as_of DESC").fetchall()]
    where, params = allowed_clause(allowed_regions)
    departements = {
        r[0]
        for r in cur.execute(
            f"""SELECT DISTINCT departement FROM {CATALOG}.cell_totals o
                WHERE snapshot_id = (SELECT snapshot_id FROM {CATALOG}.latest_snapshot) AND {where}""",
            params,
        ).fetchall()
    }
    return WeeklyChoices(
        departements=tuple(code for code in DEPARTEMENTS if code in departements),
        snapshots=tuple(d.isoformat() for d in snapshots),
    )


def snapshot_list(cur: duckdb.DuckDBPyConnection, allowed_regions: AllowedRegions = None) -> pd.DataFrame:
    """Every snapshot, newest first (`extracts.queries.snapshots`), counts over `allowed_regions`."""
    return ops_queries.snapshots(cur, CATALOG, allowed_regions)


def snapshot_pair(
    cur: duckdb.DuckDBPyConnection, filters: Filters, allowed_regions: AllowedRegions = None
) -> SnapshotPair | None:
    """The snapshots chosen by the (validated) filters `instantane` and `reference`; None without any snapshot.

    The reference must be older than the current snapshot; otherwise the one just before is used.
    """
    rows = snapshot_list(cur, allowed_regions)
    if rows.empty:
        return None
    rows = rows.assign(as_of_text=[d.isoformat() for d in pd.to_datetime(rows["as_of"]).dt.date])
    chosen = rows[rows["as_of_text"] == filters.instantane] if filters.instantane != LATEST_SNAPSHOT else rows
    current = (chosen if not chosen.empty else rows).iloc[0]
    older = rows[rows["as_of_text"] < current["as_of_text"]]
    ignored = False
    if filters.reference != PREVIOUS_SNAPSHOT:
        picked = older[older["as_of_text"] == filters.reference]
        ignored = picked.empty
        older = picked if not picked.empty else older
    previous = older.iloc[0] if not older.empty else None
    return SnapshotPair(
        current_id=int(current["snapshot_id"]),
        current_as_of=date.fromisoformat(current["as_of_text"]),
        current_synthetic=bool(current["synthetic"]),
        current_imported_at=current["imported_at"],
        current_operations=int(current["operation_count"]),
        previous_id=None if previous is None else int(previous["snapshot_id"]),
        previous_as_of=None if previous is None else date.fromisoformat(previous["as_of_text"]),
        previous_synthetic=False if previous is None else bool(previous["synthetic"]),
        reference_ignored=ignored,
    )


def operation_filters(filters: Filters) -> OperationFilters:
    """The operation filters of the validated page filters (empty selections mean all)."""
    return OperationFilters(
        regions=filters.regions or None,
        departements=filters.departements or None,
        landlord_types=filters.bailleur or None,
        families=filters.famille or None,
        zones=filters.zone or None,
        labels=filters.label or None,
    )


def _region_frame(df: pd.DataFrame, regions: tuple[str, ...]) -> pd.DataFrame:
    order = {code: i for i, code in enumerate(REGION_CODES)}
    df = df[df["region_code"].isin(regions)] if regions else df
    df = df.assign(region_name=df["region_code"].map(REGION_NAMES), sort_order=df["region_code"].map(order) + 1)
    return df.sort_values("sort_order").reset_index(drop=True)


def region_deltas(
    cur: duckdb.DuckDBPyConnection,
    current: int,
    previous: int | None,
    filters: OperationFilters = ops_queries.NO_FILTERS,
    allowed_regions: AllowedRegions = None,
) -> pd.DataFrame:
    """Per report section: `<measure>_current`, `_previous`, `_delta` of the operations matching `filters`.

    Measures: operations, engaged, disbursed, remaining (engaged - disbursed), rights. Without
    `filters` this is `extracts.queries.region_deltas`; previous and delta are NULL when there is no
    reference snapshot. Rows: every section of `filters.regions` (all 13 when None) among
    `allowed_regions`, report order.
    """
    where, params = filters.where("o")
    restriction, allowed = allowed_clause(allowed_regions)
    rows, allowed_rows = allowed_clause(allowed_regions, "r.region_code")
    columns = []
    for name, cast in DELTA_MEASURES.items():
        columns += [
            f"coalesce(c.{name}, 0)::{cast} AS {name}_current",
            f"CASE WHEN ?::INTEGER IS NOT NULL THEN coalesce(p.{name}, 0) END::{cast} AS {name}_previous",
            f"CASE WHEN ?::INTEGER IS NOT NULL THEN coalesce(c.{name}, 0) - coalesce(p.{name}, 0) END::{cast} "
            f"AS {name}_delta",
        ]
    df = cur.execute(
        f"""WITH t AS (
                SELECT o.snapshot_id, o.region_code, sum(o.operation_count) AS operations,
                       sum(o.engaged_eur) AS engaged, sum(o.disbursed_eur) AS disbursed,
                       sum(o.engaged_eur - o.disbursed_eur) AS remaining, sum(o.reservation_rights) AS rights
                FROM {CATALOG}.cell_totals o WHERE o.snapshot_id IN (?, ?) AND {where} AND {restriction}
                GROUP BY ALL),
            r AS (SELECT unnest(?::VARCHAR[]) AS region_code),
            a AS (SELECT r.region_code FROM r WHERE {rows}),
            c AS (SELECT * FROM t WHERE snapshot_id = ?),
            p AS (SELECT * FROM t WHERE snapshot_id = ?)
            SELECT a.region_code, {", ".join(columns)}
            FROM a LEFT JOIN c USING (region_code) LEFT JOIN p USING (region_code)""",
        [
            current,
            previous,
            *params,
            *allowed,
            list(filters.regions or REGION_CODES),
            *allowed_rows,
            current,
            previous,
            *([previous, previous] * len(DELTA_MEASURES)),
        ],
    ).df()
    return _region_frame(df, ())


def totals(deltas: pd.DataFrame) -> dict[str, float | None]:
    """Sums of the columns of `region_deltas` over its rows (None where a column is all NULL)."""
    return {
        column: (float(deltas[column].sum()) if deltas[column].notna().any() else None)
        for column in deltas.columns
        if column.endswith(("_current", "_previous", "_delta"))
    }


def flows(
    cur: duckdb.DuckDBPyConnection, pair: SnapshotPair, filters: Filters, allowed_regions: AllowedRegions = None
) -> pd.DataFrame:
    """Monthly or yearly (`filters.pas`) engagements and disbursements of the current snapshot, flows and totals."""
    grain = "year" if filters.pas == "annee" else "month"
    return ops_queries.flows(cur, grain, operation_filters(filters), pair.current_id, CATALOG, allowed_regions)


def remaining(
    cur: duckdb.DuckDBPyConnection, pair: SnapshotPair, filters: Filters, allowed_regions: AllowedRegions = None
) -> pd.DataFrame:
    """Engaged, disbursed and remaining per section of the current snapshot, report order, with names."""
    df = ops_queries.remaining_to_disburse(
        cur, "region_code", operation_filters(filters), pair.current_id, CATALOG, allowed_regions
    )
    return _region_frame(df.rename(columns={"key": "region_code"}), ())


def lag_quantiles(
    cur: duckdb.DuckDBPyConnection, pair: SnapshotPair, filters: Filters, allowed_regions: AllowedRegions = None
) -> pd.DataFrame:
    """Days from engagement to each disbursement per section: count, mean, p10, p25, p50, p75, p90."""
    df = ops_queries.disbursement_lag_quantiles(
        cur, operation_filters(filters), snapshot=pair.current_id, catalog=CATALOG, allowed_regions=allowed_regions
    )
    return _region_frame(df, ())


def _whole_months(start: date, end: date) -> bool:
    """Whether `start`..`end` covers whole calendar months (first day to last day)."""
    return start.day == 1 and (end + timedelta(days=1)).day == 1


def report_comparison(
    cur: duckdb.DuckDBPyConnection,
    pair: SnapshotPair,
    regions: tuple[str, ...],
    allowed_regions: AllowedRegions = None,
) -> pd.DataFrame:
    """Per section, the report's loan and rights key figures next to the same figures computed from the extract.

    The extract side sums the operations of the current snapshot engaged within the report's
    periods (cumulative 2018-2024 and the report year, read from the facts) and their reservation
    rights; `engaged_now_eur` is everything engaged at the snapshot date. Report values are M€ or
    counts as printed (NULL: not published); extract values are euros and counts. Only the sections
    of `allowed_regions` are returned.
    """
    cumul = cur.execute(
        """SELECT min(period_start), max(period_end) FROM facts
           WHERE measure = 'prets_engages' AND context = 'key_figures' AND period_type = 'range'
             AND territory_code <> 'FR'"""
    ).fetchone()
    year = cur.execute(
        """SELECT min(period_start), max(period_end) FROM facts
           WHERE measure = 'prets_engages' AND context = 'key_figures' AND period_type = 'year'
             AND territory_code <> 'FR'"""
    ).fetchone()
    assert cumul is not None and year is not None
    restriction, allowed = allowed_clause(allowed_regions, "region_code")
    rows, allowed_rows = allowed_clause(allowed_regions, "k.region_code")
    if _whole_months(*cumul) and _whole_months(*year):
        # The report's periods are whole months: the monthly aggregates give the same sums.
        date, amount, source = "month", "engaged_eur", "cell_months"
    else:
        date, amount, source = "engagement_date", "engaged_amount_eur", "operations"
    df = cur.execute(
        f"""WITH x AS (
                SELECT region_code,
                       sum({amount}) FILTER (WHERE {date} BETWEEN ? AND ?)::DOUBLE AS engaged_cumul_eur,
                       sum({amount}) FILTER (WHERE {date} BETWEEN ? AND ?)::DOUBLE AS engaged_year_eur,
                       sum(reservation_rights) FILTER (WHERE {date} <= ?)::BIGINT AS rights_report_date,
                       sum({amount})::DOUBLE AS engaged_now_eur,
                       sum(reservation_rights)::BIGINT AS rights_now
                FROM {CATALOG}.{source} WHERE snapshot_id = ? AND {restriction} GROUP BY ALL)
            SELECT k.region_code, k.prets_engages_cumul_meur AS report_engaged_cumul_meur,
                   k.prets_engages_2024_meur AS report_engaged_year_meur, k.droits_total AS report_rights,
                   coalesce(x.engaged_cumul_eur, 0) AS engaged_cumul_eur,
                   coalesce(x.engaged_year_eur, 0) AS engaged_year_eur,
                   coalesce(x.rights_report_date, 0) AS rights_report_date,
                   coalesce(x.engaged_now_eur, 0) AS engaged_now_eur, coalesce(x.rights_now, 0) AS rights_now
            FROM region_key_figures k LEFT JOIN x USING (region_code)
            WHERE (?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], k.region_code)) AND {rows}""",
        [
            cumul[0],
            cumul[1],
            year[0],
            year[1],
            cumul[1],
            pair.current_id,
            *allowed,
            list(regions) or None,
            list(regions) or None,
            *allowed_rows,
        ],
    ).df()
    out = _region_frame(df, ())
    out.attrs["cumul_period"] = (cumul[0], cumul[1])
    out.attrs["year_period"] = (year[0], year[1])
    return out


def largest_changes(
    cur: duckdb.DuckDBPyConnection,
    measure: str,
    n: int = 5,
    level: str = "departement",
    allowed_regions: AllowedRegions = None,
) -> pd.DataFrame:
    """The `n` départements (or sections) of `allowed_regions` whose `measure` changed most between the latest
    two snapshots.

    Columns: key, name, region_code, region_name, current, previous, delta.
    """
    df = ops_queries.largest_changes(
        cur, level=level, measure=measure, n=n, catalog=CATALOG, allowed_regions=allowed_regions
    )
    if level == "departement":
        names = [DEPARTEMENTS[k].name if k in DEPARTEMENTS else k for k in df["key"]]
    else:
        names = [REGION_NAMES.get(k, k) for k in df["key"]]
    return df.assign(name=names, region_name=df["region_code"].map(REGION_NAMES))


@dataclass(frozen=True)
class Changes:
    """The largest changes between the latest two snapshots, per measure (for the overview)."""

    current_as_of: date
    previous_as_of: date | None
    by_measure: dict[str, pd.DataFrame]


CHANGE_MEASURES = ("engaged", "disbursed", "rights")


def changes_since_last_review(
    cur: duckdb.DuckDBPyConnection, n: int = 5, allowed_regions: AllowedRegions = None
) -> Changes | None:
    """The `n` départements (of `allowed_regions`) that changed most in engaged, disbursed and rights; None
    without snapshots."""
    if not available(cur):
        return None
    pair = snapshot_pair(cur, Filters(), allowed_regions)
    if pair is None:
        return None
    if pair.previous_id is None:
        return Changes(pair.current_as_of, None, {})
    return Changes(
        pair.current_as_of,
        pair.previous_as_of,
        {measure: largest_changes(cur, measure, n, allowed_regions=allowed_regions) for measure in CHANGE_MEASURES},
    )

"""Queries of the weekly-extract pages: pure functions `(cursor, validated arguments) -> DataFrame`.

They read the operations database. On a plain connection to it, leave `catalog` as None; when
the dashboard attaches it to the report database (`store.attach_operations`, alias `ops`), pass
`catalog="ops"`. Every value goes through `?` parameters; the few identifiers that vary (grain,
grouping column, measure) come from fixed whitelists. Amounts are euros as floats; snapshot
arguments are `snapshot_id`s, None meaning the latest one (and, for `previous`, the one before
`current`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import ClassVar

import duckdb
import pandas as pd

from .spec import DEPARTEMENTS, FAMILIES, LABELS, LANDLORD_TYPES, REGION_CODES, ZONES

_CATALOG = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
GRAINS = {"month": "1 MONTH", "year": "1 YEAR"}
#: Operation columns a result may be grouped by.
GROUPS = ("region_code", "departement", "landlord_type", "family", "zone", "label")
#: Measures of `largest_changes`.
MEASURES = ("engaged", "disbursed", "remaining", "rights", "operations")
LEVELS = ("region_code", "departement")
DEFAULT_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def _sql(template: str, catalog: str | None) -> str:
    """Qualify the `{ops}` table references with the attachment name, if any."""
    if catalog is not None and not _CATALOG.match(catalog):
        raise ValueError(f"invalid catalog name {catalog!r}")
    return template.replace("{ops}", f"{catalog}." if catalog else "")


@dataclass(frozen=True)
class OperationFilters:
    """Filters on operations; each is a list of accepted codes, None meaning no filter (an empty list matches none)."""

    regions: tuple[str, ...] | None = None
    departements: tuple[str, ...] | None = None
    landlord_types: tuple[str, ...] | None = None
    families: tuple[str, ...] | None = None
    zones: tuple[str, ...] | None = None
    labels: tuple[str, ...] | None = None

    _COLUMNS: ClassVar[dict[str, tuple[str, tuple[str, ...]]]] = {
        "regions": ("region_code", REGION_CODES),
        "departements": ("departement", tuple(DEPARTEMENTS)),
        "landlord_types": ("landlord_type", tuple(LANDLORD_TYPES)),
        "families": ("family", tuple(FAMILIES)),
        "zones": ("zone", tuple(ZONES)),
        "labels": ("label", tuple(LABELS)),
    }

    def __post_init__(self) -> None:
        for item in fields(self):
            values = getattr(self, item.name)
            if values is None:
                continue
            if isinstance(values, str):
                raise ValueError(f"{item.name} must be a list of codes, not a string")
            values = tuple(values)
            allowed = self._COLUMNS[item.name][1]
            unknown = [v for v in values if v not in allowed]
            if unknown:
                raise ValueError(f"unknown {item.name}: {', '.join(map(str, unknown))}")
            object.__setattr__(self, item.name, values)

    def where(self, alias: str = "o") -> tuple[str, list]:
        """SQL condition on the operations aliased `alias`, and its parameters."""
        clauses: list[str] = []
        params: list = []
        for item in fields(self):
            column = self._COLUMNS[item.name][0]
            values = getattr(self, item.name)
            value = list(values) if values is not None else None
            clauses.append(f"(?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], {alias}.{column}))")
            params += [value, value]
        return " AND ".join(clauses), params


NO_FILTERS = OperationFilters()

#: Regions a requester may see: a tuple of report section codes, None meaning all (see `dashboard/auth.py`).
AllowedRegions = tuple[str, ...] | None


def allowed_clause(allowed_regions: AllowedRegions, column: str = "o.region_code") -> tuple[str, list]:
    """SQL condition restricting `column` to `allowed_regions` (None: no restriction), and its parameters.

    The restriction of a regional user: every operational query applies it in its WHERE clause.
    """
    if allowed_regions is not None:
        if isinstance(allowed_regions, str):
            raise ValueError("allowed_regions must be a list of codes, not a string")
        allowed_regions = tuple(allowed_regions)
        unknown = [r for r in allowed_regions if r not in REGION_CODES]
        if unknown:
            raise ValueError(f"unknown allowed regions: {', '.join(map(str, unknown))}")
    value = list(allowed_regions) if allowed_regions is not None else None
    return f"(?::VARCHAR[] IS NULL OR list_contains(?::VARCHAR[], {column}))", [value, value]


_RESTRICTED_SNAPSHOTS = """
    WITH t AS (
        SELECT snapshot_id, sum(operation_count) AS operation_count, sum(disbursement_count) AS disbursement_count,
               sum(engaged_eur) AS engaged_total_eur, sum(disbursed_eur) AS disbursed_total_eur,
               sum(reservation_rights) AS reservation_rights_total
        FROM {ops}snapshot_region_totals o WHERE %s GROUP BY ALL)
    SELECT s.* REPLACE (coalesce(t.operation_count, 0)::INTEGER AS operation_count,
                        coalesce(t.disbursement_count, 0)::INTEGER AS disbursement_count,
                        coalesce(t.engaged_total_eur, 0)::DECIMAL(18, 2) AS engaged_total_eur,
                        coalesce(t.disbursed_total_eur, 0)::DECIMAL(18, 2) AS disbursed_total_eur,
                        coalesce(t.reservation_rights_total, 0)::BIGINT AS reservation_rights_total)
    FROM {ops}snapshots s LEFT JOIN t USING (snapshot_id)"""


def snapshots(
    cur: duckdb.DuckDBPyConnection, catalog: str | None = None, allowed_regions: AllowedRegions = None
) -> pd.DataFrame:
    """Every snapshot, newest first; with `allowed_regions`, counts and totals cover those sections only."""
    if allowed_regions is None:
        return cur.execute(_sql("SELECT * FROM {ops}snapshots ORDER BY as_of DESC", catalog)).df()
    where, params = allowed_clause(allowed_regions)
    return cur.execute(_sql(_RESTRICTED_SNAPSHOTS % where + " ORDER BY as_of DESC", catalog), params).df()


def resolve_snapshots(
    cur: duckdb.DuckDBPyConnection,
    current: int | None = None,
    previous: int | None = None,
    catalog: str | None = None,
) -> tuple[int | None, int | None]:
    """`(current, previous)` snapshot ids: the latest and the one before it by default."""
    row = cur.execute(
        _sql(
            """WITH c AS (
                   SELECT snapshot_id, as_of FROM {ops}snapshots
                   WHERE snapshot_id = coalesce(?::INTEGER, (SELECT snapshot_id FROM {ops}latest_snapshot)))
               SELECT c.snapshot_id,
                      coalesce(?::INTEGER, (SELECT s.snapshot_id FROM {ops}snapshots s WHERE s.as_of < c.as_of
                                            ORDER BY s.as_of DESC LIMIT 1))
               FROM c""",
            catalog,
        ),
        [current, previous],
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def current_and_previous(
    cur: duckdb.DuckDBPyConnection,
    current: int | None = None,
    previous: int | None = None,
    catalog: str | None = None,
    allowed_regions: AllowedRegions = None,
) -> pd.DataFrame:
    """The snapshots compared (`role` = current, previous): as-of date, counts, totals, synthetic flag.

    With `allowed_regions`, the counts and totals cover those sections only.
    """
    current_id, previous_id = resolve_snapshots(cur, current, previous, catalog)
    where, params = allowed_clause(allowed_regions)
    source = "{ops}snapshots" if allowed_regions is None else f"({_RESTRICTED_SNAPSHOTS % where})"
    return cur.execute(
        _sql(
            f"""SELECT CASE WHEN snapshot_id = ? THEN 'current' ELSE 'previous' END AS role, snapshot_id, as_of,
                      imported_at, synthetic, operation_count, disbursement_count,
                      engaged_total_eur::DOUBLE AS engaged_total_eur,
                      disbursed_total_eur::DOUBLE AS disbursed_total_eur,
                      (engaged_total_eur - disbursed_total_eur)::DOUBLE AS remaining_total_eur,
                      reservation_rights_total
               FROM {source} WHERE snapshot_id IN (?, ?) ORDER BY as_of DESC""",
            catalog,
        ),
        [current_id, *(params if allowed_regions is not None else []), current_id, previous_id],
    ).df()


def region_deltas(
    cur: duckdb.DuckDBPyConnection,
    current: int | None = None,
    previous: int | None = None,
    catalog: str | None = None,
    allowed_regions: AllowedRegions = None,
) -> pd.DataFrame:
    """Per report section (all 13 or `allowed_regions`, report order): current and previous values and their difference.

    Columns `<measure>_current`, `<measure>_previous`, `<measure>_delta` for operations, engaged,
    disbursed, remaining and rights; previous and delta are NULL when there is no previous snapshot.
    """
    current_id, previous_id = resolve_snapshots(cur, current, previous, catalog)
    where, allowed = allowed_clause(allowed_regions, "r.region_code")
    measures = {
        "operations": "operation_count",
        "engaged": "engaged_eur",
        "disbursed": "disbursed_eur",
        "remaining": "remaining_eur",
        "rights": "reservation_rights",
    }
    columns = []
    for name, column in measures.items():
        cast = "BIGINT" if name in ("operations", "rights") else "DOUBLE"
        columns += [
            f"coalesce(c.{column}, 0)::{cast} AS {name}_current",
            f"CASE WHEN ?::INTEGER IS NOT NULL THEN coalesce(p.{column}, 0) END::{cast} AS {name}_previous",
            f"CASE WHEN ?::INTEGER IS NOT NULL THEN coalesce(c.{column}, 0) - coalesce(p.{column}, 0) END::{cast} "
            f"AS {name}_delta",
        ]
    return cur.execute(
        _sql(
            f"""WITH r AS (
                    SELECT unnest(?::VARCHAR[]) AS region_code, unnest(range(1, ? + 1)) AS sort_order),
                c AS (SELECT * FROM {{ops}}snapshot_region_totals WHERE snapshot_id = ?),
                p AS (SELECT * FROM {{ops}}snapshot_region_totals WHERE snapshot_id = ?)
                SELECT r.region_code, r.sort_order, {", ".join(columns)}
                FROM r LEFT JOIN c USING (region_code) LEFT JOIN p USING (region_code)
                WHERE {where}
                ORDER BY r.sort_order""",
            catalog,
        ),
        [
            list(REGION_CODES),
            len(REGION_CODES),
            current_id,
            previous_id,
            *([previous_id, previous_id] * len(measures)),
            *allowed,
        ],
    ).df()


_MEASURE_SQL = {
    "engaged": ("sum(o.engaged_eur)", "DOUBLE"),
    "disbursed": ("sum(o.disbursed_eur)", "DOUBLE"),
    "remaining": ("sum(o.engaged_eur - o.disbursed_eur)", "DOUBLE"),
    "rights": ("sum(o.reservation_rights)", "BIGINT"),
    "operations": ("sum(o.operation_count)", "BIGINT"),
}


def largest_changes(
    cur: duckdb.DuckDBPyConnection,
    level: str = "region_code",
    measure: str = "engaged",
    n: int = 10,
    current: int | None = None,
    previous: int | None = None,
    catalog: str | None = None,
    allowed_regions: AllowedRegions = None,
) -> pd.DataFrame:
    """The `n` sections (`level="region_code"`) or départements with the largest absolute change of `measure`.

    Columns: key, region_code, current, previous, delta (previous 0 when there is no previous snapshot).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}")
    if not isinstance(n, int) or n < 1:
        raise ValueError("n must be a positive integer")
    current_id, previous_id = resolve_snapshots(cur, current, previous, catalog)
    expression, cast = _MEASURE_SQL[measure]
    where, allowed = allowed_clause(allowed_regions)
    return cur.execute(
        _sql(
            f"""WITH v AS (
                    SELECT o.snapshot_id, o.{level} AS key, any_value(o.region_code) AS region_code,
                           {expression} AS value
                    FROM {{ops}}cell_totals o
                    WHERE o.snapshot_id IN (?, ?) AND {where} GROUP BY ALL)
                SELECT key, coalesce(c.region_code, p.region_code) AS region_code,
                       coalesce(c.value, 0)::{cast} AS current, coalesce(p.value, 0)::{cast} AS previous,
                       (coalesce(c.value, 0) - coalesce(p.value, 0))::{cast} AS delta
                FROM (SELECT * FROM v WHERE snapshot_id = ?) c
                FULL JOIN (SELECT * FROM v WHERE snapshot_id = ?) p USING (key)
                ORDER BY abs(delta) DESC, key LIMIT ?""",
            catalog,
        ),
        [current_id, previous_id, *allowed, current_id, previous_id, n],
    ).df()


def _snapshot_id(cur: duckdb.DuckDBPyConnection, snapshot: int | None, catalog: str | None) -> int | None:
    return resolve_snapshots(cur, snapshot, None, catalog)[0]


def flows(
    cur: duckdb.DuckDBPyConnection,
    grain: str = "month",
    filters: OperationFilters = NO_FILTERS,
    snapshot: int | None = None,
    catalog: str | None = None,
    allowed_regions: AllowedRegions = None,
) -> pd.DataFrame:
    """Engagements and disbursements per month or year: flows and running totals, every period present.

    Columns: period (first day), engaged_eur, disbursed_eur, engaged_cumul_eur, disbursed_cumul_eur.
    """
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}")
    snapshot_id = _snapshot_id(cur, snapshot, catalog)
    where, params = filters.where("o")
    restriction, allowed = allowed_clause(allowed_regions)
    where, params = f"{where} AND {restriction}", [*params, *allowed]
    return cur.execute(
        _sql(
            f"""WITH m AS (
                    SELECT date_trunc('{grain}', o.month)::DATE AS period, sum(o.engaged_eur) AS engaged,
                           sum(o.disbursed_eur) AS disbursed
                    FROM {{ops}}cell_months o WHERE o.snapshot_id = ? AND {where} GROUP BY ALL),
                bounds AS (SELECT min(period) AS low, max(period) AS high FROM m),
                periods AS (
                    SELECT unnest(generate_series(low::TIMESTAMP, high::TIMESTAMP, INTERVAL {GRAINS[grain]}))::DATE
                        AS period
                    FROM bounds WHERE low IS NOT NULL)
                SELECT p.period,
                       coalesce(m.engaged, 0)::DOUBLE AS engaged_eur,
                       coalesce(m.disbursed, 0)::DOUBLE AS disbursed_eur,
                       sum(coalesce(m.engaged, 0)) OVER (ORDER BY p.period)::DOUBLE AS engaged_cumul_eur,
                       sum(coalesce(m.disbursed, 0)) OVER (ORDER BY p.period)::DOUBLE AS disbursed_cumul_eur
                FROM periods p LEFT JOIN m USING (period)
                ORDER BY p.period""",
            catalog,
        ),
        [snapshot_id, *params],
    ).df()


def remaining_to_disburse(
    cur: duckdb.DuckDBPyConnection,
    by: str | None = "region_code",
    filters: OperationFilters = NO_FILTERS,
    snapshot: int | None = None,
    catalog: str | None = None,
    allowed_regions: AllowedRegions = None,
) -> pd.DataFrame:
    """Engaged, disbursed and remaining amounts, grouped `by` an operation column (None: one national row).

    Columns: key, operation_count, engaged_eur, disbursed_eur, remaining_eur, disbursement_rate (0-1).
    """
    if by is not None and by not in GROUPS:
        raise ValueError(f"by must be None or one of {', '.join(GROUPS)}")
    snapshot_id = _snapshot_id(cur, snapshot, catalog)
    where, params = filters.where("o")
    restriction, allowed = allowed_clause(allowed_regions)
    where, params = f"{where} AND {restriction}", [*params, *allowed]
    key = f"o.{by}" if by else "'FR'"
    return cur.execute(
        _sql(
            f"""SELECT {key} AS key, coalesce(sum(o.operation_count), 0)::BIGINT AS operation_count,
                       sum(o.engaged_eur)::DOUBLE AS engaged_eur,
                       sum(o.disbursed_eur)::DOUBLE AS disbursed_eur,
                       sum(o.engaged_eur - o.disbursed_eur)::DOUBLE AS remaining_eur,
                       (sum(o.disbursed_eur) / nullif(sum(o.engaged_eur), 0))::DOUBLE AS disbursement_rate
                FROM {{ops}}cell_totals o
                WHERE o.snapshot_id = ? AND {where}
                GROUP BY ALL ORDER BY key""",
            catalog,
        ),
        [snapshot_id, *params],
    ).df()


def _lags_source(where: str) -> str:
    return f"""SELECT o.region_code, d.operation_id, d.line, d.amount_eur,
                      datediff('day', o.engagement_date, d.disbursement_date) AS lag_days
               FROM {{ops}}disbursements d
               JOIN {{ops}}operations o ON o.snapshot_id = d.snapshot_id AND o.operation_id = d.operation_id
               WHERE d.snapshot_id = ? AND {where}"""


def disbursement_lag_quantiles(
    cur: duckdb.DuckDBPyConnection,
    filters: OperationFilters = NO_FILTERS,
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES,
    snapshot: int | None = None,
    catalog: str | None = None,
    allowed_regions: AllowedRegions = None,
) -> pd.DataFrame:
    """Days from engagement to each disbursement, per section: count, mean and quantiles (`p10`, `p50`...)."""
    if not quantiles or any(not 0 <= q <= 1 for q in quantiles):
        raise ValueError("quantiles must be between 0 and 1")
    snapshot_id = _snapshot_id(cur, snapshot, catalog)
    where, params = filters.where("o")
    restriction, allowed = allowed_clause(allowed_regions)
    where, params = f"{where} AND {restriction}", [*params, *allowed]
    names = [f"p{round(q * 100):02d}" if q * 100 == round(q * 100) else f"p{q * 100:g}" for q in quantiles]
    columns = ", ".join(f'q[{i + 1}] AS "{name}"' for i, name in enumerate(names))
    # Exact `quantile_cont` from the per-day histogram: for n lags sorted ascending, quantile q sits at
    # rank h = q (n - 1) (0-based), between the values at ranks floor(h) and ceil(h), linearly.
    return cur.execute(
        _sql(
            f"""WITH h AS (
                    SELECT o.region_code, o.lag_days, sum(o.disbursement_count) AS n
                    FROM {{ops}}cell_lags o WHERE o.snapshot_id = ? AND {where} GROUP BY ALL),
                c AS (
                    SELECT region_code, lag_days, n,
                           sum(n) OVER (PARTITION BY region_code ORDER BY lag_days) AS through,
                           sum(n) OVER (PARTITION BY region_code) AS total
                    FROM h),
                q AS (SELECT unnest(?::DOUBLE[]) AS q, unnest(range(1, ? + 1)) AS position),
                k AS (
                    SELECT c.region_code, q.position, any_value(q.q * (c.total - 1)) AS rank,
                           min(c.lag_days) FILTER (WHERE c.through > floor(q.q * (c.total - 1))) AS low,
                           min(c.lag_days) FILTER (WHERE c.through > ceil(q.q * (c.total - 1))) AS high
                    FROM c CROSS JOIN q GROUP BY ALL),
                v AS (
                    SELECT region_code,
                           list(CASE WHEN low = high THEN low::DOUBLE
                                     ELSE low + (rank - floor(rank)) * (high - low) END ORDER BY position) AS q
                    FROM k GROUP BY ALL),
                s AS (
                    SELECT region_code, sum(n)::BIGINT AS disbursement_count,
                           (sum(lag_days * n) / sum(n))::DOUBLE AS mean_days
                    FROM h GROUP BY ALL),
                r AS (SELECT unnest(?::VARCHAR[]) AS region_code, unnest(range(1, ? + 1)) AS sort_order)
                SELECT region_code, s.disbursement_count, s.mean_days, {columns}
                FROM s JOIN v USING (region_code) JOIN r USING (region_code) ORDER BY r.sort_order""",
            catalog,
        ),
        [snapshot_id, *params, list(quantiles), len(quantiles), list(REGION_CODES), len(REGION_CODES)],
    ).df()


def disbursement_lag_sample(
    cur: duckdb.DuckDBPyConnection,
    per_region: int = 500,
    filters: OperationFilters = NO_FILTERS,
    snapshot: int | None = None,
    catalog: str | None = None,
    allowed_regions: AllowedRegions = None,
) -> pd.DataFrame:
    """At most `per_region` disbursements per section with their lag in days, the same ones at every call.

    Columns: region_code, operation_id, line, lag_days, amount_eur.
    """
    if not isinstance(per_region, int) or per_region < 1:
        raise ValueError("per_region must be a positive integer")
    snapshot_id = _snapshot_id(cur, snapshot, catalog)
    where, params = filters.where("o")
    restriction, allowed = allowed_clause(allowed_regions)
    where, params = f"{where} AND {restriction}", [*params, *allowed]
    return cur.execute(
        _sql(
            f"""SELECT region_code, operation_id, line, lag_days, amount_eur::DOUBLE AS amount_eur
                FROM ({_lags_source(where)})
                QUALIFY row_number() OVER (PARTITION BY region_code ORDER BY hash(operation_id, line), operation_id,
                                                                            line) <= ?
                ORDER BY region_code, operation_id, line""",
            catalog,
        ),
        [snapshot_id, *params, per_region],
    ).df()

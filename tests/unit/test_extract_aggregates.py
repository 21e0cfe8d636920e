"""The per-snapshot aggregates: written by every import, equal to the detail rows, read by the weekly queries.

Each query that reads an aggregate table is compared with the same figure computed here from the
operations and disbursements themselves (the straightforward SQL the aggregates replace).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard.extracts import aggregates, store
from dashboard.extracts import queries as q
from dashboard.extracts.spec import FAMILIES, LABELS, LANDLORD_TYPES
from dashboard.filters import Filters
from dashboard.queries import weekly

CELL = ", ".join(aggregates.CELL_COLUMNS)
FAMILY, LANDLORD = next(iter(FAMILIES)), next(iter(LANDLORD_TYPES))
LABEL_1, LABEL_2 = list(LABELS)[:2]
FILTERS = [
    q.NO_FILTERS,
    q.OperationFilters(regions=("84", "11", "OM")),
    q.OperationFilters(departements=("75", "93", "974")),
    q.OperationFilters(families=(FAMILY,), labels=(LABEL_1, LABEL_2)),
    q.OperationFilters(landlord_types=(LANDLORD,), zones=()),
]


@pytest.fixture(scope="module")
def con(operations_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    store.attach_operations(connection, operations_db, "ops")
    connection.execute("USE ops")
    yield connection
    connection.close()


def snapshot_ids(con) -> list[int]:
    return [r[0] for r in con.execute("SELECT snapshot_id FROM snapshots ORDER BY snapshot_id").fetchall()]


def same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        left.reset_index(drop=True), right.reset_index(drop=True), check_dtype=False, rtol=1e-12
    )


def test_every_snapshot_has_current_aggregates(con):
    assert len(snapshot_ids(con)) == 2
    assert aggregates.stale_snapshots(con) == []
    versions = con.execute("SELECT DISTINCT version FROM snapshot_aggregates").fetchall()
    assert versions == [(aggregates.VERSION,)]


def test_cell_tables_equal_the_detail_rows(con):
    for snapshot in snapshot_ids(con):
        expected = con.execute(
            f"""WITH b AS (SELECT operation_id, count(*) AS n, sum(amount_eur) AS paid FROM disbursements
                           WHERE snapshot_id = $s GROUP BY ALL)
                SELECT {CELL}, count(*) AS operation_count, sum(engaged_amount_eur) AS engaged_eur,
                       sum(reservation_rights) AS reservation_rights, coalesce(sum(b.n), 0) AS disbursement_count,
                       coalesce(sum(b.paid), 0) AS disbursed_eur
                FROM operations LEFT JOIN b USING (operation_id) WHERE snapshot_id = $s GROUP BY ALL ORDER BY ALL""",
            {"s": snapshot},
        ).df()
        stored = con.execute(
            f"SELECT * EXCLUDE (snapshot_id) FROM cell_totals WHERE snapshot_id = ? ORDER BY {CELL}", [snapshot]
        ).df()
        same(stored, expected)
        months = con.execute(
            """SELECT sum(operation_count), sum(engaged_eur), sum(reservation_rights), sum(disbursement_count),
                      sum(disbursed_eur) FROM cell_months WHERE snapshot_id = ?""",
            [snapshot],
        ).fetchone()
        totals = con.execute(
            """SELECT operation_count, engaged_total_eur, reservation_rights_total, disbursement_count,
                      disbursed_total_eur FROM snapshots WHERE snapshot_id = ?""",
            [snapshot],
        ).fetchone()
        assert months == totals
        lags = con.execute(
            """SELECT sum(disbursement_count), sum(lag_days * disbursement_count) FROM cell_lags
               WHERE snapshot_id = ?""",
            [snapshot],
        ).fetchone()
        detail = con.execute(
            """SELECT count(*), sum(datediff('day', o.engagement_date, d.disbursement_date)) FROM disbursements d
               JOIN operations o USING (snapshot_id, operation_id) WHERE d.snapshot_id = ?""",
            [snapshot],
        ).fetchone()
        assert lags == detail


@pytest.mark.parametrize("filters", FILTERS, ids=range(len(FILTERS)))
def test_flows_equal_the_detail_rows(con, filters):
    where, params = filters.where("o")
    for grain in ("month", "year"):
        flows = q.flows(con, grain, filters)
        engaged = con.execute(
            f"""SELECT date_trunc('{grain}', engagement_date)::DATE AS period, sum(engaged_amount_eur)::DOUBLE AS v
                FROM operations o WHERE snapshot_id = (SELECT snapshot_id FROM latest_snapshot) AND {where}
                GROUP BY ALL""",
            params,
        ).df()
        paid = con.execute(
            f"""SELECT date_trunc('{grain}', d.disbursement_date)::DATE AS period, sum(d.amount_eur)::DOUBLE AS v
                FROM disbursements d JOIN operations o USING (snapshot_id, operation_id)
                WHERE d.snapshot_id = (SELECT snapshot_id FROM latest_snapshot) AND {where} GROUP BY ALL""",
            params,
        ).df()
        by_period = flows.set_index("period")
        assert engaged["v"].sum() == pytest.approx(flows["engaged_eur"].sum())
        assert paid["v"].sum() == pytest.approx(flows["disbursed_eur"].sum())
        for frame, column in ((engaged, "engaged_eur"), (paid, "disbursed_eur")):
            for period, value in zip(frame["period"], frame["v"], strict=True):
                assert by_period.loc[pd.Timestamp(period), column] == pytest.approx(value)


@pytest.mark.parametrize("filters", FILTERS, ids=range(len(FILTERS)))
def test_remaining_and_largest_changes_equal_the_detail_rows(con, filters):
    where, params = filters.where("o")
    expected = con.execute(
        f"""WITH b AS (SELECT operation_id, sum(amount_eur) AS paid FROM disbursements
                       WHERE snapshot_id = (SELECT snapshot_id FROM latest_snapshot) GROUP BY ALL)
            SELECT o.label AS key, count(*) AS operation_count, sum(o.engaged_amount_eur)::DOUBLE AS engaged_eur,
                   sum(coalesce(b.paid, 0))::DOUBLE AS disbursed_eur
            FROM operations o LEFT JOIN b USING (operation_id)
            WHERE o.snapshot_id = (SELECT snapshot_id FROM latest_snapshot) AND {where} GROUP BY ALL ORDER BY key""",
        params,
    ).df()
    got = q.remaining_to_disburse(con, "label", filters)
    same(got[["key", "operation_count", "engaged_eur", "disbursed_eur"]], expected)
    changes = q.largest_changes(con, "departement", "rights", n=200)
    current, previous = snapshot_ids(con)[1], snapshot_ids(con)[0]
    rights = con.execute(
        """SELECT departement, sum(reservation_rights) FILTER (WHERE snapshot_id = ?)
                               - coalesce(sum(reservation_rights) FILTER (WHERE snapshot_id = ?), 0)
           FROM operations GROUP BY ALL""",
        [current, previous],
    ).fetchall()
    assert dict(zip(changes["key"], changes["delta"], strict=True)) == {k: v for k, v in rights}


@pytest.mark.parametrize("filters", FILTERS, ids=range(len(FILTERS)))
@pytest.mark.parametrize("quantiles", [q.DEFAULT_QUANTILES, (0.0, 1 / 3, 0.999, 1.0)], ids=["default", "edges"])
def test_lag_quantiles_equal_quantile_cont_over_the_disbursements(con, filters, quantiles):
    where, params = filters.where("o")
    expected = con.execute(
        f"""SELECT o.region_code, count(*) AS n, avg(datediff('day', o.engagement_date, d.disbursement_date)) AS mean,
                   quantile_cont(datediff('day', o.engagement_date, d.disbursement_date), ?::DOUBLE[]) AS q
            FROM disbursements d JOIN operations o USING (snapshot_id, operation_id)
            WHERE d.snapshot_id = (SELECT snapshot_id FROM latest_snapshot) AND {where} GROUP BY ALL""",
        [list(quantiles), *params],
    ).df()
    got = q.disbursement_lag_quantiles(con, filters, quantiles).set_index("region_code")
    assert sorted(got.index) == sorted(expected["region_code"])
    for row in expected.itertuples():
        assert got.loc[row.region_code, "disbursement_count"] == row.n
        assert got.loc[row.region_code, "mean_days"] == pytest.approx(row.mean, rel=1e-12)
        values = got.loc[row.region_code].iloc[2:].tolist()
        assert values == pytest.approx(list(row.q), rel=1e-12, abs=1e-9)


def test_report_comparison_reads_the_monthly_aggregates_like_the_operations(built_db, operations_db, monkeypatch):
    con = duckdb.connect()
    con.execute(f"ATTACH '{built_db}' AS report (READ_ONLY)")
    con.execute("USE report")
    store.attach_operations(con, operations_db)
    pair = weekly.snapshot_pair(con, Filters())
    assert pair is not None
    cumul, year = (
        con.execute(
            f"""SELECT min(period_start), max(period_end) FROM facts WHERE measure = 'prets_engages'
                AND context = 'key_figures' AND period_type = '{kind}' AND territory_code <> 'FR'"""
        ).fetchone()
        for kind in ("range", "year")
    )
    assert weekly._whole_months(*cumul) and weekly._whole_months(*year)  # the report's periods: whole years
    from_cells = weekly.report_comparison(con, pair, ())
    monkeypatch.setattr(weekly, "_whole_months", lambda start, end: False)
    from_operations = weekly.report_comparison(con, pair, ())
    same(from_cells, from_operations)
    con.close()


def test_whole_months():
    from datetime import date

    assert weekly._whole_months(date(2018, 1, 1), date(2024, 12, 31))
    assert weekly._whole_months(date(2024, 2, 1), date(2024, 2, 29))
    assert not weekly._whole_months(date(2024, 1, 2), date(2024, 12, 31))
    assert not weekly._whole_months(date(2024, 1, 1), date(2024, 12, 30))


def test_a_file_without_aggregates_is_refused_then_upgraded(operations_db, built_db, tmp_path, monkeypatch, caplog):
    """An operations file of an older version: the dashboard leaves it detached until `aggregate` ran."""
    from dashboard import cli, db

    old = tmp_path / "operations.duckdb"
    shutil.copyfile(operations_db, old)
    with duckdb.connect(str(old)) as connection:
        for table in (*aggregates.TABLES, "snapshot_aggregates"):
            connection.execute(f"DROP TABLE {table} CASCADE")
    assert aggregates.stale_snapshots(duckdb.connect(str(old), read_only=True)) == [1, 2]
    monkeypatch.setenv("NPNRU_DB", str(built_db))
    monkeypatch.setenv("NPNRU_OPERATIONS_DB", str(old))
    with caplog.at_level("WARNING"):
        assert db.operations_attached() is False
    assert "python -m dashboard aggregate" in caplog.text

    assert cli.main(["aggregate"]) == 0
    with duckdb.connect(str(old), read_only=True) as connection:
        assert aggregates.stale_snapshots(connection) == []
        assert connection.execute("SELECT count(*) FROM cell_totals").fetchone()[0] > 0
    assert db.operations_attached() is True
    before = old.read_bytes()
    assert cli.main(["aggregate"]) == 0  # nothing to do: the file is left as it is
    assert old.read_bytes() == before

"""Queries of the weekly views, on the report database with two synthetic snapshots attached as `ops`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard.extracts import queries as ops_queries
from dashboard.extracts.spec import DEPARTEMENTS, REGION_CODES
from dashboard.extracts.store import attach_operations
from dashboard.filters import Filters
from dashboard.queries import weekly
from dashboard.synthetic import operations_loaded, synthetic_shown
from tests.conftest import WEEKLY_AS_OF

MEASURES = ("operations", "engaged", "disbursed", "remaining", "rights")


def report_only(built_db: Path) -> duckdb.DuckDBPyConnection:
    """A connection to the report database alone (a fresh instance: `duckdb.connect(path)` would hand
    back the cached one, with the operations attached)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{built_db}' AS report (READ_ONLY)")
    con.execute("USE report")
    return con


@pytest.fixture(scope="module")
def cur(built_db: Path, operations_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = report_only(built_db)
    attach_operations(con, operations_db)
    yield con
    con.close()


@pytest.fixture(scope="module")
def pair(cur) -> weekly.SnapshotPair:
    found = weekly.snapshot_pair(cur, Filters())
    assert found is not None
    return found


def operations(cur, snapshot: int) -> pd.DataFrame:
    """Every operation of a snapshot with its disbursed total, straight from the tables."""
    return cur.execute(
        """SELECT o.*, o.engaged_amount_eur::DOUBLE AS engaged, coalesce(b.paid, 0)::DOUBLE AS paid
           FROM ops.operations o
           LEFT JOIN (SELECT operation_id, sum(amount_eur) AS paid FROM ops.disbursements WHERE snapshot_id = ?
                      GROUP BY ALL) b USING (operation_id)
           WHERE o.snapshot_id = ?""",
        [snapshot, snapshot],
    ).df()


def test_default_pair_is_the_latest_snapshot_and_the_one_before(pair):
    assert (pair.current_as_of, pair.previous_as_of) == (WEEKLY_AS_OF[1], WEEKLY_AS_OF[0])
    assert pair.current_synthetic and pair.previous_synthetic
    assert not pair.reference_ignored


def test_chosen_snapshots_and_a_reference_that_is_not_older(cur):
    older = weekly.snapshot_pair(cur, Filters(instantane=WEEKLY_AS_OF[0].isoformat()))
    assert older is not None and older.current_as_of == WEEKLY_AS_OF[0] and older.previous_id is None
    ignored = weekly.snapshot_pair(cur, Filters(reference=WEEKLY_AS_OF[1].isoformat()))
    assert ignored is not None and ignored.reference_ignored and ignored.previous_as_of == WEEKLY_AS_OF[0]


def test_weekly_choices_list_the_departements_of_the_latest_snapshot(cur, pair):
    choices = weekly.weekly_choices(cur)
    assert choices.snapshots == tuple(d.isoformat() for d in sorted(WEEKLY_AS_OF, reverse=True))
    present = set(operations(cur, pair.current_id)["departement"])
    assert set(choices.departements) == present
    assert list(choices.departements) == [c for c in DEPARTEMENTS if c in present]


def test_unfiltered_region_deltas_equal_the_backend_ones(cur, pair):
    ours = weekly.region_deltas(cur, pair.current_id, pair.previous_id)
    theirs = ops_queries.region_deltas(cur, catalog="ops")
    columns = ["region_code", *[f"{m}_{k}" for m in MEASURES for k in ("current", "previous", "delta")]]
    pd.testing.assert_frame_equal(ours[columns], theirs[columns], check_dtype=False)
    assert list(ours["region_code"]) == list(REGION_CODES)


def test_filtered_region_deltas_match_the_operations(cur, pair):
    filters = Filters(regions=("11", "84"), bailleur=("oph",), famille=("requalification",))
    deltas = weekly.region_deltas(cur, pair.current_id, pair.previous_id, weekly.operation_filters(filters))
    assert list(deltas["region_code"]) == ["84", "11"]  # report order
    for snapshot, suffix in ((pair.current_id, "current"), (pair.previous_id, "previous")):
        ops = operations(cur, snapshot)
        ops = ops[ops["region_code"].isin(["11", "84"]) & (ops["landlord_type"] == "oph")]
        ops = ops[ops["family"] == "requalification"]
        by_region = ops.groupby("region_code")
        for row in deltas.itertuples():
            group = by_region.get_group(row.region_code)
            assert getattr(row, f"engaged_{suffix}") == pytest.approx(group["engaged"].sum())
            assert getattr(row, f"disbursed_{suffix}") == pytest.approx(group["paid"].sum())
            assert getattr(row, f"rights_{suffix}") == group["reservation_rights"].sum()
            assert getattr(row, f"operations_{suffix}") == len(group)
    assert (deltas["engaged_delta"] == deltas["engaged_current"] - deltas["engaged_previous"]).all()


def test_totals_add_up_the_rows(cur, pair):
    deltas = weekly.region_deltas(cur, pair.current_id, pair.previous_id)
    sums = weekly.totals(deltas)
    snapshot = cur.execute(
        "SELECT engaged_total_eur::DOUBLE, reservation_rights_total FROM ops.snapshots WHERE snapshot_id = ?",
        [pair.current_id],
    ).fetchone()
    assert snapshot is not None
    assert sums["engaged_current"] == pytest.approx(snapshot[0])
    assert sums["rights_current"] == snapshot[1]
    no_reference = weekly.totals(weekly.region_deltas(cur, pair.current_id, None))
    assert no_reference["engaged_delta"] is None


def test_flows_remaining_and_lags_follow_the_filters(cur, pair):
    filters = Filters(regions=("93",), zone=("a", "b1"), pas="annee")
    ops = operations(cur, pair.current_id)
    ops = ops[(ops["region_code"] == "93") & ops["zone"].isin(["a", "b1"])]
    flows = weekly.flows(cur, pair, filters)
    assert flows["engaged_eur"].sum() == pytest.approx(ops["engaged"].sum())
    assert all(pd.Timestamp(p).month == 1 and pd.Timestamp(p).day == 1 for p in flows["period"])
    remaining = weekly.remaining(cur, pair, filters)
    assert list(remaining["region_code"]) == ["93"]
    assert remaining.loc[0, "remaining_eur"] == pytest.approx(ops["engaged"].sum() - ops["paid"].sum())
    lags = weekly.lag_quantiles(cur, pair, filters)
    assert list(lags["region_code"]) == ["93"]
    assert (lags["p10"] <= lags["p25"]).all() and (lags["p25"] <= lags["p50"]).all()
    assert (lags["p50"] <= lags["p75"]).all() and (lags["p75"] <= lags["p90"]).all()


def test_report_comparison_sets_the_printed_figures_next_to_the_extract(cur, pair):
    data = weekly.report_comparison(cur, pair, ())
    printed = cur.execute(
        "SELECT region_code, prets_engages_cumul_meur, prets_engages_2024_meur, droits_total FROM region_key_figures"
    ).df()
    merged = data.merge(printed, on="region_code")
    assert len(merged) == len(REGION_CODES)
    pd.testing.assert_series_equal(
        merged["report_engaged_cumul_meur"], merged["prets_engages_cumul_meur"], check_names=False
    )
    assert merged.loc[merged["region_code"] == "OM", "report_engaged_cumul_meur"].isna().all()
    start, end = data.attrs["cumul_period"]
    ops = operations(cur, pair.current_id)
    days = pd.to_datetime(ops["engagement_date"]).dt.date
    within = ops[(days >= start) & (days <= end)]
    for row in data.itertuples():
        assert row.engaged_cumul_eur == pytest.approx(
            within.loc[within["region_code"] == row.region_code, "engaged"].sum()
        )
        assert row.engaged_now_eur == pytest.approx(ops.loc[ops["region_code"] == row.region_code, "engaged"].sum())
    # The synthetic extract is calibrated on the report: where the report prints a figure, they agree.
    published = merged.dropna(subset=["prets_engages_cumul_meur"])
    assert (published["engaged_cumul_eur"] == (published["prets_engages_cumul_meur"] * 1e6).round()).all()
    assert (published["rights_report_date"] == published["droits_total"]).all()
    only = weekly.report_comparison(cur, pair, ("84",))
    assert list(only["region_code"]) == ["84"]


def test_changes_since_last_review_are_the_largest_departement_changes(cur):
    changes = weekly.changes_since_last_review(cur, n=4)
    assert changes is not None
    assert (changes.current_as_of, changes.previous_as_of) == (WEEKLY_AS_OF[1], WEEKLY_AS_OF[0])
    engaged = changes.by_measure["engaged"]
    expected = ops_queries.largest_changes(cur, level="departement", measure="engaged", n=4, catalog="ops")
    assert list(engaged["key"]) == list(expected["key"])
    assert list(engaged["name"]) == [DEPARTEMENTS[k].name for k in expected["key"]]
    assert set(changes.by_measure) == {"engaged", "disbursed", "rights"}


def test_synthetic_flag_and_availability_follow_the_attached_database(cur, built_db):
    assert operations_loaded(cur) and synthetic_shown(cur) and weekly.available(cur)
    bare = report_only(built_db)
    try:
        assert not operations_loaded(bare) and not synthetic_shown(bare) and not weekly.available(bare)
        assert weekly.weekly_choices(bare).snapshots == ()
        assert weekly.changes_since_last_review(bare) is None
    finally:
        bare.close()


def test_real_snapshots_are_not_marked_synthetic(tmp_path: Path, built_db: Path):
    path = tmp_path / "real.duckdb"
    con = duckdb.connect(str(path))
    from dashboard.extracts.store import create_schema

    create_schema(con)
    con.execute(
        "INSERT INTO snapshots VALUES (1, ?, now()::TIMESTAMP, 'x.csv', NULL, ?, NULL, false, 0, 0, 0, 0, 0)",
        [date(2025, 1, 7), "0" * 64],
    )
    con.close()
    report = report_only(built_db)
    try:
        attach_operations(report, path)
        assert operations_loaded(report) and not synthetic_shown(report)
    finally:
        report.close()

"""Snapshots are kept, replaced only on request, written atomically; the page queries read them right."""

from __future__ import annotations

import fcntl
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard.extracts import queries, store
from dashboard.extracts.issues import ImportRefused
from dashboard.extracts.store import attach_operations, import_extract
from tests.unit.extract_helpers import digest, disbursement, operation, write_disbursements, write_operations

WEEK_1, WEEK_2 = date(2025, 1, 1), date(2025, 1, 8)
OP_1 = {"engaged_amount_eur": "1 000 000,00", "reservation_rights": "10"}
OP_2 = {
    "region_code": "11",
    "departement": "93",
    "qpv_code": "QN09301M",
    "landlord_type": "ESH",
    "family": "reconstitution",
    "zone": "A bis",
    "label": "aucun",
    "engagement_date": "01/06/2024",
    "engaged_amount_eur": "500000",
    "reservation_rights": "5",
}
OP_3 = {
    "region_code": "OM",
    "departement": "974",
    "qpv_code": "QN97401M",
    "engagement_date": "05/01/2025",
    "engaged_amount_eur": "300000",
    "reservation_rights": "3",
}


def week(folder: Path, operations: list[dict], disbursements: list[dict]) -> tuple[Path, Path]:
    folder.mkdir()
    return (
        write_operations(folder / "operations.csv", operations),
        write_disbursements(folder / "disbursements.csv", disbursements),
    )


@pytest.fixture
def two_weeks(tmp_path) -> Path:
    """Week 1: two operations; week 2: OP-1 engaged 200 000 more and disbursed 200 000, OP-3 new in Outre-Mer."""
    db = tmp_path / "operations.duckdb"
    first = week(
        tmp_path / "w1",
        [operation("OP-1", **OP_1), operation("OP-2", **OP_2)],
        [disbursement("OP-1", "01/06/2024", "100000"), disbursement("OP-2", "01/07/2024", "50000")],
    )
    second = week(
        tmp_path / "w2",
        [
            operation("OP-1", **(OP_1 | {"engaged_amount_eur": "1 200 000", "reservation_rights": "12"})),
            operation("OP-2", **OP_2),
            operation("OP-3", **OP_3),
        ],
        [
            disbursement("OP-1", "01/06/2024", "100000"),
            disbursement("OP-2", "01/07/2024", "50000"),
            disbursement("OP-1", "06/01/2025", "200000"),
            disbursement("OP-3", "07/01/2025", "30000"),
        ],
    )
    import_extract(*first, WEEK_1, db)
    import_extract(*second, WEEK_2, db)
    return db


@pytest.fixture
def con(two_weeks):
    connection = duckdb.connect(str(two_weeks), read_only=True)
    yield connection
    connection.close()


def test_every_snapshot_is_kept(con):
    snapshots = queries.snapshots(con)
    assert snapshots["as_of"].dt.date.tolist() == [WEEK_2, WEEK_1]
    assert snapshots["operation_count"].tolist() == [3, 2]
    assert snapshots["engaged_total_eur"].tolist() == [2_000_000, 1_500_000]
    assert snapshots["disbursed_total_eur"].tolist() == [380_000, 150_000]
    assert not snapshots["synthetic"].any()
    assert con.execute("SELECT count(*) FROM operations").fetchone() == (5,)
    assert con.execute("SELECT count(*) FROM latest_operations").fetchone() == (3,)
    assert con.execute("SELECT count(*) FROM previous_disbursements").fetchone() == (2,)
    assert con.execute("SELECT as_of FROM previous_snapshot").fetchone() == (WEEK_1,)


def test_region_deltas_between_the_last_two_snapshots(con):
    deltas = queries.region_deltas(con).set_index("region_code")
    assert len(deltas) == 13 and deltas.index[0] == "84" and deltas.index[-1] == "93"
    assert deltas.loc["84", ["engaged_current", "engaged_previous", "engaged_delta"]].tolist() == [
        1_200_000,
        1_000_000,
        200_000,
    ]
    assert deltas.loc["84", ["disbursed_delta", "remaining_delta", "rights_delta", "operations_delta"]].tolist() == [
        200_000,
        0,
        2,
        0,
    ]
    assert deltas.loc["OM", ["engaged_delta", "disbursed_delta", "remaining_delta", "rights_delta"]].tolist() == [
        300_000,
        30_000,
        270_000,
        3,
    ]
    assert deltas.loc["OM", "operations_delta"] == 1
    assert (deltas.loc["11", ["engaged_delta", "disbursed_delta", "rights_delta"]] == 0).all()
    assert deltas.loc["53", ["engaged_current", "engaged_previous", "engaged_delta"]].tolist() == [0, 0, 0]
    first_week = queries.region_deltas(con, current=1).set_index("region_code")
    assert first_week["engaged_previous"].isna().all() and first_week["engaged_delta"].isna().all()


def test_current_and_previous(con):
    frame = queries.current_and_previous(con)
    assert frame["role"].tolist() == ["current", "previous"]
    assert frame["remaining_total_eur"].tolist() == [1_620_000, 1_350_000]


def test_largest_changes(con):
    regions = queries.largest_changes(con, "region_code", "engaged", n=2)
    assert regions[["key", "delta"]].values.tolist() == [["OM", 300_000], ["84", 200_000]]
    departements = queries.largest_changes(con, "departement", "disbursed", n=1)
    assert departements[["key", "region_code", "current", "previous", "delta"]].values.tolist() == [
        ["69", "84", 300_000, 100_000, 200_000]
    ]
    operations = queries.largest_changes(con, "region_code", "operations", n=1)
    assert operations[["key", "delta"]].values.tolist() == [["OM", 1]]
    with pytest.raises(ValueError):
        queries.largest_changes(con, "commune")
    with pytest.raises(ValueError):
        queries.largest_changes(con, measure="DROP TABLE")


def test_flows_monthly_and_yearly_with_filters(con):
    monthly = queries.flows(con, "month")
    assert monthly["period"].dt.strftime("%Y-%m").tolist() == [f"2024-{m:02d}" for m in range(3, 13)] + ["2025-01"]
    assert monthly.set_index(monthly["period"].dt.strftime("%Y-%m")).loc["2025-01"].tolist()[1:] == [
        300_000,
        230_000,
        2_000_000,
        380_000,
    ]
    yearly = queries.flows(con, "year", queries.OperationFilters(regions=["84"]))
    assert yearly[["engaged_eur", "disbursed_eur", "engaged_cumul_eur", "disbursed_cumul_eur"]].values.tolist() == [
        [1_200_000, 100_000, 1_200_000, 100_000],
        [0, 200_000, 1_200_000, 300_000],
    ]
    esh = queries.flows(con, "year", queries.OperationFilters(landlord_types=["esh"], zones=["a_bis"]))
    assert esh["engaged_eur"].sum() == 500_000 and esh["disbursed_eur"].sum() == 50_000
    assert queries.flows(con, "year", queries.OperationFilters(families=[])).empty
    previous = queries.flows(con, "year", snapshot=1)
    assert previous["engaged_cumul_eur"].iloc[-1] == 1_500_000
    with pytest.raises(ValueError):
        queries.OperationFilters(regions=["01"])
    with pytest.raises(ValueError):
        queries.flows(con, "week")


def test_remaining_to_disburse(con):
    by_region = queries.remaining_to_disburse(con, "region_code").set_index("key")
    assert by_region.loc["84", ["engaged_eur", "disbursed_eur", "remaining_eur"]].tolist() == [
        1_200_000,
        300_000,
        900_000,
    ]
    assert by_region.loc["84", "disbursement_rate"] == pytest.approx(0.25)
    national = queries.remaining_to_disburse(con, None)
    assert national[["key", "operation_count", "remaining_eur"]].values.tolist() == [["FR", 3, 1_620_000]]
    filtered = queries.remaining_to_disburse(con, "family", queries.OperationFilters(departements=["974", "93"]))
    assert filtered.set_index("key")["remaining_eur"].to_dict() == {
        "reconstitution": 450_000,
        "requalification": 270_000,
    }


def test_disbursement_lags(con):
    lags = queries.disbursement_lag_quantiles(con).set_index("region_code")
    assert list(lags.index) == ["84", "11", "OM"]
    assert lags.loc["84", "disbursement_count"] == 2
    assert lags.loc["84", "p50"] == pytest.approx((78 + 297) / 2)  # 15/03/2024 -> 01/06/2024 and -> 06/01/2025
    assert lags.loc["OM", "mean_days"] == 2
    sample = queries.disbursement_lag_sample(con, per_region=1)
    assert sample.groupby("region_code").size().max() == 1
    pd.testing.assert_frame_equal(sample, queries.disbursement_lag_sample(con, per_region=1))


def test_queries_through_an_attachment(two_weeks):
    con = duckdb.connect()
    try:
        attach_operations(con, two_weeks)
        deltas = queries.region_deltas(con, catalog="ops").set_index("region_code")
        assert deltas.loc["OM", "engaged_delta"] == 300_000
        assert len(queries.flows(con, "year", catalog="ops")) == 2
        with pytest.raises(ValueError):
            queries.snapshots(con, catalog="ops; DROP")
    finally:
        con.close()


def test_replace_a_snapshot(two_weeks, tmp_path):
    files = week(
        tmp_path / "w2bis",
        [operation("OP-1", **OP_1), operation("OP-3", **(OP_3 | {"engaged_amount_eur": "400000"}))],
        [disbursement("OP-3", "07/01/2025", "1000")],
    )
    result = import_extract(*files, WEEK_2, two_weeks, replace=True)
    assert (result.snapshot_id, result.replaced_snapshot_id) == (3, 2)
    con = duckdb.connect(str(two_weeks), read_only=True)
    try:
        assert con.execute("SELECT snapshot_id, as_of FROM snapshots ORDER BY as_of").fetchall() == [
            (1, WEEK_1),
            (3, WEEK_2),
        ]
        assert con.execute("SELECT count(*) FROM operations WHERE snapshot_id = 2").fetchone() == (0,)
        # the replaced snapshot's aggregates go with it; the new one has its own
        assert con.execute("SELECT snapshot_id FROM snapshot_aggregates ORDER BY 1").fetchall() == [(1,), (3,)]
        for table in ("cell_totals", "cell_months", "cell_lags"):
            assert con.execute(f"SELECT count(*) FROM {table} WHERE snapshot_id = 2").fetchone() == (0,)
        assert con.execute(
            "SELECT sum(operation_count), sum(disbursement_count), sum(disbursed_eur) FROM cell_totals "
            "WHERE snapshot_id = 3"
        ).fetchone() == (2, 1, 1000)
        deltas = queries.region_deltas(con).set_index("region_code")
        assert deltas.loc["OM", "engaged_delta"] == 400_000
        assert deltas.loc["11", "engaged_delta"] == -500_000
    finally:
        con.close()


@pytest.mark.parametrize("stage", ["_insert_snapshot", "_fsync"])
def test_a_failure_while_writing_leaves_the_database_untouched(two_weeks, tmp_path, monkeypatch, stage):
    files = week(tmp_path / "w3", [operation("OP-1")], [disbursement()])
    before = digest(two_weeks)
    original = getattr(store, stage)

    def crash(*args):
        original(*args)  # the rows are written into the temporary copy...
        raise KeyboardInterrupt  # ...then the import is killed, before the rename

    monkeypatch.setattr(store, stage, crash)
    with pytest.raises(KeyboardInterrupt):
        import_extract(*files, date(2025, 1, 15), two_weeks)
    assert digest(two_weeks) == before
    assert [p.name for p in two_weeks.parent.iterdir() if p.name.startswith(".")] == []
    monkeypatch.setattr(store, stage, original)
    assert import_extract(*files, date(2025, 1, 15), two_weeks).snapshot_id == 3


def test_leftovers_of_a_killed_import_are_cleaned_up(two_weeks, tmp_path):
    stale = two_weeks.with_name(f".{two_weeks.name}.99999.tmp")
    stale.write_bytes(b"half-written")
    import_extract(*week(tmp_path / "w3", [operation("OP-1")], []), date(2025, 1, 15), two_weeks)
    assert not stale.exists()


def test_one_import_at_a_time(two_weeks, tmp_path):
    files = week(tmp_path / "w3", [operation("OP-1")], [])
    with two_weeks.with_name(two_weeks.name + ".lock").open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        with pytest.raises(ImportRefused, match="another import"):
            import_extract(*files, date(2025, 1, 15), two_weeks)


def test_synthetic_marker_and_flag(tmp_path):
    db = tmp_path / "ops.duckdb"
    folder = tmp_path / "demo"
    files = week(folder, [operation("OP-1")], [])
    (folder / "SYNTHETIC").write_text("generated", encoding="utf-8")
    assert import_extract(*files, WEEK_1, db).synthetic
    plain = week(tmp_path / "plain", [operation("OP-1")], [])
    assert not import_extract(*plain, WEEK_2, db).synthetic
    assert import_extract(*plain, date(2025, 1, 15), db, synthetic=True).synthetic
    by_id = week(tmp_path / "by_id", [operation("SYN-0000001")], [])
    assert import_extract(*by_id, date(2025, 1, 22), db).synthetic


def test_operations_without_disbursements(tmp_path):
    db = tmp_path / "ops.duckdb"
    ops = write_operations(tmp_path / "ops.csv", [operation("OP-1")])
    result = import_extract(ops, None, WEEK_1, db)
    assert result.disbursements == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT disbursements_file, disbursed_total_eur FROM snapshots").fetchone() == (None, 0)
    finally:
        con.close()

"""The synthetic extracts reproduce the report's published totals, deterministically, and import as synthetic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dashboard.cli import main
from dashboard.extracts.generator import GeneratorError, generate
from dashboard.extracts.store import import_extract
from tests.unit.extract_helpers import digest

N = 2000
REPORT_AS_OF = date(2024, 12, 31)


def euros(meur: float) -> Decimal:
    return Decimal(round(meur * 1_000_000))


@pytest.fixture(scope="module")
def published(built_db: Path) -> dict:
    """The published figures, read straight from the report database."""
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        sections = con.execute(
            """SELECT region_code, prets_engages_cumul_meur, prets_engages_2024_meur, droits_requalification,
                      droits_reconstitution FROM region_key_figures"""
        ).fetchall()

        def fr(measure, period, dimension=None, member=None, sub_dimension=None, sub_member=None) -> Decimal:
            row = con.execute(
                """SELECT max(value_base) FROM facts_detail WHERE territory_code = 'FR' AND measure = ? AND period = ?
                   AND base_unit = 'MEUR' AND dimension IS NOT DISTINCT FROM ? AND member IS NOT DISTINCT FROM ?
                   AND sub_dimension IS NOT DISTINCT FROM ? AND sub_member IS NOT DISTINCT FROM ?""",
                [measure, period, dimension, member, sub_dimension, sub_member],
            ).fetchone()
            assert row is not None and row[0] is not None, (measure, period, member)
            return euros(row[0])

        return {
            "sections": {r[0]: r[1:] for r in sections},
            "engaged_cumul": fr("prets_engages", "2018..2024"),
            "engaged_2024": fr("prets_engages", "2024"),
            "disbursed_cumul": fr("prets_decaisses", "2018..2024"),
            "disbursed_2024": fr("prets_decaisses", "2024"),
            "requalification": fr("prets_engages", "2024", "famille", "requalification"),
            "reconstitution": fr("prets_engages", "2024", "famille", "reconstitution"),
            "oph": fr("prets_engages", "2024", "type_ols", "oph"),
            "tight": fr("prets_engages", "2024", "zone_tension", "tendue"),
            "hpe": fr("prets_engages", "2024", "famille", "requalification", "label", "hpe"),
            "bbc": fr("prets_engages", "2024", "famille", "requalification", "label", "bbc"),
            "oph_disbursed": fr("prets_decaisses", "2024", "type_ols", "oph"),
            "oph_requalification_disbursed": fr(
                "prets_decaisses", "2024", "type_ols", "oph", "famille", "requalification"
            ),
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def imported(built_db: Path, tmp_path_factory) -> duckdb.DuckDBPyConnection:
    """A small synthetic extract imported into a fresh operations database."""
    folder = tmp_path_factory.mktemp("demo")
    generate(built_db, N, 42, folder)
    db = folder / "operations.duckdb"
    result = import_extract(folder / "operations.csv", folder / "disbursements.csv", REPORT_AS_OF, db)
    assert result.synthetic
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def one(con, sql: str, params=()) -> object:
    row = con.execute(sql, list(params)).fetchone()
    assert row is not None
    return row[0]


def test_engaged_per_section_cumulative_and_2024(imported, published):
    rows = imported.execute(
        """SELECT region_code, sum(engaged_amount_eur),
                  sum(engaged_amount_eur) FILTER (WHERE engagement_date >= DATE '2024-01-01'),
                  min(engagement_date)
           FROM operations GROUP BY region_code"""
    ).fetchall()
    totals = {r[0]: r[1:] for r in rows}
    assert set(totals) == set(published["sections"])
    for code, (cumul, year, *_rights) in published["sections"].items():
        if cumul is None:
            continue  # Outre-Mer: checked below
        assert totals[code][0] == euros(cumul), code
        assert totals[code][1] == euros(year), code
    assert min(r[2] for r in totals.values()) >= date(2018, 1, 1)
    # Outre-Mer publishes no loans: it carries the national total minus the published sections.
    om_cumul, om_year = totals["OM"][:2]
    assert om_cumul == published["engaged_cumul"] - sum(euros(v[0]) for v in published["sections"].values() if v[0])
    assert om_year == published["engaged_2024"] - sum(euros(v[1]) for v in published["sections"].values() if v[1])


def test_national_totals_and_2024_splits(imported, published):
    year = "engagement_date BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'"
    assert one(imported, "SELECT sum(engaged_amount_eur) FROM operations") == published["engaged_cumul"]
    assert one(imported, f"SELECT sum(engaged_amount_eur) FROM operations WHERE {year}") == published["engaged_2024"]
    families = dict(
        imported.execute(f"SELECT family, sum(engaged_amount_eur) FROM operations WHERE {year} GROUP BY 1").fetchall()
    )
    assert families == {"requalification": published["requalification"], "reconstitution": published["reconstitution"]}
    assert (
        one(imported, f"SELECT sum(engaged_amount_eur) FROM operations WHERE {year} AND landlord_type = 'oph'")
        == published["oph"]
    )
    assert one(imported, f"SELECT count(DISTINCT landlord_type) FROM operations WHERE {year}") == 5
    tight = f"SELECT sum(engaged_amount_eur) FROM operations WHERE {year} AND zone IN ('a_bis', 'a', 'b1')"
    assert one(imported, tight) == published["tight"]
    labels = dict(
        imported.execute(
            f"""SELECT label, sum(engaged_amount_eur) FROM operations
                WHERE {year} AND family = 'requalification' GROUP BY 1"""
        ).fetchall()
    )
    assert labels["hpe"] == published["hpe"] and labels["bbc"] == published["bbc"]


def test_disbursed_totals(imported, published):
    assert one(imported, "SELECT sum(amount_eur) FROM disbursements") == published["disbursed_cumul"]
    in_2024 = "SELECT sum(amount_eur) FROM disbursements WHERE year(disbursement_date) = 2024"
    assert one(imported, in_2024) == published["disbursed_2024"]
    oph = """SELECT sum(d.amount_eur) FROM disbursements d JOIN operations o USING (snapshot_id, operation_id)
             WHERE year(d.disbursement_date) = 2024 AND o.landlord_type = 'oph' AND o.family LIKE ?"""
    assert one(imported, oph, ["%"]) == published["oph_disbursed"]
    assert one(imported, oph, ["requalification"]) == published["oph_requalification_disbursed"]
    assert one(imported, "SELECT max(disbursement_date) FROM disbursements") <= REPORT_AS_OF


def test_reservation_rights_per_section_and_family(imported, published):
    rows = imported.execute(
        "SELECT region_code, family, sum(reservation_rights) FROM operations GROUP BY ALL"
    ).fetchall()
    rights = {(r[0], r[1]): r[2] for r in rows}
    for code, values in published["sections"].items():
        assert rights[(code, "requalification")] == values[2]
        assert rights[(code, "reconstitution")] == values[3]


def test_operation_count_and_synthetic_flag(imported):
    assert one(imported, "SELECT count(*) FROM operations") == N
    assert one(imported, "SELECT bool_and(starts_with(operation_id, 'SYN-')) FROM operations")
    assert one(imported, "SELECT synthetic FROM latest_snapshot") is True


def test_same_seed_same_bytes(built_db, tmp_path):
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(built_db, 700, 3, first)
    generate(built_db, 700, 3, second)
    generate(built_db, 700, 4, other)
    for name in ("operations.csv", "disbursements.csv", "SYNTHETIC"):
        assert digest(first / name) == digest(second / name), name
    assert digest(first / "operations.csv") != digest(other / "operations.csv")


def test_later_extracts_extend_the_earlier_ones(built_db, tmp_path):
    generate(built_db, 700, 5, tmp_path / "w0")
    generate(built_db, 700, 5, tmp_path / "w1", as_of=date(2025, 1, 7))
    generate(built_db, 700, 5, tmp_path / "w2", as_of=date(2025, 1, 14))
    weeks = [(tmp_path / w / "operations.csv").read_text(encoding="utf-8").splitlines() for w in ("w0", "w1", "w2")]
    assert weeks[1][: len(weeks[0])] == weeks[0]
    assert weeks[2][: len(weeks[1])] == weeks[1]
    assert len(weeks[0]) < len(weeks[1]) < len(weeks[2])
    db = tmp_path / "ops.duckdb"
    for week, as_of in (("w0", REPORT_AS_OF), ("w1", date(2025, 1, 7)), ("w2", date(2025, 1, 14))):
        import_extract(tmp_path / week / "operations.csv", tmp_path / week / "disbursements.csv", as_of, db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        totals = con.execute("SELECT disbursed_total_eur FROM snapshots ORDER BY as_of").fetchall()
        assert totals[0][0] < totals[1][0] < totals[2][0]
    finally:
        con.close()


def test_too_few_operations_or_a_date_out_of_range(built_db, tmp_path):
    with pytest.raises(GeneratorError, match="too small"):
        generate(built_db, 100, 0, tmp_path / "x")
    with pytest.raises(GeneratorError, match="--as-of"):
        generate(built_db, 700, 0, tmp_path / "x", as_of=date(2027, 1, 1))


def test_cli(built_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NPNRU_DB", str(built_db))
    monkeypatch.setenv("NPNRU_OPERATIONS_DB", str(tmp_path / "ops.duckdb"))
    out = tmp_path / "demo"
    assert main(["demo-data", "--operations", "700", "--seed", "9", "--out", str(out)]) == 0
    assert "SYNTHETIC" in capsys.readouterr().out
    assert (out / "SYNTHETIC").exists()
    args = ["import", str(out / "operations.csv"), str(out / "disbursements.csv"), "--as-of", "2024-12-31"]
    assert main(args) == 0
    assert "(synthetic data)" in capsys.readouterr().out

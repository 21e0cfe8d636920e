"""The real database reproduces the source files, and the report's contradictions are found."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard.cli import main
from dashboard.config import DATA_DIR

KEY_FIGURE_COLUMNS = {
    "qpv_count": ("qpv", None, None, "@2024-12-31"),
    "concours_alloues_meur": ("concours_alloues", None, None, "@2024-12-31"),
    "prets_alloues_meur": ("concours_alloues", "financement", "pret", "@2024-12-31"),
    "prets_engages_cumul_meur": ("prets_engages", None, None, "2018..2024"),
    "prets_engages_2024_meur": ("prets_engages", None, None, "2024"),
    "droits_total": ("droits_reservation", None, None, "@2024-12-31"),
    "droits_requalification": ("droits_reservation", "famille", "requalification", "@2024-12-31"),
    "droits_reconstitution": ("droits_reservation", "famille", "reconstitution", "@2024-12-31"),
    "cf_total": ("contreparties_foncieres", None, None, "@2024-12-31"),
    "cf_fonciere_logement": ("contreparties_foncieres", "operateur", "fonciere_logement", "@2024-12-31"),
    "cf_esh_groupe": ("contreparties_foncieres", "operateur", "esh_groupe", "@2024-12-31"),
    "menages_loges": ("menages_loges", None, None, "2018..2024"),
}


def source_rows() -> list[dict[str, str]]:
    rows = []
    for path in sorted((DATA_DIR / "facts").glob("*/*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


@pytest.fixture(scope="module")
def con(built_db: Path):
    connection = duckdb.connect(str(built_db), read_only=True)
    yield connection
    connection.close()


def test_every_source_row_is_a_fact_with_the_same_values(con):
    rows = source_rows()
    facts = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT fact_id, territory_code, measure, period, value_text, value, unit, qualifier, section FROM facts"
        ).fetchall()
    }
    assert len(facts) == len(rows)
    for row in rows:
        assert facts[row["fact_id"]] == (
            row["territory"],
            row["measure"],
            row["period"],
            row["value_text"],
            float(row["value"]),
            row["unit"],
            row["qualifier"] or None,
            row["section"],
        ), row["fact_id"]


def test_region_key_figures_hold_every_block_figure_as_printed(con):
    blocks = [r for r in source_rows() if r["context"] == "key_figures" and not r["scope"] and r["unit"] != "PCT"]
    view = con.execute("SELECT * FROM region_key_figures").df().set_index("region_code")
    assert len(view) == 13
    for code, values in view.iterrows():
        for column, (measure, dimension, member, period) in KEY_FIGURE_COLUMNS.items():
            matches = [
                r
                for r in blocks
                if r["territory"] == code
                and r["measure"] == measure
                and r["dimension"] == (dimension or "")
                and r["member"] == (member or "")
                and r["period"] == period
            ]
            if matches:
                assert values[column] == pytest.approx(float(matches[0]["value"])), (code, column)
            else:
                assert pd.isna(values[column]), (code, column)
    # Every block figure (except operator splits overseas) lands in a column.
    assert view.drop(index="OM").notna().all().all()
    assert view.loc["OM", ["prets_alloues_meur", "prets_engages_cumul_meur", "cf_fonciere_logement"]].isna().all()


def test_report_contradictions_appear_in_quality_findings(con):
    menages_sum = con.execute("SELECT sum(menages_loges) FROM region_key_figures").fetchone()[0]
    national = con.execute(
        """SELECT q.expected, q.actual FROM quality_findings q WHERE q.rule = 'territory_sum'
           AND q.territory_code = 'FR' AND q.measure = 'menages_loges'"""
    ).fetchall()
    assert national and all(actual == menages_sum < expected for expected, actual in national)
    rules = {
        (rule, territory, measure)
        for rule, territory, measure in con.execute(
            "SELECT rule, territory_code, measure FROM quality_findings"
        ).fetchall()
    }
    occitanie_operators = con.execute(
        "SELECT cf_fonciere_logement + cf_esh_groupe <> cf_total FROM region_key_figures WHERE region_code = '76'"
    ).fetchone()[0]
    assert occitanie_operators and ("split_sum", "76", "contreparties_foncieres") in rules
    assert ("territory_sum", "OM", "concours_alloues") in rules  # DROM amounts vs the Outre-Mer section
    assert ("percentage", "OM", "droits_reservation") in rules  # 1 440 printed as 60 %
    assert ("restatement", "24", "contreparties_foncieres") in rules  # 391 in the block, 392 in the text
    # Every finding cites the facts it involves, and its message quotes them.
    orphans = con.execute(
        """SELECT count(*) FROM quality_findings q
           WHERE NOT EXISTS (SELECT 1 FROM quality_finding_facts f WHERE f.finding_id = q.finding_id)"""
    ).fetchone()[0]
    assert orphans == 0
    assert con.execute("SELECT bool_and(message LIKE '%«%»%') FROM quality_findings").fetchone()[0]


def test_check_prints_a_table_and_json(built_db, monkeypatch, capsys):
    monkeypatch.setenv("NPNRU_DB", str(built_db))
    assert main(["check"]) == 0
    table = capsys.readouterr().out
    assert "gravité" in table and "constat(s)" in table
    assert main(["check", "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)
    con = duckdb.connect(str(built_db), read_only=True)
    assert len(findings) == con.execute("SELECT count(*) FROM quality_findings").fetchone()[0]
    con.close()
    assert {"rule", "severity", "territory_code", "measure", "expected", "actual", "gap", "message", "fact_ids"} <= set(
        findings[0]
    )

"""Contreparties foncières: queries against the built database, figure builders, page and exports."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from plotly.io.json import to_json_plotly

from dashboard.components.chart_card import with_revision
from dashboard.figures.bars import ChartContext
from dashboard.figures.land import (
    drom_figure,
    drom_table_rows,
    national_figure,
    overseas_operators_figure,
    printed_text,
    sections_figure,
)
from dashboard.figures.theme import CATEGORY_COLORS
from dashboard.filters import Filters
from dashboard.queries import land

from ..controls import with_controls

CTX = ChartContext("Source : test", "Données au 31/12/2024")


@pytest.fixture(scope="module")
def cur(built_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(built_db), read_only=True)
    yield con
    con.close()


@pytest.fixture
def app_pages(built_db: Path, monkeypatch: pytest.MonkeyPatch):
    """The page modules, registered in the app and reading the built database."""
    monkeypatch.setenv("NPNRU_DB", str(built_db))
    import dashboard.app  # noqa: F401  (creates the app: pages can only register inside it)
    from dashboard.pages import contreparties

    return contreparties


def kf_value(cur, territory: str, member: str | None, unit: str = "COUNT") -> float | None:
    row = cur.execute(
        """SELECT value FROM facts WHERE territory_code = ? AND measure = 'contreparties_foncieres'
           AND context = 'key_figures' AND unit = ? AND scope IS NULL
           AND (member = ? OR (? IS NULL AND member IS NULL))""",
        [territory, unit, member, member],
    ).fetchone()
    return None if row is None else row[0]


# --- queries -------------------------------------------------------------------------------------


def test_sections_match_region_key_figures(cur):
    data = land.section_counterparts(cur)
    expected = cur.execute(
        "SELECT region_code, cf_total, cf_fonciere_logement, cf_esh_groupe FROM region_key_figures "
        "WHERE region_code <> 'OM'"
    ).df()
    assert len(data) == len(expected) == 12
    assert "OM" not in set(data["region_code"])
    merged = data.merge(expected, on="region_code", suffixes=("", "_view"))
    for column in ("cf_total", "cf_fonciere_logement", "cf_esh_groupe"):
        assert (merged[column] == merged[f"{column}_view"]).all()
    # Largest printed total first.
    assert list(data["cf_total"]) == sorted(data["cf_total"], reverse=True)


def test_sections_gap_is_parts_minus_printed_total(cur):
    data = land.section_counterparts(cur)
    for row in data.itertuples(index=False):
        fl, esh = kf_value(cur, row.region_code, "fonciere_logement"), kf_value(cur, row.region_code, "esh_groupe")
        total = kf_value(cur, row.region_code, None)
        assert row.parts_sum == fl + esh
        assert row.gap == fl + esh - total
    mismatched = set(data[data["gap"] != 0]["region_code"])
    assert {"76", "24"} <= mismatched  # Occitanie and Centre-Val de Loire, as the brief describes


def test_sections_carry_printed_percentages(cur):
    data = land.section_counterparts(cur).set_index("region_code")
    for code in data.index:
        for member, column in (("fonciere_logement", "fl_pct_text"), ("esh_groupe", "esh_pct_text")):
            printed = cur.execute(
                """SELECT value_text FROM facts WHERE territory_code = ? AND measure = 'contreparties_foncieres'
                   AND context = 'key_figures' AND unit = 'PCT' AND member = ?""",
                [code, member],
            ).fetchone()
            assert data.loc[code, column] == (None if printed is None else printed[0])


def test_sections_filter_on_regions(cur):
    data = land.section_counterparts(cur, ("76", "24", "OM"))
    assert set(data["region_code"]) == {"76", "24"}


def test_overseas_operators_are_the_five_operateur_om_members(cur):
    data = land.overseas_operators(cur)
    members = [
        r[0]
        for r in cur.execute(
            "SELECT member FROM dimension_members WHERE dimension = 'operateur_om' ORDER BY sort_order"
        ).fetchall()
    ]
    assert list(data["member"]) == members and len(members) == 5
    for row in data.itertuples(index=False):
        assert (
            row.value
            == cur.execute(
                "SELECT value FROM facts WHERE territory_code = 'OM' AND dimension = 'operateur_om' AND member = ?",
                [row.member],
            ).fetchone()[0]
        )
        assert row.quote


def test_drom_details_and_reconciliation(cur):
    details = land.drom_details(cur)
    droms = {r[0] for r in cur.execute("SELECT code FROM territories WHERE parent_code = 'OM'").fetchall()}
    assert set(details["territory_code"]) == droms and len(droms) == 5
    assert set(details["measure"]) == set(land.DROM_MEASURES)
    reconciliation = land.drom_reconciliation(cur).set_index("measure")
    for measure in land.DROM_MEASURES:
        territory_sum = cur.execute(
            "SELECT sum(value) FROM facts WHERE measure = ? AND dimension IS NULL AND scope IS NULL "
            "AND territory_code IN (SELECT code FROM territories WHERE parent_code = 'OM')",
            [measure],
        ).fetchone()[0]
        printed = cur.execute(
            "SELECT value FROM facts WHERE measure = ? AND territory_code = 'OM' AND context = 'key_figures' "
            "AND dimension IS NULL AND unit <> 'PCT'",
            [measure],
        ).fetchone()[0]
        assert reconciliation.loc[measure, "territories_sum"] == territory_sum
        assert reconciliation.loc[measure, "printed_value"] == printed
        assert reconciliation.loc[measure, "gap"] == territory_sum - printed
    # The report's own inconsistencies stay visible: 935 vs 944, 516 M€ vs 502 M€.
    assert reconciliation.loc["contreparties_foncieres", "gap"] != 0
    assert reconciliation.loc["concours_alloues", "gap"] != 0


def test_national_counterparts_exact_figure_first(cur):
    data = land.national_counterparts(cur)
    assert pd.isna(data["qualifier"].iloc[0])
    assert set(data["section"]) >= {"01", "edito"}
    sections_sum = cur.execute("SELECT sum(cf_total) FROM region_key_figures").fetchone()[0]
    assert (data["sections_sum"] == sections_sum).all()
    assert (data["sections_count"] == 13).all()


# --- figures -------------------------------------------------------------------------------------


def test_sections_figure_stacks_operators_and_marks_printed_total(cur):
    data = land.section_counterparts(cur)
    fig = sections_figure(data, CTX)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [t.name for t in bars] == ["Foncière Logement", "ESH du Groupe"]
    assert bars[0].marker.color == CATEGORY_COLORS["fonciere_logement"]
    assert bars[1].marker.color == CATEGORY_COLORS["esh_groupe"]
    assert list(bars[0].y) == list(data["region_name"])
    assert list(bars[0].x) == [float(v) for v in data["cf_fonciere_logement"]]
    total = next(t for t in fig.data if t.name == "Total publié (repère)")
    assert list(total.x) == [float(v) for v in data["cf_total"]]
    labels = next(t for t in fig.data if t.type == "scatter" and t.mode == "text").text
    occitanie = list(data["region_code"]).index("76")
    assert "⚠" in labels[occitanie] and "1 280" in labels[occitanie].replace("\u202f", " ")
    ile_de_france = list(data["region_code"]).index("11")
    assert "⚠" not in labels[ile_de_france]
    # Hover gives the printed percentage.
    assert "88" in bars[0].customdata[ile_de_france][1]
    assert fig.layout.barmode == "stack"
    assert "Source : test" in " ".join(a.text for a in fig.layout.annotations)


def test_sections_figure_operator_filter(cur):
    fig = sections_figure(land.section_counterparts(cur), CTX, operators=("esh_groupe",))
    assert [t.name for t in fig.data if t.type == "bar"] == ["ESH du Groupe"]


def test_sections_figure_unpublished_total_is_named_not_zero():
    data = pd.DataFrame(
        {
            "region_code": ["84"],
            "region_name": ["Test"],
            "cf_total": [pd.NA],
            "cf_fonciere_logement": [10],
            "cf_esh_groupe": [pd.NA],
            "total_text": [None],
            "fl_text": ["10"],
            "fl_pct_text": [None],
            "esh_text": [None],
            "esh_pct_text": [None],
            "total_quote": [None],
            "split_quote": [None],
            "parts_sum": [pd.NA],
            "gap": [pd.NA],
        }
    )
    fig = sections_figure(data, CTX)
    esh = next(t for t in fig.data if t.name == "ESH du Groupe")
    assert math.isnan(esh.x[0]) and esh.text[0] == "non publié"
    assert "non publié" in next(t for t in fig.data if t.type == "scatter" and t.mode == "text").text[0]
    fl = next(t for t in fig.data if t.name == "Foncière Logement")
    assert "part non publiée" in fl.customdata[0][1]


def test_overseas_operators_figure_compares_sum_and_printed_total(cur):
    totals = land.overseas_printed_totals(cur)
    total = totals[totals["measure"] == land.CF].iloc[0]
    operators = land.overseas_operators(cur)
    fig = overseas_operators_figure(operators, total, CTX)
    detail, comparison = fig.data
    assert list(detail.y) == list(operators["label"])
    assert list(detail.marker.color) == [CATEGORY_COLORS[m] for m in operators["member"]]
    assert comparison.x[0] == operators["value"].sum()
    assert comparison.x[1] == total["value"]
    assert "(calculé)" in comparison.y[0]


def test_drom_figure_one_panel_per_measure_with_gap_notes(cur):
    details, totals = land.drom_details(cur), land.overseas_printed_totals(cur)
    fig = drom_figure(details, totals, CTX)
    assert len(fig.data) == 2 * len(land.DROM_MEASURES)
    cf_detail = fig.data[2 * land.DROM_MEASURES.index(land.CF)]
    assert list(cf_detail.x) == list(details[details["measure"] == land.CF]["value"])
    notes = [a.text for a in fig.layout.annotations if "Écart" in a.text]
    assert len(notes) == 2  # concours alloués and contreparties; QPV add up
    assert any("−9" in n for n in notes)


def test_drom_table_rows_end_with_sum_printed_total_and_gap(cur):
    table = drom_table_rows(land.drom_details(cur), land.overseas_printed_totals(cur))
    assert list(table["Territoire"][-3:]) == [
        "Somme des 5 territoires (calculé)",
        "Total Outre-Mer publié",
        "Écart somme − publié (calculé)",
    ]
    cf_label = land.overseas_printed_totals(cur).set_index("measure").loc[land.CF, "measure_label"]
    assert table[cf_label].iloc[-1] == "−9"
    assert table[cf_label].iloc[-2] == "944"


def test_national_figure_shows_printed_and_computed(cur):
    national = land.national_counterparts(cur)
    fig = national_figure(national, CTX)
    bar = fig.data[0]
    assert bar.x[-1] == national["sections_sum"].iloc[0]
    assert "(calculé)" in bar.y[-1]
    assert bar.text[0] == printed_text(None, national["value_text"].iloc[0])
    assert any("Écart" in a.text for a in fig.layout.annotations)


def test_printed_text_keeps_qualifier_and_unit():
    assert printed_text("environ", "20 000") == "environ 20 000"
    assert printed_text(None, "502", "MEUR") == "502\u00a0M€"
    assert printed_text(None, None) == "non publié"


# --- page and exports ----------------------------------------------------------------------------


def test_page_layout_and_callback(app_pages):
    page = app_pages
    assert page.layout() is not None
    fig, style = with_controls(page.update_sections, {"regions": ["76"], "operateur": ["esh_groupe"]})
    assert [t["name"] for t in fig["data"] if t["type"] == "bar"] == ["ESH du Groupe"]
    assert style == {"height": f"{fig['layout']['height']}px"}
    empty, _ = with_controls(page.update_sections, {"regions": ["OM"], "operateur": ["esh_groupe"]})
    assert "Aucune section métropolitaine" in empty["layout"]["annotations"][0]["text"]
    # Untrusted control values are validated, never passed on: an unknown region means all.
    hostile, _ = with_controls(page.update_sections, {"regions": ["'; DROP TABLE facts; --"], "operateur": 3})
    default = with_revision(page.sections_view(Filters()).to_plotly_json())
    assert to_json_plotly(hostile) == to_json_plotly(default)


def test_exports(app_pages, cur):
    page = app_pages
    sections = page.sections_data(cur, Filters(regions=("76",), operateur=("esh_groupe",)))
    assert list(sections["section"]) == ["Occitanie"]
    assert "ESH du Groupe (publié)" in sections.columns and "Foncière Logement (publié)" not in sections.columns
    assert sections["écart somme − total (calculé)"].iloc[0] == 100
    territories = page.om_territories_data(cur, Filters())
    assert {"publié", "calculé"} == set(territories["nature"])
    assert len(page.om_operators_data(cur, Filters())) == 7
    assert "calculé" in set(page.national_data(cur, Filters())["nature"])

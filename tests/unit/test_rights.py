"""Reservation-rights page: queries on the real database and the figure builders (100 % view, famille filter)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard.figures.bars import ChartContext
from dashboard.figures.rights import FLAG, national_vs_sections, rights_section_bars
from dashboard.figures.theme import CATEGORY_COLORS
from dashboard.filters import FAMILLES
from dashboard.formatting import format_value
from dashboard.queries.rights import national_rights, rights_by_section, rights_findings

CTX = ChartContext("Source : test", "Données au 31/12/2024")


@pytest.fixture(scope="module")
def cur(built_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(built_db), read_only=True)
    yield con
    con.close()


def bars(fig) -> list:
    return [t for t in fig.data if t.type == "bar"]


def key_figure(cur, territory: str, member: str | None, *, percent: bool = False) -> pd.Series:
    return (
        cur.execute(
            """
            SELECT * FROM facts_detail
            WHERE territory_code = ? AND measure = 'droits_reservation' AND context = 'key_figures'
              AND scope IS NULL AND ((? IS NULL AND member IS NULL) OR member = ?) AND (unit = 'PCT') = ?
            """,
            [territory, member, member, percent],
        )
        .df()
        .iloc[0]
    )


def disputed_percentages(cur) -> set[str]:
    """Sections whose printed reservation-rights percentages a reconciliation finding disputes."""
    return {
        r[0]
        for r in cur.execute(
            "SELECT DISTINCT territory_code FROM quality_findings WHERE measure = 'droits_reservation' "
            "AND rule = 'percentage' AND territory_code <> 'FR'"
        ).fetchall()
    }


# --- queries -----------------------------------------------------------------------------------


def test_rights_by_section_match_the_regional_key_figures(cur):
    data = rights_by_section(cur).set_index("region_code")
    view = cur.execute("SELECT * FROM region_key_figures").df().set_index("region_code")
    assert list(data.index) == list(view.index)
    for column, view_column in (
        ("total", "droits_total"),
        ("requalification", "droits_requalification"),
        ("reconstitution", "droits_reconstitution"),
    ):
        pd.testing.assert_series_equal(data[column], view[view_column].astype(float), check_names=False)


def test_shares_are_computed_from_the_counts_and_add_up_to_100(cur):
    data = rights_by_section(cur)
    total = data["requalification"] + data["reconstitution"]
    pd.testing.assert_series_equal(
        data["requalification_share"], 100 * data["requalification"] / total, check_names=False
    )
    assert (data["requalification_share"] + data["reconstitution_share"]).round(9).eq(100).all()


def test_printed_percentages_and_their_disputes_come_from_the_facts(cur):
    data = rights_by_section(cur).set_index("region_code")
    pct = key_figure(cur, "OM", "requalification", percent=True)
    assert data.loc["OM", "requalification_pct"] == pct["value"]
    assert data.loc["OM", "requalification_pct_printed"] == f"{pct['value_text']}\u00a0%"
    flagged = set(data.index[data["requalification_pct_contradicted"] | data["reconstitution_pct_contradicted"]])
    assert flagged == disputed_percentages(cur)


def test_national_rights_are_printed_with_their_qualifier_and_compared_to_the_sections(cur):
    data = national_rights(cur).set_index("key")
    fact = cur.execute(
        "SELECT qualifier, value_text, quote FROM facts WHERE territory_code = 'FR' AND measure = 'droits_reservation' "
        "AND period = '@2024-12-31' AND dimension IS NULL AND section = '01'"
    ).fetchone()
    assert data.loc["total", "printed"] == f"{fact[0]} {fact[1]}"  # "plus de 100 000"
    assert data.loc["total", "quote"] == fact[2]
    view = cur.execute("SELECT sum(droits_total), sum(droits_reconstitution) FROM region_key_figures").fetchone()
    assert data.loc["total", "regions_sum"] == view[0]
    assert data.loc["reconstitution", "regions_sum"] == view[1]
    assert data.loc["total", "regions_count"] == 13


def test_national_rights_are_flagged_by_the_territory_sum_findings(cur):
    data = national_rights(cur).set_index("key")
    expected = cur.execute(
        "SELECT finding_id, breakdown FROM quality_findings WHERE territory_code = 'FR' "
        "AND measure = 'droits_reservation' AND rule = 'territory_sum'"
    ).fetchall()
    assert expected
    for finding_id, breakdown in expected:
        key = "total" if breakdown is None else "reconstitution" if "Reconstitution" in breakdown else "requalification"
        assert finding_id in data.loc[key, "finding_ids"].split(",")
    engaged = data[data["group"] == "engages"]
    assert engaged["printed"].notna().all() and engaged["regions_sum"].isna().all()


def test_rights_findings_national_only(cur):
    national = rights_findings(cur, national_only=True)
    assert set(national["territory_code"]) == {"FR"}
    assert len(rights_findings(cur)) > len(national)


# --- section chart -----------------------------------------------------------------------------


def test_part_view_sums_to_100_per_section(cur):
    fig = rights_section_bars(rights_by_section(cur), CTX, vue="part")
    sums: dict[str, float] = {}
    for trace in bars(fig):
        for y, x in zip(trace.y, trace.x, strict=True):
            sums[y] = sums.get(y, 0) + x
    assert len(sums) == 13
    assert all(v == pytest.approx(100, abs=0.11) for v in sums.values())  # shares rounded to 0.1
    assert tuple(fig.layout.xaxis.range) == (0, 100)


def test_count_view_draws_the_printed_counts_and_total(cur):
    data = rights_by_section(cur)
    fig = rights_section_bars(data, CTX, vue="nombre")
    requalification = next(t for t in bars(fig) if t.name == "Requalification")
    by_name = dict(zip(requalification.y, requalification.x, strict=True))
    assert by_name["Auvergne-Rhône-Alpes"] == key_figure(cur, "84", "requalification")["value"]
    totals = next(t for t in fig.data if t.type == "scatter" and t.name == "Total imprimé")
    assert f"<b>{key_figure(cur, '84', None)['value_text']}</b>" in totals.text


def test_famille_filter_removes_a_trace(cur):
    data = rights_by_section(cur)
    both = rights_section_bars(data, CTX, familles=FAMILLES)
    one = rights_section_bars(data, CTX, familles=("reconstitution",))
    assert [t.name for t in bars(both)] == ["Requalification", "Reconstitution de l'offre"]
    assert [t.name for t in bars(one)] == ["Reconstitution de l'offre"]
    assert bars(one)[0].marker.color == CATEGORY_COLORS["reconstitution"]
    assert not [t for t in one.data if t.type == "scatter" and t.name == "Total imprimé"]


def test_hover_shows_printed_and_computed_percentages(cur):
    data = rights_by_section(cur, ("OM",))
    fig = rights_section_bars(data, CTX, vue="part")
    hover = bars(fig)[0].customdata[0][1]
    printed = key_figure(cur, "OM", "requalification", percent=True)["value_text"]
    computed = format_value(round(float(data.iloc[0]["requalification_share"]), 1), "PCT", 1)
    assert f"imprimé : {printed}\u00a0% · calculé : {computed}" in hover
    assert key_figure(cur, "OM", "requalification")["value_text"] in hover  # the printed count


def test_sections_with_disputed_percentages_are_marked(cur):
    data = rights_by_section(cur)
    fig = rights_section_bars(data, CTX)
    names = dict(zip(data["region_code"], data["region_name"], strict=True))
    labels = set(bars(fig)[0].y)
    for code in disputed_percentages(cur):
        assert f"{names[code]} {FLAG}" in labels


def test_section_chart_follows_the_regions_filter(cur):
    fig = rights_section_bars(rights_by_section(cur, ("84", "11")), CTX)
    assert {y.replace(f" {FLAG}", "") for t in fig.data for y in t.y} == {"Auvergne-Rhône-Alpes", "Île-de-France"}


# --- national chart ----------------------------------------------------------------------------


def test_national_chart_sets_printed_figures_against_the_computed_sum(cur):
    data = national_rights(cur)
    fig = national_vs_sections(data, CTX)
    computed, printed = bars(fig)
    assert "(calculé)" in computed.name and computed.marker.pattern.shape == "/"
    assert printed.marker.color == CATEGORY_COLORS["national"]
    summable = data[data["regions_sum"].notna()]
    assert list(printed.text) == list(summable["printed"])
    flagged = [y for y in printed.y if y.endswith(FLAG)]
    assert len(flagged) == (summable["finding_ids"] != "").sum()

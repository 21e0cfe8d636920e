"""Loans page: queries on the real database and the figure builders (non publié, calculé, breakdowns)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboard.figures.bars import NOT_PUBLISHED, ChartContext
from dashboard.figures.loans import (
    disbursement_bars,
    engagement_rate_bars,
    loan_stage_bars,
    national_breakdown_bars,
)
from dashboard.figures.theme import CATEGORY_COLORS
from dashboard.formatting import format_value
from dashboard.queries.loans import (
    disbursements,
    engagement_rates,
    loan_findings,
    loan_stages,
    national_breakdown,
    national_loan_kpis,
    printed_text,
)

CTX = ChartContext("Source : test", "Données au 31/12/2024")


@pytest.fixture(scope="module")
def cur(built_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(built_db), read_only=True)
    yield con
    con.close()


def fact_rows(cur: duckdb.DuckDBPyConnection, where: str, params: list[object]) -> pd.DataFrame:
    return cur.execute(
        f"SELECT * FROM facts_detail WHERE scope IS NULL AND sub_dimension IS NULL AND {where}", params
    ).df()


def bar_traces(fig) -> list:
    return [t for t in fig.data if t.type == "bar"]


# --- printed text ------------------------------------------------------------------------------


def test_printed_text_keeps_the_printed_form():
    assert printed_text("plus de", "100 000", "COUNT") == "plus de 100 000"
    assert printed_text(None, "1,175", "GEUR") == "1,175\u00a0Md€"
    assert printed_text("près de", "la moitié", "PCT") == "près de la moitié"
    assert printed_text(None, None, "MEUR") is None


# --- loan stages per section -----------------------------------------------------------------


def test_loan_stages_match_the_regional_key_figures(cur):
    stages = loan_stages(cur).set_index("region_code")
    view = cur.execute("SELECT * FROM region_key_figures").df().set_index("region_code")
    assert list(stages.index) == list(view.index)  # 13 sections, report order
    for column, view_column in (
        ("alloues", "prets_alloues_meur"),
        ("engages", "prets_engages_cumul_meur"),
        ("engages_2024", "prets_engages_2024_meur"),
    ):
        pd.testing.assert_series_equal(stages[column], view[view_column], check_names=False)


def test_loan_stages_keep_the_printed_text_and_quote(cur):
    fact = fact_rows(
        cur, "territory_code = '32' AND measure = 'prets_engages' AND period = '2024' AND context = 'key_figures'", []
    ).iloc[0]
    row = loan_stages(cur, ("32",)).iloc[0]
    assert row["engages_2024_printed"] == f"{fact['value_text']}\u00a0M€"
    assert row["engages_2024_quote"] == fact["quote"]


def test_outre_mer_publishes_no_loan_figure(cur):
    om = loan_stages(cur, ("OM",)).iloc[0]
    assert all(math.isnan(om[c]) for c in ("alloues", "engages", "engages_2024"))
    assert om[["alloues_printed", "engages_printed", "engages_2024_printed"]].isna().all()


def test_loan_stages_follow_the_regions_filter(cur):
    assert list(loan_stages(cur, ("84", "11"))["region_code"]) == ["84", "11"]


def test_stage_chart_reads_non_publie_for_outre_mer_never_zero(cur):
    fig = loan_stage_bars(loan_stages(cur), CTX)
    for trace in bar_traces(fig):
        x_om = dict(zip(trace.y, trace.x, strict=True))["Outre-Mer"]
        assert x_om is None  # no bar, not a zero-length one
        assert dict(zip(trace.y, trace.text, strict=True))["Outre-Mer"] is None
    labels = [t for t in fig.data if t.type == "scatter" and "Outre-Mer" in t.y]
    assert len(labels) == 1 and list(labels[0].text) == [NOT_PUBLISHED]


def test_stage_chart_uses_the_loan_stage_colours_and_printed_labels(cur):
    fig = loan_stage_bars(loan_stages(cur), CTX)
    colours = {t.name: t.marker.color for t in bar_traces(fig)}
    assert colours == {
        "Prêts alloués": CATEGORY_COLORS["alloues"],
        "Prêts engagés 2018-2024": CATEGORY_COLORS["engages"],
        "dont engagés en 2024": CATEGORY_COLORS["engages_2024"],
    }
    allocated = next(t for t in bar_traces(fig) if t.name == "Prêts alloués")
    assert allocated.y[0] == "Île-de-France"  # largest allocation on top
    stage = loan_stages(cur, ("11",)).iloc[0]
    assert allocated.text[0] == stage["alloues_printed"]


def test_stage_chart_shows_only_selected_sections(cur):
    fig = loan_stage_bars(loan_stages(cur, ("84", "OM")), CTX)
    assert {y for t in fig.data for y in t.y} == {"Auvergne-Rhône-Alpes", "Outre-Mer"}


# --- engagement rates --------------------------------------------------------------------------


def test_engagement_rate_and_remainder_are_computed_from_printed_figures(cur):
    rates = engagement_rates(cur).set_index("region_code")
    view = cur.execute("SELECT * FROM region_key_figures").df().set_index("region_code")
    published = view["prets_alloues_meur"].notna()
    expected_rate = 100 * view["prets_engages_cumul_meur"] / view["prets_alloues_meur"]
    pd.testing.assert_series_equal(rates["rate"][published], expected_rate[published], check_names=False)
    expected_remaining = view["prets_alloues_meur"] - view["prets_engages_cumul_meur"]
    pd.testing.assert_series_equal(rates["remaining"][published], expected_remaining[published], check_names=False)
    assert math.isnan(rates.loc["OM", "rate"])


def test_engagement_rates_carry_the_printed_rate_and_its_finding(cur):
    printed = fact_rows(cur, "measure = 'taux_engagement' AND territory_code = '11'", []).iloc[0]
    row = engagement_rates(cur, ("11",)).iloc[0]
    assert row["printed_rate_printed"] == f"{printed['qualifier']} {printed['value_text']}"
    disputed = cur.execute(
        "SELECT count(*) FROM quality_finding_facts WHERE fact_id = ? AND role = 'expected'", [printed["fact_id"]]
    ).fetchone()[0]
    assert bool(row["printed_rate_contradicted"]) == (disputed > 0)


def test_rate_chart_sorts_by_rate_hatches_the_remainder_and_names_unpublished(cur):
    rates = engagement_rates(cur)
    fig = engagement_rate_bars(rates, CTX)
    engaged, remaining = bar_traces(fig)
    expected_order = list(rates.dropna(subset=["rate"]).sort_values("rate", ascending=False)["region_name"])
    assert list(engaged.y) == expected_order
    assert "(calculé)" in remaining.name and remaining.marker.pattern.shape == "/"
    assert remaining.marker.color == CATEGORY_COLORS["reste"]
    assert all(v >= 0 for v in remaining.x)
    assert "Outre-Mer" not in engaged.y
    assert any(t.type == "scatter" and list(t.y) == ["Outre-Mer"] and t.text[0] == NOT_PUBLISHED for t in fig.data)
    assert all("(calculé)" in h[1] for h in engaged.customdata)


# --- disbursements -----------------------------------------------------------------------------


def test_disbursements_national_rows_are_the_printed_facts(cur):
    data = disbursements(cur)
    national = data[data["scope"] == "national"].set_index("period")
    for period in ("2024", "2018..2024"):
        fact = fact_rows(
            cur, "territory_code = 'FR' AND measure = 'prets_decaisses' AND period = ? AND dimension IS NULL", [period]
        ).iloc[0]
        assert national.loc[period, "decaisses"] == pytest.approx(fact["value_base"])
        assert national.loc[period, "decaisses_quote"] == fact["quote"]
    assert math.isnan(national.loc["2024", "share"])  # a year's ratio is not a disbursement rate


def test_disbursements_list_every_section_and_only_printed_ones_have_a_value(cur):
    data = disbursements(cur)
    sections = data[data["scope"] == "section"]
    assert len(sections) == 13
    printed = set(
        fact_rows(cur, "measure = 'prets_decaisses' AND territory_kind = 'section' AND period = '2018..2024'", [])[
            "territory_code"
        ]
    )
    assert printed  # e.g. Auvergne-Rhône-Alpes and Occitanie
    assert set(sections.loc[sections["decaisses"].notna(), "territory_code"]) == printed
    assert sections.loc[~sections["territory_code"].isin(printed), "decaisses_printed"].isna().all()
    shares = sections.dropna(subset=["decaisses"])
    pd.testing.assert_series_equal(shares["share"], 100 * shares["decaisses"] / shares["engages"], check_names=False)


def test_disbursement_chart_compares_where_both_are_printed(cur):
    fig = disbursement_bars(disbursements(cur), CTX)
    regional = [t for t in bar_traces(fig) if t.xaxis == "x2"]
    assert {t.name for t in regional} == {"Prêts engagés", "Prêts décaissés"}
    printed = set(fact_rows(cur, "measure = 'prets_decaisses' AND territory_kind = 'section'", [])["territory_name"])
    assert set(regional[0].y) == printed
    disbursed = next(t for t in regional if t.name == "Prêts décaissés")
    assert all("(calculé)" in text for text in disbursed.text)
    assert disbursed.marker.color == CATEGORY_COLORS["decaisses"]


def test_disbursement_chart_says_when_the_selection_has_none(cur):
    fig = disbursement_bars(disbursements(cur, ("52",)), CTX)
    assert not [t for t in bar_traces(fig) if t.xaxis == "x2" and len(t.y)]
    assert any("Aucun montant décaissé" in (a.text or "") for a in fig.layout.annotations)


# --- national breakdowns and key figures -------------------------------------------------------


def national_2024_total(cur) -> float:
    return float(
        fact_rows(
            cur,
            "territory_code = 'FR' AND measure = 'prets_engages' AND period = '2024' AND dimension IS NULL "
            "AND section = '01'",
            [],
        ).iloc[0]["value_base"]
    )


def test_breakdown_remainder_is_the_national_total_minus_printed_parts_and_is_computed(cur):
    data = national_breakdown(cur, "type_ols")
    total = national_2024_total(cur)
    printed = data[~data["computed"]]
    remainder = data[data["computed"]]
    assert list(printed["key"]) == ["oph"]
    oph = fact_rows(
        cur,
        "territory_code = 'FR' AND measure = 'prets_engages' AND period = '2024' AND member = 'oph' "
        "AND unit <> 'PCT' AND section = '01'",
        [],
    ).iloc[0]
    assert printed.iloc[0]["value"] == pytest.approx(oph["value_base"])
    assert list(remainder["key"]) == ["autres"]
    assert remainder.iloc[0]["value"] == pytest.approx(total - printed["value"].sum())
    assert "calculé" in remainder.iloc[0]["printed"]


def test_breakdown_shows_the_printed_percentage(cur):
    data = national_breakdown(cur, "zone_tension").set_index("key")
    pct = fact_rows(
        cur,
        "territory_code = 'FR' AND measure = 'prets_engages' AND period = '2024' AND member = 'tendue' "
        "AND unit = 'PCT'",
        [],
    ).iloc[0]
    assert f"({pct['value_text']}\u00a0%)" in data.loc["tendue", "printed"]


def test_breakdown_without_gap_has_no_remainder(cur):
    data = national_breakdown(cur, "famille")
    assert data["value"].sum() == pytest.approx(national_2024_total(cur))  # 505 + 95 = 600 as printed
    assert not data["computed"].any()


def test_breakdown_chart_hatches_only_computed_parts_and_adds_up_per_row(cur):
    parts = {d: national_breakdown(cur, d) for d in ("famille", "type_ols", "zone_tension")}
    fig = national_breakdown_bars(parts, CTX)
    total = national_2024_total(cur)
    per_row: dict[str, float] = {}
    for trace in bar_traces(fig):
        per_row[trace.y[0]] = per_row.get(trace.y[0], 0) + trace.x[0]
        hatched = trace.marker.pattern is not None and trace.marker.pattern.shape == "/"
        assert hatched == trace.name.endswith("(calculé)")
    assert all(v == pytest.approx(total) for v in per_row.values())
    assert {t.name for t in bar_traces(fig) if t.name.endswith("(calculé)")} == {"Autres (calculé)"}


def test_national_loan_kpis_are_printed_as_in_the_report(cur):
    kpis = national_loan_kpis(cur).set_index("key")
    fact = fact_rows(
        cur, "territory_code = 'FR' AND measure = 'prets_decaisses' AND period = '2018..2024' AND dimension IS NULL", []
    ).iloc[0]
    assert kpis.loc["decaisses_cumul", "printed"] == f"{fact['value_text']}\u00a0{fact['unit_symbol']}"
    assert kpis.loc["decaisses_cumul", "quote"] == fact["quote"]
    assert kpis["printed"].notna().all()


def test_loan_findings_follow_the_regions_filter(cur):
    everything = loan_findings(cur)
    assert not everything.empty
    selected = loan_findings(cur, ("52",))
    assert set(selected["territory_code"]) <= {"FR", "52"}
    assert len(selected) < len(everything)


def test_formatted_rate_label_matches_the_computation(cur):
    rates = engagement_rates(cur, ("84",))
    fig = engagement_rate_bars(rates, CTX)
    label = next(t for t in fig.data if t.type == "scatter" and t.mode == "text" and t.x is not None and len(t.x))
    assert label.text[0] == f"<b>{format_value(rates.iloc[0]['rate'], 'PCT', 1)}</b>"

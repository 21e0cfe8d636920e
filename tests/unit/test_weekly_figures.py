"""Figures of the weekly views: data drawn, order, colours, French labels, the synthetic mark."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard.extracts.store import attach_operations
from dashboard.figures.bars import NOT_PUBLISHED, ChartContext
from dashboard.figures.theme import CATEGORY_COLORS, SYNTHETIC_MARK
from dashboard.figures.weekly import (
    delta_bars,
    flows_chart,
    lag_boxes,
    meur,
    period_label,
    remaining_bars,
    report_vs_extract_bars,
    signed,
)
from dashboard.filters import Filters
from dashboard.queries import weekly

CTX = ChartContext("Source : test", "Données au 14/01/2025", synthetic=True)
REAL = ChartContext("Source : test", "Données au 14/01/2025", synthetic=False)


@pytest.fixture(scope="module")
def cur(built_db: Path, operations_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute(f"ATTACH '{built_db}' AS report (READ_ONLY)")
    con.execute("USE report")
    attach_operations(con, operations_db)
    yield con
    con.close()


@pytest.fixture(scope="module")
def pair(cur) -> weekly.SnapshotPair:
    found = weekly.snapshot_pair(cur, Filters())
    assert found is not None
    return found


def marks(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations if a.text == SYNTHETIC_MARK.upper()]


def test_signed_amounts_in_french():
    assert signed(1.4093, "MEUR", 2) == "+1,41\u00a0M€"
    assert signed(-0.0379, "MEUR", 2) == "\u22120,04\u00a0M€"
    assert signed(0.001, "MEUR", 2) == "0,00\u00a0M€"
    assert signed(12411, "COUNT", 0) == "+12\u202f411"
    assert signed(None, "MEUR", 2) == "—"
    assert meur(1_500_000) == 1.5 and meur(None) is None


def test_period_labels_are_french_and_flag_a_cut_period():
    assert period_label(date(2025, 1, 1), "month") == "janvier 2025"
    assert period_label(date(2025, 1, 1), "month", date(2025, 1, 14)) == "janvier 2025 (jusqu'au 14/01/2025)"
    assert period_label(date(2024, 12, 1), "month", date(2024, 12, 31)) == "décembre 2024"
    assert period_label(date(2025, 1, 1), "year", date(2025, 1, 14)) == "2025 (jusqu'au 14/01/2025)"


def test_delta_bars_draw_the_changes_of_each_section(cur, pair):
    deltas = weekly.region_deltas(cur, pair.current_id, pair.previous_id)
    assert pair.previous_as_of is not None
    fig = delta_bars(deltas, CTX, current=pair.current_as_of, previous=pair.previous_as_of)
    by_name = {t.name: t for t in fig.data}
    engaged = by_name["Prêts engagés (M€)"]
    assert list(engaged.y) == list(deltas["region_name"])
    assert list(engaged.x) == pytest.approx(list(deltas["engaged_delta"] / 1e6))
    assert list(engaged.text) == [signed(v / 1e6, "MEUR", 2) for v in deltas["engaged_delta"]]
    assert engaged.marker.color == CATEGORY_COLORS["engages"]
    assert by_name["Prêts décaissés (M€)"].marker.color == CATEGORY_COLORS["decaisses"]
    rights = by_name["Droits de réservation (nombre)"]
    assert list(rights.x) == list(deltas["rights_delta"].astype(float))
    assert rights.xaxis == "x2"
    # Engaged listed first in the legend; first section on top.
    assert sorted(fig.data, key=lambda t: t.legendrank)[0].name == "Prêts engagés (M€)"
    assert list(fig.layout.yaxis.categoryarray) == list(deltas["region_name"])[::-1]
    assert "07/01/2025" in fig.layout.title.text and marks(fig)


@pytest.mark.parametrize(
    ("pas", "courbe"), [("mois", "flux"), ("annee", "flux"), ("mois", "cumul"), ("annee", "cumul")]
)
def test_flows_chart_draws_flows_as_bars_and_totals_as_lines(cur, pair, pas, courbe):
    filters = Filters(pas=pas, courbe=courbe)
    data = weekly.flows(cur, pair, filters)
    grain = "year" if pas == "annee" else "month"
    fig = flows_chart(data, REAL, grain=grain, mode=courbe, as_of=pair.current_as_of)
    engaged, disbursed = fig.data
    assert engaged.type == ("bar" if courbe == "flux" else "scatter")
    column = "engaged_cumul_eur" if courbe == "cumul" else "engaged_eur"
    assert list(engaged.y) == pytest.approx(list(data[column] / 1e6))
    assert list(disbursed.y) == pytest.approx(list(data[column.replace("engaged", "disbursed")] / 1e6))
    assert engaged.marker.color == CATEGORY_COLORS["engages"] or engaged.line.color == CATEGORY_COLORS["engages"]
    assert engaged.customdata[-1][0].endswith("(jusqu'au 14/01/2025)")
    assert fig.layout.xaxis.tickformat == "%Y"  # no English month names on the axis
    assert not marks(fig)


def test_remaining_bars_stack_disbursed_and_remaining_largest_on_top(cur, pair):
    data = weekly.remaining(cur, pair, Filters())
    fig = remaining_bars(data, CTX, as_of=pair.current_as_of)
    disbursed, remaining = fig.data
    expected = data.sort_values("remaining_eur", ascending=False)
    assert list(remaining.y) == list(expected["region_name"])
    totals = [d + r for d, r in zip(disbursed.x, remaining.x, strict=True)]
    assert totals == pytest.approx(list(expected["engaged_eur"] / 1e6))
    assert fig.layout.barmode == "stack"
    assert remaining.marker.color == CATEGORY_COLORS["reste"]
    assert "calculé" in remaining.name


def test_lag_boxes_are_drawn_from_the_quantiles(cur, pair):
    data = weekly.lag_quantiles(cur, pair, Filters())
    fig = lag_boxes(data, CTX, as_of=pair.current_as_of)
    box = fig.data[0]
    assert box.type == "box" and box.orientation == "h"
    assert list(box.q1) == list(data["p25"]) and list(box.median) == list(data["p50"])
    assert list(box.lowerfence) == list(data["p10"]) and list(box.upperfence) == list(data["p90"])
    assert box.hoverinfo == "skip"  # French hover labels come from the invisible trace
    assert "médiane" in fig.data[1].customdata[0]
    # A small payload: a handful of numbers per section, never the disbursements themselves.
    assert len(box.q1) == len(data) <= 13


def test_report_vs_extract_names_unpublished_report_figures(cur, pair):
    data = weekly.report_comparison(cur, pair, ())
    fig = report_vs_extract_bars(data, CTX, period_label="2018-2024", report_label="Bilan 2024")
    extract, report = fig.data
    assert report.name == "Bilan 2024 (publié)" and report.legendrank < extract.legendrank
    outre_mer = list(report.y).index("Outre-Mer")
    assert report.text[outre_mer] == f"bilan : {NOT_PUBLISHED}" and report.x[outre_mer] == 0
    assert list(report.y)[-1] == "Outre-Mer"  # unpublished last
    published = data.dropna(subset=["report_engaged_cumul_meur"]).sort_values(
        "report_engaged_cumul_meur", ascending=False
    )
    assert list(report.x[: len(published)]) == list(published["report_engaged_cumul_meur"])
    assert extract.marker.pattern.shape == "/" and extract.marker.color == report.marker.color
    by_name = data.set_index("region_name")["engaged_cumul_eur"] / 1e6
    assert list(extract.x) == pytest.approx([by_name[name] for name in extract.y])
    assert marks(fig)

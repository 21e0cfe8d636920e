"""Vue d'ensemble: the national key figures as printed, and a ranking of the regions."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import Output, html

from .. import db, ids
from ..auth import AUTH_REQUIRED, operations_access
from ..components.chart_card import cached_figure, chart_card, sized
from ..components.controls import filter_bar, measure_control, regions_control
from ..components.kpi import kpi_card
from ..components.weekly import changes_panel
from ..exports import register_export
from ..figures.bars import ChartContext, ranking_bar
from ..filters import Filters, from_query
from ..formatting import format_value, printed_fact
from ..indicators import INDICATORS
from ..on_filters import filters_callback, page_filters
from ..presentation.ui import exporter
from ..queries.common import indicator_values, section_codes, source_info, territories
from ..queries.overview import findings_by_severity, national_kpis
from ..queries.weekly import changes_since_last_review
from ..synthetic import synthetic_shown

RANKING = "ranking"


def context_of(cur) -> ChartContext:
    """Source line, data date and synthetic flag of the charts."""
    info = source_info(cur)
    return ChartContext(info.source_line, info.data_date, synthetic_shown(cur))


def chart_context() -> ChartContext:
    """Source line, data date and synthetic flag of the charts (read once per opened database files)."""
    return db.cached(context_of)


def section_regions() -> list[tuple[str, str]]:
    """`(code, name)` of the report sections, in report order, for the regions control."""
    return [(r.code, r.name) for r in db.cached(territories).itertuples() if r.kind == "section"]


def _detail(row: pd.Series) -> tuple[str | None, str]:
    if pd.isna(row["regions_sum"]) or not row["regions_count"]:
        return None, "text-muted"
    unit = "COUNT" if pd.isna(row["unit"]) or row["unit"] == "COUNT" else "MEUR"
    partial = "" if row["regions_count"] == row["regions_total"] else f" ({row['regions_count']} publiées)"
    text = f"Somme des sections{partial} : {format_value(round(row['regions_sum'], 2), unit)}"
    if row["contradicted"]:
        return text + " ⚠ incohérent", "text-danger fw-semibold"
    return text, "text-muted"


def kpi_grid() -> dbc.Row:
    cards = []
    for row in db.cached(national_kpis).to_dict("records"):
        detail, detail_class = _detail(pd.Series(row))
        cards.append(
            kpi_card(
                f"kpi-{row['key']}",
                row["label"],
                printed_fact(row),
                quote=row["quote"],
                section=row["section_title"],
                detail=detail,
                detail_class=detail_class,
            )
        )
    return dbc.Row(cards, id=ids.KPI_GRID)


def layout(**query: str) -> html.Div:
    filters = from_query(query, db.cached(section_codes))
    counts = db.cached(findings_by_severity)
    return html.Div(
        [
            html.Div(
                [html.H1("Vue d'ensemble du programme", className="h3 mb-0"), exporter("FR")],
                className="d-flex justify-content-between align-items-start flex-wrap gap-2 mb-2",
            ),
            html.P(
                "Chiffres nationaux tels que publiés dans le bilan 2024, avec leur citation (survol ou clic), "
                "et la somme des 13 sections régionales pour comparaison.",
                className="text-muted",
            ),
            kpi_grid(),
            dbc.Alert(
                [
                    f"{sum(counts.values())} incohérences relevées entre les chiffres publiés "
                    f"({counts.get('high', 0)} élevées, {counts.get('medium', 0)} moyennes, "
                    f"{counts.get('low', 0)} faibles). ",
                    html.A("Voir la qualité des données", href="/qualite", className="alert-link"),
                ],
                color="warning" if counts.get("high") else "light",
                className="py-2",
            ),
            html.H2("Classement des territoires", className="h5 mt-3"),
            filter_bar(measure_control(filters.measure), regions_control(section_regions(), filters.regions)),
            chart_card(RANKING, "classement-territoires", cached_figure(ranking_figure, filters)),
            _changes(db.cursor()),
        ]
    )


def _changes(cur) -> html.Div:
    """The "largest changes" panel, over the operational data the request may see (none: a French notice)."""
    access = operations_access(cur)
    if not access.allowed:
        return html.P(
            f"Plus fortes évolutions depuis la dernière revue : {AUTH_REQUIRED.lower()}.",
            className="small text-muted mt-2",
            id=ids.OVERVIEW_AUTH_REQUIRED,
        )
    key = "overview-changes" if access.regions is None else f"overview-changes:{','.join(access.regions)}"
    return changes_panel(db.memo(key, lambda: changes_since_last_review(cur, allowed_regions=access.regions)))


@register_export(RANKING)
def ranking_data(cur, filters: Filters) -> pd.DataFrame:
    data = indicator_values(cur, filters.measure)
    indicator = INDICATORS[filters.measure]
    return data.rename(
        columns={
            "region_code": "code_territoire",
            "region_name": "territoire",
            "value": f"{indicator.label} ({indicator.unit})",
        }
    )


def ranking_figure(filters: Filters) -> go.Figure:
    """The sections ranked on the selected measure, the selected ones highlighted."""
    return ranking_bar(
        db.cached(indicator_values, filters.measure),
        INDICATORS[filters.measure],
        chart_context(),
        highlight=filters.regions,
    )


@filters_callback(Output(ids.chart(RANKING), "figure"), Output(ids.chart(RANKING), "style"))
def update_ranking(values: object):
    return sized(cached_figure(ranking_figure, page_filters(values)))


dash.register_page(__name__, path="/", name="Vue d'ensemble", order=0, title="Vue d'ensemble · NPNRU", layout=layout)

"""What the region page and the overview show, as plain data: the key figures as printed and the
framed charts. Shared by the pages and the exports, and importable without a Dash app (the CLI).

No Dash import here: pages register themselves with Dash on import, this module must not.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd
import plotly.graph_objects as go

from ..figures.bars import ChartContext, ranking_bar
from ..figures.land import drom_figure, printed_text
from ..figures.region import split_figure, split_height
from ..filters import Filters
from ..formatting import format_value, printed_fact
from ..indicators import INDICATORS
from ..queries.common import indicator_values, source_info, territories
from ..queries.land import drom_details, overseas_printed_totals
from ..queries.overview import national_kpis
from ..queries.region import key_figure_cards, region_split
from ..synthetic import synthetic_shown

#: The splits of a regional key-figure block drawn on the region page: chart title and unit line.
SPLIT_TITLES = {
    "droits": ("Droits de réservation : requalification / reconstitution", "En nombre de droits, au 31/12/2024"),
    "contreparties": ("Contreparties foncières par opérateur", "En équivalents logements, au 31/12/2024"),
}
#: Chart names (as in `ids.chart`) of the region page's splits, in page order.
SPLIT_CHARTS = (("droits", "region-droits"), ("contreparties", "region-contreparties"))
#: Chart name of the Outre-Mer per-territory figure (shared with the Contreparties page).
OM_TERRITORIES = "cf-om-territoires"
#: Chart name of the overview ranking.
RANKING = "ranking"


@dataclass(frozen=True)
class Chart:
    """A chart of a page: its name (`ids.chart(name)`), a short headline, and the framed figure."""

    name: str
    headline: str
    figure: go.Figure


@dataclass(frozen=True)
class KeyFigure:
    """One key figure as the page prints it: label, printed value, and the comparison line."""

    key: str
    label: str
    printed: str
    detail: str
    value: float | None
    warning: bool = False
    quote: str | None = None


def chart_context(cur: duckdb.DuckDBPyConnection) -> ChartContext:
    """Source line, data date and synthetic flag that every chart states."""
    info = source_info(cur)
    return ChartContext(info.source_line, info.data_date, synthetic_shown(cur))


def ordinal(rank: int) -> str:
    """French ordinal of a rank: 1er, 2e, 3e..."""
    return "1er" if rank == 1 else f"{rank}e"


def rank_text(row: pd.Series) -> str | None:
    """`3e sur 13 · 12,5 % du total (calculé)`; None when the region does not publish the figure."""
    if pd.isna(row["rank"]):
        return None
    published, sections = int(row["published"]), int(row["sections"])
    scope = f"sur {sections}" if published == sections else f"sur {published} publiées"
    share = format_value(round(float(row["share"]), 1), "PCT", 1)
    return f"{ordinal(int(row['rank']))} {scope} · {share} du total (calculé)"


def section_names(cur: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Code -> name of the 13 report sections, in report order."""
    return {r.code: r.name for r in territories(cur).itertuples() if r.kind == "section"}


def region_key_figures(cur: duckdb.DuckDBPyConnection, code: str) -> list[KeyFigure]:
    """The key-figure block of a section as the region page prints it, with rank and share."""
    rows = []
    for row in key_figure_cards(cur, code).to_dict("records"):
        series = pd.Series(row)
        published = not pd.isna(series["value_text"])
        rows.append(
            KeyFigure(
                key=str(row["key"]),
                label=str(row["label"]),
                printed=printed_text(row["qualifier"], row["value_text"], row["unit"]) if published else "non publié",
                detail=(rank_text(series) or "") if published else "Non publié dans le bloc « chiffres clés »",
                value=None if pd.isna(series["value"]) else float(series["value"]),
                quote=str(row["quote"]) if published else None,
            )
        )
    return rows


def national_key_figures(cur: duckdb.DuckDBPyConnection) -> list[KeyFigure]:
    """The national key figures as the overview prints them, with the sum of the sections."""
    rows = []
    for row in national_kpis(cur).to_dict("records"):
        series = pd.Series(row)
        detail, warning = "", False
        if not pd.isna(series["regions_sum"]) and series["regions_count"]:
            unit = "COUNT" if pd.isna(series["unit"]) or series["unit"] == "COUNT" else "MEUR"
            count, total = int(series["regions_count"]), int(series["regions_total"])
            detail = format_value(round(float(series["regions_sum"]), 2), unit)
            if count != total:
                detail += f" ({count} publiées)"
            if series["contradicted"]:
                detail, warning = detail + " ⚠ incohérent", True
        rows.append(
            KeyFigure(
                key=str(row["key"]),
                label=str(row["label"]),
                printed=printed_fact(series),
                detail=detail or "—",
                value=None if pd.isna(series["value"]) else float(series["value"]),
                warning=warning,
                quote=None if pd.isna(series["quote"]) else str(series["quote"]),
            )
        )
    return rows


def region_charts(cur: duckdb.DuckDBPyConnection, code: str, ctx: ChartContext) -> list[Chart]:
    """The charts of the region page, in page order (`code` is a validated section code)."""
    data = {split: region_split(cur, code, split) for split in SPLIT_TITLES}
    height = split_height(max(len(d) for d in data.values()))
    headlines = {
        "droits": "Droits de réservation par famille",
        "contreparties": "Contreparties foncières par opérateur",
    }
    charts = []
    for split, name in SPLIT_CHARTS:
        title, unit_text = SPLIT_TITLES[split]
        figure = split_figure(data[split], ctx, title=title, unit_text=unit_text, height=height)
        charts.append(Chart(name, headlines[split], figure))
    if code == "OM":
        figure = drom_figure(drom_details(cur), overseas_printed_totals(cur), ctx)
        charts.append(Chart(OM_TERRITORIES, "Détail par territoire d'outre-mer", figure))
    return charts


def overview_charts(cur: duckdb.DuckDBPyConnection, filters: Filters, ctx: ChartContext) -> list[Chart]:
    """The charts of the overview, following its filters (measure ranked, regions highlighted)."""
    figure = ranking_bar(
        indicator_values(cur, filters.measure), INDICATORS[filters.measure], ctx, highlight=filters.regions
    )
    return [Chart(RANKING, "Classement des territoires", figure)]

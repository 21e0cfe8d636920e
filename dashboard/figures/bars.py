"""Bar-chart builders: pure functions from DataFrames to framed `go.Figure`s."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from ..formatting import UNIT_SYMBOLS, format_value
from ..indicators import Indicator
from .theme import CATEGORY_COLORS, MUTED_COLOR, figure, frame

NOT_PUBLISHED = "non publié"


@dataclass(frozen=True)
class ChartContext:
    """What every chart states besides its data: source line, data date, synthetic flag."""

    source_line: str
    data_date: str
    synthetic: bool = False


@dataclass(frozen=True)
class Series:
    """One bar series: the column it plots, its legend label and colour."""

    column: str
    label: str
    color: str


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def formatted(values: Sequence[object], unit: str, decimals: int | None = None) -> list[str]:
    """French display strings of values; `non publié` where a value is missing."""
    return [NOT_PUBLISHED if _is_missing(v) else format_value(float(v), unit, decimals) for v in values]  # type: ignore[arg-type]


def unit_label(unit: str) -> str:
    """Subtitle of a chart from its unit code."""
    return {"MEUR": "En millions d'euros (M€)", "COUNT": "En nombre", "PCT": "En %"}.get(
        unit, UNIT_SYMBOLS.get(unit, unit)
    )


def ranking_bar(
    df: pd.DataFrame, indicator: Indicator, ctx: ChartContext, *, highlight: Sequence[str] = ()
) -> go.Figure:
    """Regions ranked on one indicator (largest on top); unpublished values are named, not zero.

    `df` has columns `region_code, region_name, value`.
    """
    data = df.assign(missing=df["value"].isna()).sort_values(["missing", "value"], ascending=[True, False])
    shown = data[~data["missing"]]
    colors = [
        CATEGORY_COLORS["selection"] if c in highlight else CATEGORY_COLORS["engages"] for c in shown["region_code"]
    ]
    labels = formatted(shown["value"].tolist(), indicator.unit, indicator.decimals)
    fig = figure(
        go.Bar(
            x=shown["value"],
            y=shown["region_name"],
            orientation="h",
            marker_color=colors,
            text=labels,
            textposition="outside",
            cliponaxis=False,
            customdata=shown[["region_code"]].to_numpy(),
            hovertemplate="<b>%{y}</b><br>%{text}<extra></extra>",
            name=indicator.label,
        )
    )
    missing = data[data["missing"]]
    if not missing.empty:
        fig.add_trace(
            go.Scatter(
                x=[0] * len(missing),
                y=missing["region_name"],
                mode="text",
                text=[NOT_PUBLISHED] * len(missing),
                textposition="middle right",
                textfont={"color": MUTED_COLOR, "size": 11},
                showlegend=False,
                hovertemplate="<b>%{y}</b><br>non publié dans le rapport<extra></extra>",
                customdata=missing[["region_code"]].to_numpy(),
            )
        )
    fig.update_yaxes(categoryorder="array", categoryarray=list(data["region_name"])[::-1])
    fig.update_xaxes(showticklabels=False, showgrid=False)
    return frame(
        fig,
        title=indicator.label,
        unit=unit_label(indicator.unit),
        source_line=ctx.source_line,
        data_date=ctx.data_date,
        synthetic=ctx.synthetic,
        legend=False,
        height=520,
    )


def region_bars(
    df: pd.DataFrame,
    series: Sequence[Series],
    ctx: ChartContext,
    *,
    title: str,
    unit: str,
    barmode: str = "group",
    percent: bool = False,
    decimals: int | None = None,
    category: str = "region_name",
    height: int = 520,
) -> go.Figure:
    """Horizontal bars per region (in the order of `df`, first on top), one trace per series.

    With `percent`, each row is shown as shares of the row total (a 100 % view); the hover still
    gives the printed count.
    """
    fig = figure()
    totals = df[[s.column for s in series]].sum(axis=1, min_count=1) if percent else None
    for s in series:
        values = df[s.column]
        printed = formatted(values.tolist(), unit, decimals)
        if percent and totals is not None:
            shares = 100 * values / totals
            x = shares
            text = formatted(shares.round(1).tolist(), "PCT", 1)
            hover = [f"{t} ({p})" for t, p in zip(text, printed, strict=True)]
        else:
            x, text, hover = values, printed, printed
        fig.add_trace(
            go.Bar(
                x=x,
                y=df[category],
                orientation="h",
                name=s.label,
                marker_color=s.color,
                text=text,
                textposition="inside" if barmode == "stack" else "outside",
                insidetextanchor="middle",
                customdata=list(zip(df["region_code"], hover, strict=True)) if "region_code" in df else hover,
                hovertemplate="<b>%{y}</b><br>" + s.label + " : %{customdata[1]}<extra></extra>"
                if "region_code" in df
                else "<b>%{y}</b><br>" + s.label + " : %{customdata}<extra></extra>",
                cliponaxis=False,
            )
        )
    fig.update_layout(barmode="stack" if barmode == "stack" else "group", uniformtext={"minsize": 9, "mode": "hide"})
    fig.update_yaxes(categoryorder="array", categoryarray=list(df[category])[::-1])
    if percent:
        fig.update_xaxes(range=[0, 100], ticksuffix=" %")
    return frame(
        fig,
        title=title,
        unit="En % du total de chaque territoire" if percent else unit_label(unit),
        source_line=ctx.source_line,
        data_date=ctx.data_date,
        synthetic=ctx.synthetic,
        height=height,
    )


def breakdown_bar(df: pd.DataFrame, ctx: ChartContext, *, title: str, unit: str, height: int = 320) -> go.Figure:
    """One horizontal stacked bar of a national breakdown.

    `df` has `key, label, value, printed, computed`: `computed` rows (e.g. a remainder not broken
    down in the report) are drawn hatched and labelled as computed.
    """
    fig = figure()
    for row in df.itertuples(index=False):
        name = f"{row.label} (calculé)" if row.computed else row.label
        fig.add_trace(
            go.Bar(
                x=[row.value],
                y=[""],
                orientation="h",
                name=name,
                marker={
                    "color": CATEGORY_COLORS.get(row.key, CATEGORY_COLORS["other"]),
                    "pattern": {"shape": "/" if row.computed else ""},
                },
                text=[f"{row.label}<br>{row.printed}"],
                textposition="inside",
                insidetextanchor="middle",
                hovertemplate=f"{name} : {row.printed}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(showticklabels=False)
    return frame(
        fig,
        title=title,
        unit=unit_label(unit),
        source_line=ctx.source_line,
        data_date=ctx.data_date,
        synthetic=ctx.synthetic,
        height=height,
    )

"""Figures of the region page: the splits of a section's key-figure block, as printed."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..formatting import format_value
from .bars import NOT_PUBLISHED, ChartContext
from .land import LABEL_PAD, WARNING_COLOR, framed, printed_text
from .theme import CATEGORY_COLORS, MARGIN_TOP, MUTED_COLOR, TEXT_COLOR, figure

#: Printed percentages are rounded to the unit: a gap above half a point is not rounding.
PCT_TOLERANCE = 0.5 + 1e-9


def split_height(members: int) -> int:
    """Figure height for a split of `members` bars."""
    return max(320, 220 + 44 * members)


def split_figure(
    df: pd.DataFrame, ctx: ChartContext, *, title: str, unit_text: str, height: int | None = None
) -> go.Figure:
    """Horizontal bars of a split (one per member, first on top) labelled `count · printed %`.

    `df` comes from `queries.region.region_split`. Members the report does not print are named
    `non publié`, never drawn as 0. The hover adds the share of the printed total, labelled
    "(calculé)"; if the parts do not add up to the printed total, a red note says so.
    """
    values = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    total = None if df.empty or pd.isna(df["total"].iloc[0]) else float(df["total"].iloc[0])
    total_text = NOT_PUBLISHED if df.empty else printed_text(None, df["total_text"].iloc[0])
    labels, hovers, colors, off = [], [], [], []
    for row, value in zip(df.itertuples(index=False), values, strict=True):
        printed = printed_text(row.qualifier, row.value_text)
        pct = None if pd.isna(row.pct_text) or row.pct_text == "" else f"{row.pct_text}\u00a0%"
        share = 100 * value / total if total and not pd.isna(value) else None
        # A printed percentage is rounded to the unit: more than half a point off the count is an error.
        wrong = share is not None and not pd.isna(row.pct_value) and abs(share - float(row.pct_value)) > PCT_TOLERANCE
        labels.append(LABEL_PAD + printed + (f" · {pct}" if pct else "") + (" ⚠" if wrong else ""))
        colors.append(MUTED_COLOR if pd.isna(value) else WARNING_COLOR if wrong else TEXT_COLOR)
        if wrong:
            off.append(f"⚠ {row.label} : {pct} publié, {format_value(round(share, 1), 'PCT', 1)} calculé")  # type: ignore[arg-type]
        computed = (
            f"{format_value(round(share, 1), 'PCT', 1)} du total publié (calculé)"
            if share is not None
            else "part du total : non calculable"
        )
        hovers.append(f"{printed}<br>Part publiée : {pct or 'non publiée'}<br>{computed}")
    fig = figure(
        go.Bar(
            x=values.fillna(0),
            y=df["label"],
            orientation="h",
            marker_color=[CATEGORY_COLORS.get(m, CATEGORY_COLORS["other"]) for m in df["member"]],
            marker_line={"color": "#4B5563", "width": 0.6},
            text=labels,
            textposition="outside",
            textfont={"color": colors},
            cliponaxis=False,
            customdata=hovers,
            hovertemplate="<b>%{y}</b><br>%{customdata}<extra></extra>",
            showlegend=False,
        )
    )
    parts = values.dropna()
    note, color = f"Total publié : {total_text}", MUTED_COLOR
    if total is not None and len(parts) == len(values) and abs(parts.sum() - total) > 1e-9:
        gap = parts.sum() - total
        note = (
            f"⚠ Total publié : {total_text} ; somme des parts : {format_value(float(parts.sum()), 'COUNT')} "
            f"({'+' if gap > 0 else '−'}{format_value(abs(float(gap)), 'COUNT')}, calculé)"
        )
        color = WARNING_COLOR
    elif len(parts) < len(values):
        note += f" ; {len(values) - len(parts)} part(s) non publiée(s)"
    if off:
        note += "<br>" + "<br>".join(off)
        color = WARNING_COLOR
    fig.add_annotation(
        text=note,
        xref="paper",
        yref="paper",
        x=0,
        y=1,
        yshift=6,
        xanchor="left",
        yanchor="bottom",
        showarrow=False,
        font={"size": 12, "color": color},
        align="left",
    )
    top = float(parts.max()) if len(parts) else 1.0
    fig.update_yaxes(categoryorder="array", categoryarray=df["label"].tolist()[::-1])
    fig.update_xaxes(range=[0, top * 1.45], showticklabels=False, showgrid=False)
    fig.update_layout(bargap=0.35)
    return framed(
        fig,
        wrap_source=True,
        title=title,
        unit=unit_text,
        source_line=ctx.source_line,
        data_date=ctx.data_date,
        synthetic=ctx.synthetic,
        legend=False,
        height=height or split_height(len(df)),
        # One more line of note above the plot per wrong percentage.
        layout={"margin": {"t": MARGIN_TOP + 15 * len(off)}} if off else None,
    )

"""Figures of the loans page: loan stages per section, engagement rates, engaged vs disbursed.

Pure builders: DataFrame (from `queries.loans`) -> framed `go.Figure`. Printed figures are shown
as printed; derived ones (rates, remainders) say "calculé"; unpublished ones say "non publié".
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from ..formatting import format_value
from .bars import NOT_PUBLISHED, ChartContext, unit_label
from .theme import CATEGORY_COLORS, MUTED_COLOR, figure, frame, subplot_layout

#: Loan stages drawn per section: (column, legend label, colour key).
STAGE_SERIES: tuple[tuple[str, str, str], ...] = (
    ("alloues", "Prêts alloués", "alloues"),
    ("engages", "Prêts engagés 2018-2024", "engages"),
    ("engages_2024", "dont engagés en 2024", "engages_2024"),
)
COMPUTED_PATTERN = "/"
LABEL_FONT = {"size": 11}


def is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def quote_html(quote: object, width: int = 80) -> str:
    """A source quote for a hover label: escaped, wrapped, in French quotation marks."""
    if is_missing(quote):
        return ""
    lines = textwrap.wrap(html.escape(str(quote), quote=False), width) or [""]
    return "<br><i>« " + "<br>".join(lines) + " »</i>"


def printed_or_missing(value: object) -> str:
    return NOT_PUBLISHED if is_missing(value) else str(value)


def _sorted(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """Largest first, unpublished last (stable on report order)."""
    return df.assign(_missing=df[column].isna()).sort_values(
        ["_missing", column], ascending=[True, False], kind="stable"
    )


def not_published_trace(names: Sequence[str], detail: str) -> go.Scatter:
    return go.Scatter(
        x=[0] * len(names),
        y=list(names),
        mode="text",
        text=[NOT_PUBLISHED] * len(names),
        textposition="middle right",
        textfont={"color": MUTED_COLOR, "size": 11},
        showlegend=False,
        hovertemplate="<b>%{y}</b><br>" + detail + "<extra></extra>",
        name=NOT_PUBLISHED,
    )


def _finish_categories(fig: go.Figure, names: Sequence[str]) -> None:
    """First row on top."""
    fig.update_yaxes(categoryorder="array", categoryarray=list(names)[::-1], ticksuffix="  ")


def framed(
    fig: go.Figure,
    ctx: ChartContext,
    *,
    title: str,
    unit: str,
    height: int,
    legend: bool = True,
    legend_order: str = "normal",
) -> go.Figure:
    """`theme.frame` (which pins the legend and the two-line title a fixed distance from the plot,
    whatever the height), with French thousands on the x axis and the legend in the given trace order."""
    return frame(
        fig,
        title=title,
        unit=unit,
        source_line=ctx.source_line,
        data_date=ctx.data_date,
        synthetic=ctx.synthetic,
        height=height,
        legend=legend,
        layout={"legend": {"traceorder": legend_order}},
        xaxes={"separatethousands": True, "exponentformat": "none"},
    )


def loan_stage_bars(df: pd.DataFrame, ctx: ChartContext, *, height: int | None = None) -> go.Figure:
    """Allocated, engaged (2018-2024) and engaged-in-2024 loans per section, grouped horizontal bars,
    largest allocation on top; a section that publishes no loan figure reads "non publié".

    `df` comes from `queries.loans.loan_stages`.
    """
    data = _sorted(df, "alloues")
    names = list(data["region_name"])
    fig = figure()
    # Horizontal grouped bars stack their traces bottom-up: add the last stage first, so that
    # "alloués" sits on top of each group; the legend is reversed back to the reading order.
    for column, label, color in reversed(STAGE_SERIES):
        values = data[column]
        printed = [printed_or_missing(p) for p in data[f"{column}_printed"]]
        hover = [f"{label} : {p}{quote_html(q)}" for p, q in zip(printed, data[f"{column}_quote"], strict=True)]
        fig.add_trace(
            go.Bar(
                x=[None if is_missing(v) else float(v) for v in values],
                y=names,
                orientation="h",
                name=label,
                marker_color=CATEGORY_COLORS[color],
                text=[None if is_missing(v) else p for v, p in zip(values, printed, strict=True)],
                textposition="outside",
                textfont=LABEL_FONT,
                cliponaxis=False,
                customdata=[[c, h] for c, h in zip(data["region_code"], hover, strict=True)],
                hovertemplate="<b>%{y}</b><br>%{customdata[1]}<extra></extra>",
            )
        )
    unpublished = data[data[[c for c, _, _ in STAGE_SERIES]].isna().all(axis=1)]
    if not unpublished.empty:
        fig.add_trace(
            not_published_trace(
                list(unpublished["region_name"]), "Le rapport ne publie pas de montant de prêts pour ce territoire"
            )
        )
    maximum = data[[c for c, _, _ in STAGE_SERIES]].max().max()
    fig.update_layout(barmode="group", bargap=0.28, bargroupgap=0.06)
    _finish_categories(fig, names)
    fig.update_xaxes(
        ticksuffix="\u00a0M€",
        range=[0, (maximum if not is_missing(maximum) else 1) * 1.12],
        showgrid=True,
    )
    return framed(
        fig,
        ctx,
        title="Prêts bonifiés par territoire : alloués, engagés, engagés en 2024",
        unit=unit_label("MEUR") + " · chiffres des encadrés régionaux, tels que publiés",
        height=height or max(360, 140 + 58 * len(names)),
        legend_order="reversed",
    )


def engagement_rate_bars(df: pd.DataFrame, ctx: ChartContext, *, height: int | None = None) -> go.Figure:
    """Per section, engaged + still-to-engage loans stacked up to the allocation, labelled with the
    engagement rate (computed), highest rate on top; unpublished sections read "non publié".

    `df` comes from `queries.loans.engagement_rates`.
    """
    data = _sorted(df, "rate")
    shown = data[data["rate"].notna()]
    names = list(data["region_name"])
    rates = [format_value(r, "PCT", 1) for r in shown["rate"]]
    remaining = shown["remaining"].clip(lower=0)
    printed_rates = [
        "" if is_missing(p) else f"<br>Taux imprimé : {p}{' ⚠ différent du calcul' if c else ''}{quote_html(q)}"
        for p, c, q in zip(
            shown["printed_rate_printed"], shown["printed_rate_contradicted"], shown["printed_rate_quote"], strict=True
        )
    ]
    common = [
        f"Prêts alloués : {a}<br>Prêts engagés 2018-2024 : {e}<br>Taux d'engagement : {r} (calculé)"
        for a, e, r in zip(shown["alloues_printed"], shown["engages_printed"], rates, strict=True)
    ]
    fig = figure()
    fig.add_trace(
        go.Bar(
            x=shown["engages"],
            y=shown["region_name"],
            orientation="h",
            name="Prêts engagés 2018-2024",
            marker_color=CATEGORY_COLORS["engages"],
            text=list(shown["engages_printed"]),
            textposition="inside",
            insidetextanchor="middle",
            textfont=LABEL_FONT,
            customdata=[[c, h + p] for c, h, p in zip(shown["region_code"], common, printed_rates, strict=True)],
            hovertemplate="<b>%{y}</b><br>%{customdata[1]}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=remaining,
            y=shown["region_name"],
            orientation="h",
            name="Reste à engager (calculé)",
            marker={
                "color": CATEGORY_COLORS["reste"],
                "pattern": {"shape": COMPUTED_PATTERN, "fgcolor": "#9CA3AF", "size": 6},
                "line": {"color": "#9CA3AF", "width": 0.5},
            },
            text=[format_value(round(v, 1), "MEUR") for v in remaining],
            textposition="inside",
            insidetextanchor="middle",
            textfont={"size": 11, "color": "#1f2933"},
            customdata=[
                [c, f"Reste à engager : {format_value(round(v, 1), 'MEUR')} (calculé : alloués − engagés)<br>{h}"]
                for c, v, h in zip(shown["region_code"], remaining, common, strict=True)
            ],
            hovertemplate="<b>%{y}</b><br>%{customdata[1]}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=shown["alloues"],
            y=shown["region_name"],
            mode="text",
            text=[f"<b>{r}</b>" for r in rates],
            textposition="middle right",
            textfont={"size": 12},
            name="Taux d'engagement (calculé)",
            showlegend=False,
            hoverinfo="skip",
            cliponaxis=False,
        )
    )
    missing = data[data["rate"].isna()]
    if not missing.empty:
        fig.add_trace(
            not_published_trace(
                list(missing["region_name"]), "Prêts alloués ou engagés non publiés : taux non calculable"
            )
        )
    maximum = shown["alloues"].max() if not shown.empty else 1
    fig.update_layout(barmode="stack", bargap=0.3, uniformtext={"minsize": 9, "mode": "hide"})
    _finish_categories(fig, names)
    fig.update_xaxes(ticksuffix="\u00a0M€", range=[0, maximum * 1.1])
    return framed(
        fig,
        ctx,
        title="Taux d'engagement des prêts alloués",
        unit="En M€ · engagés + reste à engager = alloués · taux = engagés / alloués (calculé)",
        height=height or max(340, 150 + 34 * len(names)),
        legend_order="normal",
    )


def disbursement_bars(df: pd.DataFrame, ctx: ChartContext, *, height: int | None = None) -> go.Figure:
    """Engaged vs disbursed loans where the report prints both: France entière (2024 and
    2018-2024) in a top panel, the sections in a bottom panel (scales differ tenfold).

    `df` comes from `queries.loans.disbursements`.
    """
    both = df[df["engages"].notna() & df["decaisses"].notna()]
    national = both[both["scope"] == "national"]
    regional = both[both["scope"] == "section"]
    # The two panels' axes and titles, then every change to them in one dict: each of plotly's
    # `update_*` calls costs about a millisecond.
    layout = subplot_layout(
        rows=2,
        cols=1,
        row_heights=(0.5, 0.5),
        vertical_spacing=0.2,
        subplot_titles=("France entière", "Territoires dont le texte publie les décaissements (cumul 2018-2024)"),
    )
    traces = []
    for row, part, labels in (
        (1, national, [p[0].upper() + p[1:] for p in national["period_label"]]),
        (2, regional, list(regional["territory_name"])),
    ):
        for column, label, color in (
            ("decaisses", "Prêts décaissés", "decaisses"),
            ("engages", "Prêts engagés", "engages"),
        ):
            text = list(part[f"{column}_printed"])
            if column == "decaisses":
                text = [
                    t if is_missing(s) else f"{t} · {format_value(s, 'PCT', 1)} des engagés (calculé)"
                    for t, s in zip(text, part["share"], strict=True)
                ]
            hover = [
                f"{label} ({p}) : {t}{quote_html(q)}"
                for p, t, q in zip(part["period_label"], text, part[f"{column}_quote"], strict=True)
            ]
            traces.append(
                go.Bar(
                    x=part[column],
                    y=labels,
                    orientation="h",
                    name=label,
                    legendgroup=column,
                    showlegend=row == 1,
                    marker_color=CATEGORY_COLORS[color],
                    text=text,
                    textposition="outside",
                    textfont=LABEL_FONT,
                    cliponaxis=False,
                    customdata=[[c, h] for c, h in zip(part["territory_code"], hover, strict=True)],
                    hovertemplate="<b>%{y}</b><br>%{customdata[1]}<extra></extra>",
                    xaxis=f"x{'' if row == 1 else row}",
                    yaxis=f"y{'' if row == 1 else row}",
                )
            )
        top = part[["engages", "decaisses"]].max().max() if not part.empty else 1
        suffix = "" if row == 1 else str(row)
        layout[f"xaxis{suffix}"] |= {"range": [0, top * 1.55], "ticksuffix": "\u00a0M€"}
        layout[f"yaxis{suffix}"] |= {"categoryorder": "array", "categoryarray": labels[::-1], "ticksuffix": "  "}
    # The panel titles, left-aligned like the figure title.
    for annotation in layout["annotations"]:
        annotation |= {"font": {**annotation.get("font", {}), "size": 13}, "x": 0, "xanchor": "left"}
    if regional.empty:
        layout["xaxis2"]["visible"] = False
        layout["yaxis2"]["visible"] = False
        layout["annotations"].append(
            {
                "text": "Aucun montant décaissé publié pour les territoires sélectionnés",
                "xref": "x2 domain",
                "yref": "y2 domain",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "font": {"color": MUTED_COLOR, "size": 13},
            }
        )
    layout |= {"barmode": "group", "bargap": 0.3, "bargroupgap": 0.05}
    fig = figure(traces, layout)
    return framed(
        fig,
        ctx,
        title="Prêts engagés et décaissés",
        unit=unit_label("MEUR") + " · tels que publiés ; part décaissée = décaissés / engagés (calculé)",
        height=height or 500,
        legend_order="reversed",
    )


#: The national breakdowns of the 2024 engagements, in drawing order: (dimension, row label).
BREAKDOWN_ROWS: tuple[tuple[str, str], ...] = (
    ("famille", "Par famille d'opération"),
    ("type_ols", "Par type de bailleur"),
    ("zone_tension", "Par zone de tension"),
)


def national_breakdown_bars(breakdowns: dict[str, pd.DataFrame], ctx: ChartContext, *, height: int = 400) -> go.Figure:
    """One stacked bar per national breakdown of the 2024 engagements (each adds up to the national
    total); printed parts in their category colour, the computed remainder hatched "Autres (calculé)".

    `breakdowns` maps a dimension of `BREAKDOWN_ROWS` to a `queries.loans.national_breakdown` frame.
    """
    fig = figure()
    shown_in_legend: set[str] = set()
    rows = [(label, breakdowns[dim]) for dim, label in BREAKDOWN_ROWS if dim in breakdowns]
    total_printed = next((df["total_printed"].iloc[0] for _, df in rows if not df.empty), None)
    total = next((float(df["total"].iloc[0]) for _, df in rows if not df.empty), 0.0)
    for row_label, df in rows:
        for part in df.itertuples(index=False):
            name = f"{part.label} (calculé)" if part.computed else part.label
            color = CATEGORY_COLORS.get(part.key, CATEGORY_COLORS["other"])
            marker: dict[str, object] = {"color": color, "line": {"color": "white", "width": 1}}
            if part.computed:
                marker["pattern"] = {"shape": COMPUTED_PATTERN, "fgcolor": "white", "size": 8, "solidity": 0.25}
            dark_text = part.computed or part.key in ("reconstitution", "autres")
            fig.add_trace(
                go.Bar(
                    x=[part.value],
                    y=[row_label],
                    orientation="h",
                    name=name,
                    legendgroup=name,
                    showlegend=name not in shown_in_legend,
                    marker=marker,
                    text=[f"<b>{html.escape(part.label)}</b><br>{part.printed}"],
                    textposition="inside",
                    insidetextanchor="middle",
                    textfont={"size": 12, "color": "#1f2933" if dark_text else "white"},
                    customdata=[f"{name} : {part.printed}{quote_html(part.quote)}"],
                    hovertemplate="<b>%{y}</b><br>%{customdata}<extra></extra>",
                )
            )
            shown_in_legend.add(name)
    fig.update_layout(barmode="stack", bargap=0.35, uniformtext={"minsize": 9, "mode": "hide"})
    fig.update_yaxes(categoryorder="array", categoryarray=[label for label, _ in rows][::-1], ticksuffix="  ")
    fig.update_xaxes(ticksuffix="\u00a0M€", range=[0, total * 1.005 if total else 1])
    title = "Répartition nationale des prêts engagés en 2024"
    return framed(
        fig,
        ctx,
        title=title if total_printed is None else f"{title} ({total_printed})",
        unit=unit_label("MEUR")
        + " · parts imprimées ; « Autres » hachuré = total national − parts imprimées (calculé)",
        height=height,
        legend=False,  # every segment is labelled; OPH and requalification share the theme's blue
    )

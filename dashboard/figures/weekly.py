"""Figures of the weekly views: changes since the last review, engagements vs disbursements over time,
remaining to disburse, disbursement lags, and the report's figures next to the extract's.

Pure builders: DataFrame (from `queries.weekly`) -> framed `go.Figure`. Amounts arrive in euros and
are drawn in M€; every label uses the French formats.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from ..formatting import MONTHS, format_value
from .bars import NOT_PUBLISHED, ChartContext
from .loans import framed
from .theme import CATEGORY_COLORS, MUTED_COLOR, TEXT_COLOR

MINUS = "\u2212"
ENGAGED, DISBURSED, REMAINING, RIGHTS = "engages", "decaisses", "reste", "droits"
#: The extract's bars repeat the report's colour, hatched (same measure, other source).
EXTRACT_PATTERN = {"shape": "/", "fgcolor": "white", "size": 7, "solidity": 0.35}
LABEL_FONT = {"size": 11}


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def meur(euros: object) -> float | None:
    """Euros -> millions of euros (None stays None)."""
    return None if _missing(euros) else float(euros) / 1e6  # type: ignore[arg-type]


def signed(value: object, unit: str, decimals: int | None = None) -> str:
    """`+1,41 M€`, `−38` (typographic minus); `0` without a sign; `—` when missing."""
    if _missing(value):
        return "—"
    number = float(value)  # type: ignore[arg-type]
    shown = round(number, decimals or 0)
    text = format_value(abs(shown), unit, decimals)
    if shown == 0:
        return text
    return ("+" if shown > 0 else MINUS) + text


def french_date(day: date | None) -> str:
    """`14/01/2025`."""
    return "" if day is None else f"{day:%d/%m/%Y}"


def period_label(period: date, grain: str, as_of: date | None = None) -> str:
    """`janvier 2025` or `2025`, with `(jusqu'au 14/01/2025)` for a period the snapshot date cuts short."""
    label = str(period.year) if grain == "year" else f"{MONTHS[period.month - 1]} {period.year}"
    if as_of is not None:
        end = date(period.year, 12, 31) if grain == "year" else _month_end(period)
        if period <= as_of < end:
            label += f" (jusqu'au {french_date(as_of)})"
    return label


def _month_end(day: date) -> date:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _category_axis(names: Sequence[str]) -> dict[str, object]:
    """A category axis with the first row on top."""
    return {"categoryorder": "array", "categoryarray": list(names)[::-1], "ticksuffix": "  "}


def _height(rows: int, per_row: int = 34, base: int = 190) -> int:
    return max(300, base + per_row * rows)


def delta_bars(df: pd.DataFrame, ctx: ChartContext, *, current: date, previous: date) -> go.Figure:
    """Change of the engaged and disbursed loans (M€) and of the reservation rights per section between
    two snapshots: grouped horizontal bars, report order, first section on top.

    `df` comes from `queries.weekly.region_deltas` (with a reference snapshot).
    """
    names = df["region_name"].tolist()
    traces: list[dict] = []
    # Horizontal groups stack their first trace at the bottom: disbursed first, engaged on top.
    for measure, label, color, rank in (
        ("disbursed", "Prêts décaissés", CATEGORY_COLORS[DISBURSED], 2),
        ("engaged", "Prêts engagés", CATEGORY_COLORS[ENGAGED], 1),
    ):
        before = [format_value(meur(v), "MEUR", 2) for v in df[f"{measure}_previous"]]
        after = [format_value(meur(v), "MEUR", 2) for v in df[f"{measure}_current"]]
        traces.append(
            {
                "x": [meur(v) for v in df[f"{measure}_delta"]],
                "name": f"{label} (M€)",
                "legendrank": rank,
                "marker": {"color": color},
                "text": [signed(meur(v), "MEUR", 2) for v in df[f"{measure}_delta"]],
                "customdata": list(zip(before, after, strict=True)),
                "hovertemplate": "<b>%{y}</b><br>"
                + label
                + " : %{text}<br>%{customdata[0]} → %{customdata[1]}<extra></extra>",
            }
        )
    traces.append(
        {
            "x": df["rights_delta"].astype(float).tolist(),
            "name": "Droits de réservation (nombre)",
            "legendrank": 3,
            "marker": {"color": CATEGORY_COLORS[RIGHTS]},
            "text": [signed(v, "COUNT", 0) for v in df["rights_delta"]],
            "customdata": [
                (format_value(float(p), "COUNT", 0), format_value(float(c), "COUNT", 0))
                for p, c in zip(df["rights_previous"], df["rights_current"], strict=True)
            ],
            "hovertemplate": "<b>%{y}</b><br>Droits de réservation : %{text}<br>"
            "%{customdata[0]} → %{customdata[1]}<extra></extra>",
            "xaxis": "x2",
            "yaxis": "y2",
        }
    )
    common = {"type": "bar", "y": names, "orientation": "h", "textposition": "outside", "textfont": LABEL_FONT}
    ranges = []
    for values, scale in (([*df["engaged_delta"], *df["disbursed_delta"]], 1e6), (list(df["rights_delta"]), 1)):
        numbers = [float(v) / scale for v in values if not _missing(v)]
        low, high = min([0.0, *numbers]), max([0.0, *numbers])
        span = (high - low) or 1.0
        ranges.append([low - 0.3 * span if low < 0 else 0, high + 0.3 * span])  # room for the outside labels
    # Two panels side by side sharing the section axis (what make_subplots builds, without its cost).
    panels = {"Prêts engagés et décaissés (M€)": (0.0, 0.608), "Droits de réservation (nombre)": (0.658, 1.0)}
    value_axis = {"showticklabels": False, "showgrid": False, "zeroline": True, "zerolinecolor": "#9CA3AF"}
    fig = go.Figure(
        data=[{**common, **trace, "cliponaxis": False} for trace in traces],
        layout={
            "xaxis": {"anchor": "y", "domain": panels["Prêts engagés et décaissés (M€)"], "range": ranges[0]}
            | value_axis,
            "yaxis": {
                "anchor": "x",
                "domain": [0.0, 1.0],
                "categoryorder": "array",
                "categoryarray": names[::-1],
                "ticksuffix": "  ",
            },
            "xaxis2": {"anchor": "y2", "domain": panels["Droits de réservation (nombre)"], "range": ranges[1]}
            | value_axis,
            "yaxis2": {"anchor": "x2", "domain": [0.0, 1.0], "matches": "y", "showticklabels": False},
            "annotations": [
                {
                    "text": title,
                    "x": (low + high) / 2,
                    "xref": "paper",
                    "xanchor": "center",
                    "y": 1.0,
                    "yref": "paper",
                    "yanchor": "bottom",
                    "yshift": 4,
                    "showarrow": False,
                    "font": {"size": 12, "color": MUTED_COLOR},
                }
                for title, (low, high) in panels.items()
            ],
            "barmode": "group",
            "bargap": 0.28,
            "bargroupgap": 0.05,
        },
    )
    return framed(
        fig,
        ctx,
        title="Évolution depuis la dernière revue, par territoire",
        unit=f"Instantané du {french_date(current)} comparé à celui du {french_date(previous)}",
        height=_height(len(df), 40, 200),
    )


def flows_chart(df: pd.DataFrame, ctx: ChartContext, *, grain: str, mode: str, as_of: date) -> go.Figure:
    """Engagements and disbursements per month or year (`grain`), as flows (bars) or running totals
    (`mode="cumul"`, lines), in M€.

    `df` comes from `queries.weekly.flows`.
    """
    periods = [pd.Timestamp(p).date() for p in df["period"]]
    labels = [period_label(p, grain, as_of) for p in periods]
    cumulative = mode == "cumul"
    traces = []
    for measure, label, color in (
        ("engaged", "Prêts engagés", CATEGORY_COLORS[ENGAGED]),
        ("disbursed", "Prêts décaissés", CATEGORY_COLORS[DISBURSED]),
    ):
        column = f"{measure}_cumul_eur" if cumulative else f"{measure}_eur"
        values = [meur(v) for v in df[column]]
        hover = (
            "<b>" + ("Cumul à fin " if cumulative else "") + "%{customdata[0]}</b><br>" + label + " : %{customdata[1]}"
        )
        trace = {
            "x": periods,
            "y": values,
            "name": label,
            "customdata": list(zip(labels, [format_value(v, "MEUR", 2) for v in values], strict=True)),
            "hovertemplate": hover + "<extra></extra>",
        }
        if cumulative:
            trace |= {
                "type": "scatter",
                "mode": "lines+markers" if grain == "year" else "lines",
                "line": {"color": color, "width": 3},
                "marker": {"size": 7},
            }
        else:
            trace |= {"type": "bar", "marker": {"color": color}}
            if grain == "year":
                trace |= {
                    "text": [format_value(v, "MEUR", 0) for v in df[f"{measure}_eur"].map(meur)],
                    "textposition": "outside",
                    "textfont": LABEL_FONT,
                    "cliponaxis": False,
                }
        traces.append(trace)
    fig = go.Figure(
        data=traces,
        layout={
            "barmode": "group",
            "bargap": 0.2 if grain == "year" else 0.1,
            "hovermode": "closest",
            "xaxis": {"tickformat": "%Y", "dtick": "M12", "ticklabelmode": "period" if grain == "month" else "instant"},
            "yaxis": {"separatethousands": True, "exponentformat": "none", "rangemode": "tozero"},
        },
    )
    what = "cumulés" if cumulative else ("par an" if grain == "year" else "par mois")
    fig = framed(
        fig,
        ctx,
        title=f"Prêts engagés et décaissés {what}",
        unit=f"En millions d'euros (M€) · extraction au {french_date(as_of)}"
        + (" · la dernière période est incomplète" if labels and "jusqu'au" in labels[-1] else ""),
        height=460,
    )
    fig.layout.xaxis.separatethousands = False  # dates
    return fig


def remaining_bars(df: pd.DataFrame, ctx: ChartContext, *, as_of: date) -> go.Figure:
    """Per section, engaged loans split into disbursed and remaining to disburse (M€), largest remainder
    on top.

    `df` comes from `queries.weekly.remaining`.
    """
    data = df.sort_values("remaining_eur", ascending=False, kind="stable")
    names = data["region_name"].tolist()
    shares = [
        None if _missing(r) or not e else 100 * float(r) / float(e)
        for r, e in zip(data["remaining_eur"], data["engaged_eur"], strict=True)
    ]
    engaged = [format_value(meur(v), "MEUR", 1) for v in data["engaged_eur"]]
    remaining_text = [
        f"{format_value(meur(v), 'MEUR', 1)} ({format_value(s, 'PCT', 0)})" if s is not None else "—"
        for v, s in zip(data["remaining_eur"], shares, strict=True)
    ]
    top = max([0.0, *[meur(v) or 0.0 for v in data["engaged_eur"]]])
    fig = go.Figure(
        data=[
            {
                "type": "bar",
                "x": [meur(v) for v in data["disbursed_eur"]],
                "y": names,
                "orientation": "h",
                "name": "Prêts décaissés",
                "marker": {"color": CATEGORY_COLORS[DISBURSED]},
                "customdata": list(
                    zip([format_value(meur(v), "MEUR", 1) for v in data["disbursed_eur"]], engaged, strict=True)
                ),
                "hovertemplate": "<b>%{y}</b><br>Décaissés : %{customdata[0]} sur %{customdata[1]} engagés"
                "<extra></extra>",
            },
            {
                "type": "bar",
                "x": [meur(v) for v in data["remaining_eur"]],
                "y": names,
                "orientation": "h",
                "name": "Reste à décaisser (calculé : engagés − décaissés)",
                "marker": {"color": CATEGORY_COLORS[REMAINING], "line": {"color": "#9CA3AF", "width": 1}},
                "text": remaining_text,
                "textposition": "outside",
                "textfont": LABEL_FONT,
                "cliponaxis": False,
                "customdata": list(zip(remaining_text, engaged, strict=True)),
                "hovertemplate": "<b>%{y}</b><br>Reste à décaisser : %{customdata[0]} des %{customdata[1]} engagés"
                "<extra></extra>",
            },
        ],
        layout={
            "barmode": "stack",
            "bargap": 0.3,
            "yaxis": _category_axis(names),
            "xaxis": {"range": [0, top * 1.22 or 1], "showgrid": True},
        },
    )
    return framed(
        fig,
        ctx,
        title="Reste à décaisser par territoire",
        unit=f"En millions d'euros (M€) · prêts engagés au {french_date(as_of)}, décaissés et restant à décaisser "
        "(part du montant engagé)",
        height=_height(len(data)),
    )


def lag_boxes(df: pd.DataFrame, ctx: ChartContext, *, as_of: date) -> go.Figure:
    """Days from engagement to each disbursement per section, as boxes drawn from quantiles
    (box p25-p75, line at the median, whiskers p10-p90, dashed line at the mean).

    `df` comes from `queries.weekly.lag_quantiles` (a few numbers per section: a small payload).
    """
    names = df["region_name"].tolist()

    def days(value: object) -> str:
        return format_value(round(float(value)), "COUNT", 0) + "\u00a0j"  # type: ignore[arg-type]

    hover = [
        f"{format_value(float(n), 'COUNT', 0)} décaissements<br>médiane : {days(p50)} · moyenne : {days(mean)}"
        f"<br>50 % entre {days(p25)} et {days(p75)}<br>80 % entre {days(p10)} et {days(p90)}"
        for n, p10, p25, p50, p75, p90, mean in zip(
            df["disbursement_count"],
            df["p10"],
            df["p25"],
            df["p50"],
            df["p75"],
            df["p90"],
            df["mean_days"],
            strict=True,
        )
    ]
    fig = go.Figure(
        data=[
            {
                "type": "box",
                "y": names,
                "q1": df["p25"].tolist(),
                "median": df["p50"].tolist(),
                "q3": df["p75"].tolist(),
                "lowerfence": df["p10"].tolist(),
                "upperfence": df["p90"].tolist(),
                "mean": df["mean_days"].tolist(),
                "orientation": "h",
                "name": "Délai de décaissement",
                "marker": {"color": CATEGORY_COLORS[DISBURSED]},
                "fillcolor": "rgba(0, 158, 115, 0.25)",
                "line": {"width": 2},
                "boxmean": True,
                "hoverinfo": "skip",
                "showlegend": False,
            },
            # French hover labels (the box's own are in English): an invisible point on each median.
            {
                "type": "scatter",
                "x": df["p50"].tolist(),
                "y": names,
                "mode": "markers",
                "marker": {"size": 14, "color": "rgba(0,0,0,0)"},
                "customdata": hover,
                "hovertemplate": "<b>%{y}</b><br>%{customdata}<extra></extra>",
                "showlegend": False,
                "name": "médiane",
            },
        ],
        layout={
            "yaxis": _category_axis(names),
            "xaxis": {"rangemode": "tozero", "ticksuffix": " j", "separatethousands": True},
        },
    )
    return framed(
        fig,
        ctx,
        title="Délai entre l'engagement et chaque décaissement",
        unit=f"En jours · extraction au {french_date(as_of)} · boîte : 25 % à 75 % des décaissements, trait : médiane, "
        "pointillé : moyenne, moustaches : 10 % à 90 %",
        height=_height(len(df)),
        legend=False,
    )


def report_vs_extract_bars(df: pd.DataFrame, ctx: ChartContext, *, period_label: str, report_label: str) -> go.Figure:
    """Per section, the engaged loans printed in the report next to the same sum over the extract's
    operations engaged within the report's period (M€), largest on top; unpublished ones say so.

    `df` comes from `queries.weekly.report_comparison`.
    """
    data = df.assign(_missing=df["report_engaged_cumul_meur"].isna()).sort_values(
        ["_missing", "report_engaged_cumul_meur"], ascending=[True, False], kind="stable"
    )
    names = data["region_name"].tolist()
    report = data["report_engaged_cumul_meur"]
    published = data[~data["_missing"]]
    top = max(
        [0.0, *published["report_engaged_cumul_meur"].astype(float), *[meur(v) or 0 for v in data["engaged_cumul_eur"]]]
    )
    # Horizontal groups stack their first trace at the bottom: the extract first, the report on top.
    fig = go.Figure(
        data=[
            {
                "type": "bar",
                "x": [meur(v) for v in data["engaged_cumul_eur"]],
                "y": names,
                "orientation": "h",
                "name": f"Extraction, opérations engagées {period_label} (calculé)",
                "legendrank": 2,
                "marker": {"color": CATEGORY_COLORS[ENGAGED], "pattern": EXTRACT_PATTERN},
                "text": [format_value(meur(v), "MEUR", 1) for v in data["engaged_cumul_eur"]],
                "textposition": "outside",
                "textfont": LABEL_FONT,
                "cliponaxis": False,
                "hovertemplate": "<b>%{y}</b><br>Extraction (calculé) : %{text}<extra></extra>",
            },
            {
                "type": "bar",
                "x": [0.0 if _missing(v) else float(v) for v in report],
                "y": names,
                "orientation": "h",
                "name": f"{report_label} (publié)",
                "legendrank": 1,
                "marker": {"color": CATEGORY_COLORS[ENGAGED]},
                "text": [f"bilan : {NOT_PUBLISHED}" if _missing(v) else format_value(float(v), "MEUR") for v in report],
                "textposition": "outside",
                "textfont": {**LABEL_FONT, "color": [MUTED_COLOR if _missing(v) else TEXT_COLOR for v in report]},
                "cliponaxis": False,
                "hovertemplate": "<b>%{y}</b><br>Bilan (publié) : %{text}<extra></extra>",
            },
        ],
        layout={
            "barmode": "group",
            "bargap": 0.25,
            "bargroupgap": 0.05,
            "yaxis": _category_axis(names),
            "xaxis": {"range": [0, top * 1.15 or 1]},
        },
    )
    return framed(
        fig,
        ctx,
        title="Prêts engagés : bilan publié et extraction",
        unit=f"En millions d'euros (M€) · cumul {period_label}",
        height=_height(len(data), 40, 200),
    )

"""Figures of the land counterparts (contreparties foncières): printed parts against printed totals.

Where the printed parts do not add up to the printed total, the figures show both and say so:
the printed total is drawn as its own mark, the computed sum is hatched and labelled "(calculé)".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from ..formatting import UNIT_SYMBOLS, format_value
from .bars import NOT_PUBLISHED, ChartContext, unit_label
from .theme import CATEGORY_COLORS, MUTED_COLOR, OKABE_ITO, TEXT_COLOR, figure, frame, merged, subplot_layout

OPERATOR_LABELS = {"fonciere_logement": "Foncière Logement", "esh_groupe": "ESH du Groupe"}
OPERATOR_COLUMNS = {"fonciere_logement": "cf_fonciere_logement", "esh_groupe": "cf_esh_groupe"}
OPERATOR_TEXTS = {"fonciere_logement": ("fl_text", "fl_pct_text"), "esh_groupe": ("esh_text", "esh_pct_text")}
#: Colour of a printed total (a reference mark, not a category).
TOTAL_COLOR = CATEGORY_COLORS["national"]
#: Colour of a computed sum, drawn hatched.
SUM_COLOR = "#9CA3AF"
#: Colour of the territories of Outre-Mer (one series, compared with the totals).
TERRITORY_COLOR = OKABE_ITO["blue"]
WARNING_COLOR = OKABE_ITO["vermillion"]
SUM_LABEL = "Somme (calculé)"
#: Space between a bar end (and its total tick) and the label written after it.
LABEL_PAD = "\u2002"
PRINTED_LABEL = "Total publié"


def _missing(value: object) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def printed_text(qualifier: object, value_text: object, unit: str = "COUNT") -> str:
    """A figure as the report prints it (`plus de 1 400`, `502 M€`); `non publié` when absent."""
    if _missing(value_text) or value_text == "":
        return NOT_PUBLISHED
    hedge = "" if _missing(qualifier) or not qualifier else f"{qualifier} "
    symbol = UNIT_SYMBOLS.get(unit, "")
    return f"{hedge}{value_text}" + (f"\u00a0{symbol}" if symbol else "")


def _pct(text: object) -> str:
    return "part non publiée" if _missing(text) or text == "" else f"{text}\u00a0% publié"


def _signed(value: float, unit: str) -> str:
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return sign + format_value(abs(value), unit)


def sections_figure(df: pd.DataFrame, ctx: ChartContext, *, operators: Sequence[str] = ()) -> go.Figure:
    """Stacked bars per metropolitan section (Foncière Logement, ESH du Groupe), with the printed
    total as a black tick; sections whose operators do not add up to it are flagged in red.

    `df` comes from `queries.land.section_counterparts`; `operators` (default both) selects the series.
    """
    shown = [o for o in OPERATOR_COLUMNS if not operators or o in operators] or list(OPERATOR_COLUMNS)
    data = df.copy()
    for column in ("cf_total", *OPERATOR_COLUMNS.values(), "parts_sum", "gap"):
        data[column] = pd.to_numeric(data[column], errors="coerce").astype("float64")
    names = data["region_name"].tolist()
    fig = figure()
    for operator in shown:
        column = OPERATOR_COLUMNS[operator]
        text_col, pct_col = OPERATOR_TEXTS[operator]
        printed = [printed_text(None, t) for t in data[text_col]]
        hover = [
            f"{p} ({_pct(pct)})<br>Total publié : {printed_text(None, total)}"
            for p, pct, total in zip(printed, data[pct_col], data["total_text"], strict=True)
        ]
        fig.add_trace(
            go.Bar(
                x=data[column],
                y=names,
                orientation="h",
                name=OPERATOR_LABELS[operator],
                marker_color=CATEGORY_COLORS[operator],
                text=printed,
                textposition="inside",
                insidetextanchor="middle",
                textangle=0,
                textfont={"color": "white"},
                customdata=list(zip(data["region_code"], hover, strict=True)),
                hovertemplate="<b>%{y}</b><br>" + OPERATOR_LABELS[operator] + " : %{customdata[1]}<extra></extra>",
            )
        )
    # The printed total as a vertical tick: where the parts overshoot it, it shows inside the bar.
    fig.add_trace(
        go.Scatter(
            x=data["cf_total"],
            y=names,
            mode="markers",
            name="Total publié (repère)",
            marker={"symbol": "line-ns", "size": 26, "line": {"width": 3, "color": TOTAL_COLOR}, "color": TOTAL_COLOR},
            customdata=[printed_text(None, t) for t in data["total_text"]],
            hovertemplate="<b>%{y}</b><br>Total publié : %{customdata}<extra></extra>",
        )
    )
    shown_sum = data[[OPERATOR_COLUMNS[o] for o in shown]].sum(axis=1, min_count=1)
    label_x = pd.concat([data["cf_total"], shown_sum], axis=1).max(axis=1).fillna(0)
    labels, colors = [], []
    for row, total_text in zip(data.itertuples(index=False), data["total_text"], strict=True):
        if _missing(row.cf_total):
            labels.append(f"{LABEL_PAD}total non publié")
            colors.append(MUTED_COLOR)
        elif not _missing(row.gap) and row.gap != 0:
            labels.append(
                f"{LABEL_PAD}<b>{printed_text(None, total_text)}</b> publié ⚠ opérateurs : "
                f"{format_value(row.parts_sum, 'COUNT')} ({_signed(row.gap, 'COUNT')}, calculé)"
            )
            colors.append(WARNING_COLOR)
        else:
            labels.append(f"{LABEL_PAD}<b>{printed_text(None, total_text)}</b>")
            colors.append(TEXT_COLOR)
    fig.add_trace(
        go.Scatter(
            x=label_x,
            y=names,
            mode="text",
            text=labels,
            textposition="middle right",
            textfont={"color": colors, "size": 12},
            showlegend=False,
            hoverinfo="skip",
        )
    )
    mismatched = data[data["gap"].fillna(0) != 0]
    if not mismatched.empty:
        fig.add_annotation(
            text="⚠ Somme des opérateurs ≠ total publié : "
            + ", ".join(mismatched["region_name"])
            + ". Les deux sont affichés tels que publiés.",
            xref="paper",
            yref="paper",
            x=1,
            y=1,
            yshift=4,
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            font={"size": 11, "color": WARNING_COLOR},
        )
    top = float(label_x.max()) if len(label_x) else 0.0
    fig.update_layout(barmode="stack", uniformtext={"minsize": 9, "mode": "hide"}, bargap=0.3)
    fig.update_yaxes(categoryorder="array", categoryarray=names[::-1])
    fig.update_xaxes(range=[0, top * 1.42 if top else 1], showgrid=True, tickformat=",d")
    return framed(
        fig,
        extra_bottom=18,
        title="Contreparties foncières par section et par opérateur",
        unit="En équivalents logements, au 31/12/2024 · repère noir : total publié",
        source_line=ctx.source_line,
        data_date=ctx.data_date,
        synthetic=ctx.synthetic,
        height=max(360, 150 + 38 * len(data)),
    )


def _comparison_rows(
    parts: pd.DataFrame, *, label: str, printed_value: object, printed: str, unit: str
) -> tuple[list[str], list[float | None], list[str], list[str]]:
    """Category, value, text and colour of the "sum (computed)" and "printed total" bars."""
    values = pd.to_numeric(parts["value"], errors="coerce").dropna()
    total = float(values.sum()) if len(values) else None
    partial = "" if len(values) == len(parts) else f", {len(values)} sur {len(parts)} publiés"
    sum_text = NOT_PUBLISHED if total is None else format_value(total, unit)
    printed_number = None if _missing(printed_value) else float(printed_value)  # type: ignore[arg-type]
    return (
        [f"{label} (calculé{partial})", PRINTED_LABEL],
        [total, printed_number],
        [sum_text, printed],
        [SUM_COLOR, TOTAL_COLOR],
    )


def _gap_note(total: float | None, printed: float | None, unit: str, *, short: bool = False) -> str:
    if total is None or printed is None:
        return "total non publié" if short else "Comparaison impossible : total non publié"
    gap = total - printed
    if abs(gap) < 1e-9:
        return "Somme = total publié"
    if short:
        return f"⚠ Écart : {_signed(gap, unit)} (calculé)"
    return f"⚠ Écart somme − total publié : {_signed(gap, unit)} (calculé)"


def overseas_operators_figure(operators: pd.DataFrame, total: pd.Series, ctx: ChartContext) -> go.Figure:
    """The five overseas operators, then their sum (computed, hatched) and the printed Outre-Mer total.

    `operators` comes from `queries.land.overseas_operators`; `total` is the `contreparties_foncieres`
    row of `queries.land.overseas_printed_totals`.
    """
    names = operators["label"].tolist()
    values = pd.to_numeric(operators["value"], errors="coerce").astype("float64")
    printed = [printed_text(q, t) for q, t in zip(operators["qualifier"], operators["value_text"], strict=True)]
    fig = figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker_color=[CATEGORY_COLORS.get(m, CATEGORY_COLORS["other"]) for m in operators["member"]],
            marker_line={"color": "#4B5563", "width": 0.6},
            text=printed,
            textposition="outside",
            cliponaxis=False,
            name="Opérateurs",
            showlegend=False,
            customdata=printed,
            hovertemplate="<b>%{y}</b><br>%{customdata} équivalents logements (publié)<extra></extra>",
        )
    )
    categories, sums, texts, colors = _comparison_rows(
        operators,
        label="Somme des 5 opérateurs",
        printed_value=total.get("value"),
        printed=printed_text(total.get("qualifier"), total.get("value_text")),
        unit="COUNT",
    )
    categories[1] = "Total Outre-Mer publié"
    fig.add_trace(_comparison_bar(categories, sums, texts, colors))
    note = _gap_note(sums[0], sums[1], "COUNT")
    fig.add_annotation(
        text=note,
        xref="paper",
        yref="paper",
        x=1,
        y=1,
        yshift=4,
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font={"size": 12, "color": WARNING_COLOR if note.startswith("⚠") else MUTED_COLOR},
    )
    order = [*names, *categories]
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1])
    fig.update_xaxes(range=[0, _top(values.tolist() + sums) * 1.18], tickformat=",d")
    return framed(
        fig,
        title="Outre-Mer : contreparties par opérateur",
        unit="En équivalents logements, au 31/12/2024",
        source_line=ctx.source_line,
        data_date=ctx.data_date,
        synthetic=ctx.synthetic,
        legend=False,
        height=400,
    )


def framed(
    fig: go.Figure,
    *,
    wrap_source: bool = False,
    extra_bottom: int = 0,
    layout: Mapping[str, object] | None = None,
    **kwargs: object,
) -> go.Figure:
    """`theme.frame`, with the two-line title kept inside short figures (its default `y` is relative,
    which clips the title of figures under ~500 px); `layout` is applied last, as `update_layout`.

    With `wrap_source` the source line is split over three lines (publisher, title, data date), so
    that it stays whole in a half-width chart; `extra_bottom` adds room (px) between the legend and
    the source line.
    """
    source_line, data_date = str(kwargs["source_line"]), str(kwargs["data_date"])
    publisher, _, title = source_line.partition(", ")
    extra = extra_bottom + ((28 if title else 14) if wrap_source else 0)
    source_text = None
    if wrap_source:
        source_text = "<br>".join([f"{publisher},", title, data_date] if title else [source_line, data_date])
    height = float(kwargs.get("height") or 460)  # type: ignore[arg-type]
    changes: dict[str, object] = {"title": {"y": 1 - 24 / height}}
    return frame(
        fig,
        source_text=source_text,
        extra_bottom=extra,
        layout=merged(changes, layout) if layout else changes,
        **kwargs,  # type: ignore[arg-type]
    )


def _top(values: Sequence[float | None]) -> float:
    finite = [v for v in values if not _missing(v)]
    return max(finite) if finite else 1.0


def _comparison_bar(
    categories: list[str], values: list[float | None], texts: list[str], colors: list[str], **axes: str
) -> go.Bar:
    """The sum (hatched, computed) and printed-total bars under the detail bars (`axes`: `xaxis`, `yaxis`)."""
    hover = ["valeur calculée (somme des parties)", "chiffre publié dans le rapport"]
    return go.Bar(
        x=[float("nan") if v is None else v for v in values],
        y=categories,
        orientation="h",
        marker={
            "color": ["white", colors[1]],
            "line": {"color": [colors[0], colors[1]], "width": 1.5},
            "pattern": {"shape": ["/", ""], "fgcolor": colors[0], "size": 6},
        },
        text=texts,
        textposition="outside",
        cliponaxis=False,
        showlegend=False,
        customdata=list(zip(texts, hover, strict=True)),
        hovertemplate="<b>%{y}</b><br>%{customdata[0]}<br><i>%{customdata[1]}</i><extra></extra>",
        **axes,
    )


def drom_figure(details: pd.DataFrame, totals: pd.DataFrame, ctx: ChartContext) -> go.Figure:
    """One panel per measure (QPV, concours alloués, contreparties): the five territories, their sum
    (computed, hatched) and the printed Outre-Mer total, with the gap written above each panel.

    `details` comes from `queries.land.drom_details`, `totals` from `queries.land.overseas_printed_totals`.
    """
    measures = totals["measure"].tolist()
    short = {"qpv": "QPV", "concours_alloues": "Concours alloués (M€)", "contreparties_foncieres": "Contreparties"}
    # The panels' axes and titles, then every change to them in one dict: each of plotly's `update_*`
    # calls costs about a millisecond.
    layout = subplot_layout(
        rows=1,
        cols=len(measures),
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=tuple(short.get(m, label) for m, label in zip(measures, totals["measure_label"], strict=True)),
    )
    traces = []
    territory_names: list[str] = []
    categories: list[str] = []
    for index, total in enumerate(totals.itertuples(index=False), start=1):
        suffix = "" if index == 1 else str(index)
        parts = details[details["measure"] == total.measure]
        territory_names = parts["territory_name"].tolist()
        unit = total.unit
        values = pd.to_numeric(parts["value"], errors="coerce").astype("float64")
        printed = [printed_text(q, t, unit) for q, t in zip(parts["qualifier"], parts["value_text"], strict=True)]
        traces.append(
            go.Bar(
                x=values,
                y=territory_names,
                orientation="h",
                marker_color=TERRITORY_COLOR,
                text=printed,
                textposition="outside",
                cliponaxis=False,
                showlegend=False,
                name=total.measure_label,
                customdata=printed,
                hovertemplate="<b>%{y}</b><br>" + total.measure_label + " : %{customdata}<extra></extra>",
                xaxis=f"x{suffix}",
                yaxis=f"y{suffix}",
            )
        )
        categories, sums, texts, colors = _comparison_rows(
            parts,
            label="Somme des 5 territoires",
            printed_value=total.value,
            printed=printed_text(total.qualifier, total.value_text, unit),
            unit=unit,
        )
        categories[1] = "Total Outre-Mer publié"
        traces.append(_comparison_bar(categories, sums, texts, colors, xaxis=f"x{suffix}", yaxis=f"y{suffix}"))
        note = _gap_note(sums[0], sums[1], unit, short=True)
        layout[f"xaxis{suffix}"] |= {"range": [0, _top(values.tolist() + sums) * 1.35], "showticklabels": False}
        layout["annotations"].append(
            {
                "text": note,
                "xref": f"x{suffix} domain",
                "yref": "paper",
                "x": 0,
                "y": -0.02,
                "xanchor": "left",
                "yanchor": "top",
                "showarrow": False,
                "font": {"size": 11, "color": WARNING_COLOR if note.startswith("⚠") else MUTED_COLOR},
            }
        )
    order = [*territory_names, *categories]
    for name in [key for key in layout if key.startswith("yaxis")]:
        layout[name] |= {"categoryorder": "array", "categoryarray": order[::-1]}
    # Subplot titles sit left-aligned above each panel, like the figure title.
    for index, annotation in enumerate(layout["annotations"][: len(measures)], start=1):
        domain = layout["xaxis" if index == 1 else f"xaxis{index}"]["domain"]
        annotation |= {"x": domain[0], "xanchor": "left", "font": {"size": 13, "color": TEXT_COLOR}}
    return framed(
        figure(traces, layout),
        title="Outre-Mer : chiffres par territoire et total publié",
        unit="Au 31/12/2024 · hachuré : somme calculée · noir : total publié",
        source_line=ctx.source_line,
        data_date=ctx.data_date,
        synthetic=ctx.synthetic,
        legend=False,
        height=420,
        layout={"margin": {"t": 110, "b": 90}},
    )


def drom_table_rows(details: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """The per-territory table: one row per territory, then the computed sum, the printed total and
    the gap; one column per measure, as French display text."""
    rows: list[dict[str, str]] = []
    measures = totals.to_dict("records")
    territories = details.drop_duplicates("territory_code")[["territory_code", "territory_name"]]
    for territory in territories.itertuples(index=False):
        row = {"Territoire": territory.territory_name}
        for total in measures:
            match = details[
                (details["territory_code"] == territory.territory_code) & (details["measure"] == total["measure"])
            ]
            fact = match.iloc[0] if not match.empty else None
            row[total["measure_label"]] = (
                NOT_PUBLISHED if fact is None else printed_text(fact["qualifier"], fact["value_text"], total["unit"])
            )
        rows.append(row)
    sums = {"Territoire": "Somme des 5 territoires (calculé)"}
    printed = {"Territoire": "Total Outre-Mer publié"}
    gaps = {"Territoire": "Écart somme − publié (calculé)"}
    for total in measures:
        values = pd.to_numeric(details[details["measure"] == total["measure"]]["value"], errors="coerce").dropna()
        part_sum = float(values.sum()) if len(values) else None
        printed_value = None if _missing(total["value"]) else float(total["value"])
        label = total["measure_label"]
        sums[label] = NOT_PUBLISHED if part_sum is None else format_value(part_sum, total["unit"])
        printed[label] = printed_text(total["qualifier"], total["value_text"], total["unit"])
        gaps[label] = (
            "—"
            if part_sum is None or printed_value is None
            else ("0" if part_sum == printed_value else _signed(part_sum - printed_value, total["unit"]))
        )
    return pd.DataFrame([*rows, sums, printed, gaps])


def national_figure(national: pd.DataFrame, ctx: ChartContext) -> go.Figure:
    """The printed national totals (France entière) against the computed sum of the 13 sections.

    `national` comes from `queries.land.national_counterparts`.
    """
    categories, values, texts, colors, patterns, hovers = [], [], [], [], [], []
    for row in national.itertuples(index=False):
        where = "Édito" if row.section == "edito" else f"partie {row.section}"
        categories.append(f"France entière, publié ({where})")
        values.append(float(row.value))
        texts.append(printed_text(row.qualifier, row.value_text))
        colors.append(TOTAL_COLOR if _missing(row.qualifier) else "#6B7280")
        patterns.append("")
        hovers.append("chiffre publié dans le rapport")
    sections_sum = None if national.empty else national["sections_sum"].iloc[0]
    count = 0 if national.empty else int(national["sections_count"].iloc[0])
    if sections_sum is not None and not _missing(sections_sum):
        categories.append(f"Somme des {count} sections (calculé)")
        values.append(float(sections_sum))
        texts.append(format_value(float(sections_sum), "COUNT"))
        colors.append(SUM_COLOR)
        patterns.append("/")
        hovers.append("valeur calculée (somme des totaux publiés des sections)")
    fig = figure(
        go.Bar(
            x=values,
            y=categories,
            orientation="h",
            marker={
                "color": [c if p == "" else "white" for c, p in zip(colors, patterns, strict=True)],
                "line": {"color": colors, "width": 1.5},
                "pattern": {"shape": patterns, "fgcolor": SUM_COLOR, "size": 6},
            },
            text=texts,
            textposition="outside",
            cliponaxis=False,
            showlegend=False,
            customdata=list(zip(texts, hovers, strict=True)),
            hovertemplate="<b>%{y}</b><br>%{customdata[0]}<br><i>%{customdata[1]}</i><extra></extra>",
        )
    )
    exact = national[national["qualifier"].isna()] if not national.empty else national
    if not exact.empty and sections_sum is not None and not _missing(sections_sum):
        note = _gap_note(float(sections_sum), float(exact["value"].iloc[0]), "COUNT")
        fig.add_annotation(
            text=note.replace("total publié", "total national publié"),
            xref="paper",
            yref="paper",
            x=1,
            y=1,
            yshift=4,
            xanchor="right",
            yanchor="bottom",
            showarrow=False,
            font={"size": 12, "color": WARNING_COLOR if note.startswith("⚠") else MUTED_COLOR},
        )
    fig.update_yaxes(categoryorder="array", categoryarray=categories[::-1])
    fig.update_xaxes(range=[0, _top(values) * 1.15], tickformat=",d")
    return framed(
        fig,
        title="France entière : total publié et somme des sections",
        unit=unit_label("COUNT") + " d'équivalents logements, au 31/12/2024",
        source_line=ctx.source_line,
        data_date=ctx.data_date,
        synthetic=ctx.synthetic,
        legend=False,
        height=300,
    )

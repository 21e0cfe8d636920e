"""Figures of the reservation-rights page: rights per section by family, national figures vs sections.

Pure builders: DataFrame (from `queries.rights`) -> framed `go.Figure`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from ..filters import FAMILLES
from ..formatting import format_value
from .bars import ChartContext, unit_label
from .loans import (
    COMPUTED_PATTERN,
    LABEL_FONT,
    framed,
    is_missing,
    not_published_trace,
    printed_or_missing,
    quote_html,
)
from .theme import CATEGORY_COLORS, figure

FAMILLE_LABELS = {"requalification": "Requalification", "reconstitution": "Reconstitution de l'offre"}
#: Row labels of the national comparison, by key of `queries.rights.NATIONAL_RIGHTS`.
NATIONAL_LABELS = {"total": "Total", **FAMILLE_LABELS}
#: Marks a section or figure that a reconciliation finding disputes.
FLAG = "⚠"


def _share_text(printed_pct: object, share: object, contradicted: bool) -> str:
    printed = printed_or_missing(printed_pct)
    computed = "non calculable" if is_missing(share) else format_value(round(float(share), 1), "PCT", 1)
    flag = f" {FLAG} écart relevé" if contradicted else ""
    return f"Part : imprimé : {printed} · calculé : {computed}{flag}"


def rights_section_bars(
    df: pd.DataFrame,
    ctx: ChartContext,
    *,
    familles: Sequence[str] = FAMILLES,
    vue: str = "nombre",
    height: int | None = None,
) -> go.Figure:
    """Reservation rights per section, one stacked horizontal bar per section and one segment per
    selected family: printed counts (`vue="nombre"`) or shares of the two families' counts
    (`vue="part"`, a 100 % view). The hover gives the printed count, the printed percentage and
    the computed share; a section whose printed percentage is disputed is marked ⚠.

    `df` comes from `queries.rights.rights_by_section`.
    """
    familles = [f for f in FAMILLES if f in (familles or FAMILLES)]
    percent = vue == "part"
    data = df.copy()
    data["_selected"] = data[familles].sum(axis=1, min_count=1)
    sort_column = f"{familles[0]}_share" if percent else "_selected"
    data = data.assign(_missing=data[sort_column].isna()).sort_values(
        ["_missing", sort_column], ascending=[True, False], kind="stable"
    )
    flagged = data[[f"{f}_pct_contradicted" for f in FAMILLES] + [f"{f}_contradicted" for f in FAMILLES]].any(axis=1)
    names = [f"{n} {FLAG}" if flag else n for n, flag in zip(data["region_name"], flagged, strict=True)]
    fig = figure()
    for famille in familles:
        counts = data[famille]
        shares = data[f"{famille}_share"]
        printed = [printed_or_missing(p) for p in data[f"{famille}_printed"]]
        hover = [
            f"{FAMILLE_LABELS[famille]} : {p} (imprimé)"
            + (f" {FLAG} contredit ailleurs dans le rapport" if cc else "")
            + f"<br>{_share_text(pp, s, c)}{quote_html(q)}"
            for p, cc, pp, s, c, q in zip(
                printed,
                data[f"{famille}_contradicted"],
                data[f"{famille}_pct_printed"],
                shares,
                data[f"{famille}_pct_contradicted"],
                data[f"{famille}_quote"],
                strict=True,
            )
        ]
        if percent:
            x = [None if is_missing(s) else round(float(s), 1) for s in shares]
            text = [None if is_missing(s) else format_value(round(float(s), 1), "PCT", 1) for s in shares]
        else:
            x = [None if is_missing(v) else float(v) for v in counts]
            text = [None if is_missing(v) else p for v, p in zip(counts, printed, strict=True)]
        fig.add_trace(
            go.Bar(
                x=x,
                y=names,
                orientation="h",
                name=FAMILLE_LABELS[famille],
                marker_color=CATEGORY_COLORS[famille],
                text=text,
                textposition="inside",
                insidetextanchor="middle",
                textfont={"size": 11, "color": "white" if famille == "requalification" else "#1f2933"},
                customdata=[[c, h] for c, h in zip(data["region_code"], hover, strict=True)],
                hovertemplate="<b>%{y}</b><br>%{customdata[1]}<extra></extra>",
            )
        )
    if not percent and len(familles) == len(FAMILLES):
        shown = data[data["_selected"].notna()]
        shown_names = [n for n, ok in zip(names, data["_selected"].notna(), strict=True) if ok]
        fig.add_trace(
            go.Scatter(
                x=shown["_selected"],
                y=shown_names,
                mode="text",
                text=[f"<b>{printed_or_missing(t)}</b>" for t in shown["total_printed"]],
                textposition="middle right",
                textfont=LABEL_FONT,
                cliponaxis=False,
                showlegend=False,
                customdata=[
                    f"Total imprimé : {printed_or_missing(t)}{quote_html(q)}"
                    for t, q in zip(shown["total_printed"], shown["total_quote"], strict=True)
                ],
                hovertemplate="<b>%{y}</b><br>%{customdata}<extra></extra>",
                name="Total imprimé",
            )
        )
    missing = [n for n, m in zip(names, data["_missing"], strict=True) if m]
    if missing:
        fig.add_trace(not_published_trace(missing, "Droits de réservation non publiés pour ce territoire"))
    fig.update_layout(barmode="stack", bargap=0.3, uniformtext={"minsize": 9, "mode": "hide"})
    fig.update_yaxes(categoryorder="array", categoryarray=names[::-1], ticksuffix="  ")
    if percent:
        fig.update_xaxes(range=[0, 100], ticksuffix="\u00a0%", dtick=20)
    else:
        top = data["_selected"].max()
        fig.update_xaxes(range=[0, (1 if is_missing(top) else float(top)) * 1.1])
    return framed(
        fig,
        ctx,
        title="Droits de réservation par territoire et famille d'opération",
        unit=(
            "En % des droits de chaque territoire (calculé à partir des nombres imprimés)"
            if percent
            else unit_label("COUNT") + " de droits contractualisés au 31/12/2024, tels que publiés"
        ),
        height=height or max(340, 150 + 34 * len(names)),
        legend_order="normal",
    )


def national_vs_sections(df: pd.DataFrame, ctx: ChartContext, *, height: int = 340) -> go.Figure:
    """The national reservation-rights figures as printed next to the sum of the 13 sections
    (computed, hatched); a figure disputed by a reconciliation finding is marked ⚠.

    `df` comes from `queries.rights.national_rights` (rows with a section sum are drawn).
    """
    data = df[df["regions_sum"].notna()]
    labels = [NATIONAL_LABELS.get(k, label) for k, label in zip(data["key"], data["label"], strict=True)]
    names = [f"{label} {FLAG}" if ids else label for label, ids in zip(labels, data["finding_ids"], strict=True)]
    fig = figure()
    sums = [format_value(v, "COUNT") for v in data["regions_sum"]]
    gaps = [
        ""
        if is_missing(n)
        else f"<br>Écart à la France entière : {'+' if s >= n else '−'}{format_value(abs(s - n), 'COUNT')} (calculé)"
        for s, n in zip(data["regions_sum"], data["value"], strict=True)
    ]
    fig.add_trace(
        go.Bar(
            x=data["regions_sum"],
            y=names,
            orientation="h",
            name="Somme des 13 territoires (calculé)",
            marker={
                "color": CATEGORY_COLORS["other"],
                "pattern": {"shape": COMPUTED_PATTERN, "fgcolor": "white", "size": 7},
            },
            text=sums,
            textposition="outside",
            textfont=LABEL_FONT,
            cliponaxis=False,
            customdata=[f"Somme des 13 territoires : {s} (calculé){g}" for s, g in zip(sums, gaps, strict=True)],
            hovertemplate="<b>%{y}</b><br>%{customdata}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=data["value"],
            y=names,
            orientation="h",
            name="France entière (imprimé)",
            marker_color=CATEGORY_COLORS["national"],
            text=[printed_or_missing(p) for p in data["printed"]],
            textposition="outside",
            textfont=LABEL_FONT,
            cliponaxis=False,
            customdata=[
                f"France entière : {printed_or_missing(p)} (imprimé){quote_html(q)}"
                for p, q in zip(data["printed"], data["quote"], strict=True)
            ],
            hovertemplate="<b>%{y}</b><br>%{customdata}<extra></extra>",
        )
    )
    top = data[["value", "regions_sum"]].max().max()
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.08)
    fig.update_yaxes(categoryorder="array", categoryarray=names[::-1], ticksuffix="  ")
    fig.update_xaxes(range=[0, (1 if is_missing(top) else float(top)) * 1.2])
    return framed(
        fig,
        ctx,
        title="Chiffres nationaux publiés et somme des territoires",
        unit="Droits de réservation contractualisés au 31/12/2024, en nombre",
        height=height,
        legend_order="reversed",
    )

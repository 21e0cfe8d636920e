"""Droits de réservation: reservation rights per section and family, and the national figures as printed."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import Output, html

from .. import db, ids
from ..components.chart_card import cached_figure, chart_card, sized
from ..components.controls import famille_control, filter_bar, regions_control, vue_control
from ..components.kpi import printed_kpi_card
from ..components.plain_elements import Element, PlainElements, element
from ..exports import register_export
from ..figures.bars import NOT_PUBLISHED
from ..figures.loans import is_missing
from ..figures.rights import FAMILLE_LABELS, FLAG, national_vs_sections, rights_section_bars
from ..filters import FAMILLES, Filters, from_query
from ..formatting import format_value
from ..on_filters import filters_callback, page_filters
from ..queries.common import for_regions, section_codes
from ..queries.loans import NATIONAL, candidate_facts, pick
from ..queries.rights import (
    ENGAGED,
    MEASURE,
    RIGHTS_MEASURES,
    national_rights,
    rights_by_section,
    rights_findings,
)
from .overview import chart_context, section_regions
from .prets import findings_list

SECTIONS = "droits-territoires"
NATIONAL_CHART = "droits-national"
NATIONAL_HEIGHT = 360
GROUPS = (
    ("contractualises", "Droits contractualisés au 31/12/2024"),
    ("engages", "Droits engagés (conventions de financement et de réservation signées)"),
)


def _printed_fact(candidates: pd.DataFrame, measure: str, period: str, **kwargs: str | bool) -> str | None:
    facts = pick(candidates, measure, period, territories=[NATIONAL], **kwargs)  # type: ignore[arg-type]
    return None if facts.empty else facts.iloc[0]["printed"]


def _details(row: pd.Series, candidates: pd.DataFrame) -> tuple[str | None, str]:
    """The line under a national card: sum of the sections (flagged if disputed) or a printed context."""
    flag = f" · {FLAG} incohérence relevée" if row["finding_ids"] else ""
    if not is_missing(row["regions_sum"]):
        partial = "" if row["regions_count"] == row["regions_total"] else f" ({row['regions_count']} publiés)"
        text = f"Somme des {row['regions_total']} territoires{partial} : {format_value(row['regions_sum'], 'COUNT')}"
        return text + flag, "text-danger fw-semibold" if flag else "text-muted"
    context = {
        "variation": ("Fin 2023 : ", MEASURE, "@2023-12-31", {}),
        "engages_cumul": ("Fin 2023 : ", ENGAGED, "2018..2023", {}),
        "engages_2024": (
            "dont en zones tendues : ",
            ENGAGED,
            "2024",
            {"dimension": "zone_tension", "member": "tendue"},
        ),
    }.get(str(row["key"]))
    if context is None:
        return (flag.lstrip(" ·") or None), "text-danger fw-semibold" if flag else "text-muted"
    prefix, measure, period, kwargs = context
    printed = _printed_fact(candidates, measure, period, **kwargs)
    if printed is None:
        return None, "text-muted"
    if kwargs:
        share = _printed_fact(candidates, measure, period, percent=True, **kwargs)
        printed += f" ({share})" if share else ""
    return f"{prefix}{printed}{flag}", "text-muted"


# The page's data, read once per opened database files: one query gives every rights fact they pick from.


def rights_facts(cur) -> pd.DataFrame:
    return candidate_facts(cur, RIGHTS_MEASURES)


def _national(cur) -> pd.DataFrame:
    return national_rights(cur, candidates=db.cached(rights_facts))


def _by_section(cur) -> pd.DataFrame:
    return rights_by_section(cur, candidates=db.cached(rights_facts))


def _card_details(_cur) -> dict[str, tuple[str | None, str]]:
    """The line under each national card, by key."""
    candidates = db.cached(rights_facts)
    return {str(row["key"]): _details(row, candidates) for _, row in db.cached(_national).iterrows()}


def national_cards(data: pd.DataFrame) -> html.Div:
    """National figures as printed (`queries.rights.national_rights`), grouped (contractualised,
    engaged), each with its quote."""
    details = db.cached(_card_details)
    blocks = []
    for group, title in GROUPS:
        cards = []
        for _, row in data[data["group"] == group].iterrows():
            detail, detail_class = details[str(row["key"])]
            cards.append(printed_kpi_card(f"droits-kpi-{row['key']}", row, detail=detail, detail_class=detail_class))
        blocks.extend([html.H3(title, className="h6 text-secondary mt-2"), dbc.Row(cards)])
    return html.Div(blocks)


def _national_figure(_cur) -> dict[str, object]:
    """The national figures against the sum of the sections, as plotly JSON (from cached results: it
    only depends on the database)."""
    return national_vs_sections(db.cached(_national), chart_context(), height=NATIONAL_HEIGHT).to_plotly_json()


def layout(**query: str) -> html.Div:
    filters = from_query(query, db.cached(section_codes))
    national = db.cached(_national)
    national_findings = db.cached(rights_findings, national_only=True)
    return html.Div(
        [
            html.H1("Droits de réservation", className="h3"),
            html.P(
                "En contrepartie de ses prêts, Action Logement réserve des logements pour des salariés. Les droits "
                "sont répartis selon la famille d'opération qui les a générés : requalification ou reconstitution "
                "de l'offre. Chiffres tels que publiés (survolez une carte pour sa citation).",
                className="text-muted",
            ),
            html.H2("France entière", className="h5 mt-3"),
            national_cards(national),
            dbc.Alert(
                PlainElements(findings_list(national_findings, "les droits de réservation nationaux")),
                color="warning" if not national_findings.empty else "light",
                className="py-2",
                id=ids.RIGHTS_FINDINGS,
            ),
            chart_card(
                NATIONAL_CHART,
                "droits-national-et-territoires",
                db.cached(_national_figure),
                height=NATIONAL_HEIGHT,
            ),
            html.H2("Par territoire", className="h5 mt-3"),
            filter_bar(
                regions_control(section_regions(), filters.regions, width=5),
                famille_control(filters.famille, width=4),
                vue_control(filters.vue, width=3),
            ),
            chart_card(SECTIONS, "droits-par-territoire", cached_figure(sections_figure, filters)),
            dbc.Alert(
                PlainElements(section_findings_view(filters), id=ids.RIGHTS_SECTION_FINDINGS),
                color="light",
                className="py-2 border",
            ),
        ]
    )


# --- CSV exports -------------------------------------------------------------------------------


@register_export(SECTIONS)
def sections_data(cur, filters: Filters) -> pd.DataFrame:
    df = rights_by_section(cur, filters.regions)
    columns = {
        "region_code": "code_territoire",
        "region_name": "territoire",
        "total": "droits de réservation (total)",
        "total_printed": "total (imprimé)",
    }
    for famille in filters.famille or FAMILLES:
        label = FAMILLE_LABELS[famille].lower()
        columns |= {
            famille: f"{label} (nombre)",
            f"{famille}_printed": f"{label} (imprimé)",
            f"{famille}_pct_printed": f"{label} : part imprimée",
            f"{famille}_share": f"{label} : part calculée (%)",
            f"{famille}_quote": f"citation {label}",
        }
    rounded = {f"{f}_share": df[f"{f}_share"].round(1) for f in FAMILLES}
    printed = [c for c in columns if c.endswith("_printed")]
    out = df.assign(**rounded)[list(columns)].fillna({c: NOT_PUBLISHED for c in printed}).rename(columns=columns)
    for famille in filters.famille or FAMILLES:
        label = FAMILLE_LABELS[famille].lower()
        out[f"{label} : part contestée (voir qualité)"] = (
            df[f"{famille}_pct_contradicted"] | df[f"{famille}_contradicted"]
        ).map({True: "oui", False: "non"})
    return out


@register_export(NATIONAL_CHART)
def national_data(cur, filters: Filters) -> pd.DataFrame:
    df = national_rights(cur)
    return (
        df[["label", "group", "value", "printed", "regions_sum", "regions_count", "finding_ids", "quote"]]
        .assign(
            group=df["group"].map(dict(GROUPS)),
            regions_count=df["regions_count"].where(df["regions_sum"].notna()),
        )
        .rename(
            columns={
                "label": "indicateur",
                "group": "groupe",
                "value": "France entière (valeur)",
                "printed": "France entière (imprimé)",
                "regions_sum": "somme des territoires (calculé)",
                "regions_count": "territoires publiés",
                "finding_ids": "incohérences (identifiants)",
                "quote": "citation",
            }
        )
    )


# --- Callbacks -----------------------------------------------------------------------------------


def sections_figure(filters: Filters) -> go.Figure:
    """Rights by section and family, counts or shares (the page's filtered chart)."""
    return rights_section_bars(
        for_regions(db.cached(_by_section), filters.regions),
        chart_context(),
        familles=filters.famille or FAMILLES,
        vue=filters.vue,
    )


def section_findings_view(filters: Filters) -> list[Element | str]:
    """The alert listing the rights findings of the selected sections (elements of `PlainElements`)."""
    findings = for_regions(db.cached(rights_findings), filters.regions, column="territory_code", keep=(NATIONAL,))
    findings = findings[findings["territory_code"] != NATIONAL]
    return [
        element(
            "div",
            f"{FLAG} : territoire dont un pourcentage ou un nombre imprimé est contredit par un contrôle "
            "(par exemple une part imprimée différente de la part calculée à partir des nombres).",
            class_name="small mb-2",
        ),
        *findings_list(
            findings, "les droits de réservation des territoires" + (" sélectionnés" if filters.regions else "")
        ),
    ]


@filters_callback(
    Output(ids.chart(SECTIONS), "figure"),
    Output(ids.chart(SECTIONS), "style"),
    Output(ids.RIGHTS_SECTION_FINDINGS, "elements"),
)
def update_views(values: object):
    """The chart of the territories and their findings for the new filters, in one request."""
    filters = page_filters(values)
    return *sized(cached_figure(sections_figure, filters)), section_findings_view(filters)


dash.register_page(
    __name__,
    path="/droits",
    name="Droits de réservation",
    order=2,
    title="Droits de réservation · NPNRU",
    layout=layout,
)

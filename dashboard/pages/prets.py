"""Prêts: subsidised loans allocated, engaged and disbursed, nationally and per section."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import Output, html

from .. import db, ids
from ..components.chart_card import cached_figure, chart_card, sized
from ..components.controls import filter_bar, regions_control
from ..components.kpi import printed_kpi_card
from ..components.plain_elements import Element, PlainElements, element
from ..components.table import Table, cell, parts, table, table_row, with_id
from ..exports import register_export
from ..figures.bars import NOT_PUBLISHED
from ..figures.loans import (
    BREAKDOWN_ROWS,
    disbursement_bars,
    engagement_rate_bars,
    is_missing,
    loan_stage_bars,
    national_breakdown_bars,
)
from ..filters import Filters, from_query
from ..formatting import format_value
from ..on_filters import filters_callback, page_filters
from ..queries.common import for_regions, section_codes
from ..queries.loans import (
    NATIONAL,
    PICKED_LOAN_MEASURES,
    YEAR,
    candidate_facts,
    disbursements,
    engagement_rates,
    loan_findings,
    loan_stages,
    national_breakdown,
    national_loan_kpis,
    pick,
)
from .overview import chart_context, section_regions

STAGES = "prets-territoires"
RATES = "prets-taux"
DISBURSED = "prets-decaisses"
BREAKDOWN = "prets-repartition"
BREAKDOWN_HEIGHT = 400
SEVERITY_BADGES = {"high": ("Élevée", "danger"), "medium": ("Moyenne", "warning"), "low": ("Faible", "secondary")}


def _sum_detail(values: pd.Series, total: int) -> str | None:
    published = values.dropna()
    if published.empty:
        return None
    partial = "" if len(published) == total else f" ({len(published)} publiés)"
    return f"Somme des territoires{partial} : {format_value(round(float(published.sum()), 2), 'MEUR')}"


# The page's data, read once per opened database files: one query gives every loan fact they pick from.


def loan_facts(cur) -> pd.DataFrame:
    return candidate_facts(cur, PICKED_LOAN_MEASURES)


def _kpis(cur) -> pd.DataFrame:
    return national_loan_kpis(cur, candidates=db.cached(loan_facts))


def _stages(cur) -> pd.DataFrame:
    return loan_stages(cur, candidates=db.cached(loan_facts))


def _rates(cur) -> pd.DataFrame:
    return engagement_rates(cur, candidates=db.cached(loan_facts))


def _disbursements(cur) -> pd.DataFrame:
    return disbursements(cur, candidates=db.cached(loan_facts))


def _breakdowns(cur) -> dict[str, pd.DataFrame]:
    facts = db.cached(loan_facts)
    return {dimension: national_breakdown(cur, dimension, candidates=facts) for dimension, _ in BREAKDOWN_ROWS}


def _kpi_details(_cur) -> dict[str, tuple[str | None, str]]:
    """The line under each national card, by key."""
    kpis = db.cached(_kpis).set_index("key")
    stages = db.cached(_stages)
    disbursed_facts = db.cached(loan_facts)
    oph = pick(disbursed_facts, "prets_decaisses", YEAR, dimension="type_ols", member="oph", territories=[NATIONAL])
    oph_pct = pick(
        disbursed_facts,
        "prets_decaisses",
        YEAR,
        dimension="type_ols",
        member="oph",
        percent=True,
        territories=[NATIONAL],
    )
    engaged, disbursed = kpis.loc["engages_cumul", "value"], kpis.loc["decaisses_cumul", "value"]
    return {
        "engages_2024": (_sum_detail(stages["engages_2024"], len(stages)), "text-muted"),
        "engages_cumul": (_sum_detail(stages["engages"], len(stages)), "text-muted"),
        "decaisses_2024": (
            None
            if oph.empty
            else f"dont OPH : {oph.iloc[0]['printed']}" + ("" if oph_pct.empty else f" ({oph_pct.iloc[0]['printed']})"),
            "text-muted",
        ),
        "decaisses_cumul": (
            None
            if is_missing(engaged) or is_missing(disbursed) or not engaged
            else f"soit {format_value(100 * disbursed / engaged, 'PCT', 1)} des prêts engagés 2018-2024 (calculé)",
            "text-muted",
        ),
    }


def kpi_row() -> dbc.Row:
    """National loan figures as printed, each with its quote; details are labelled computed or printed."""
    details = db.cached(_kpi_details)
    cards = []
    for key, row in db.cached(_kpis).set_index("key").iterrows():
        detail, detail_class = details.get(str(key), (None, "text-muted"))
        cards.append(printed_kpi_card(f"prets-kpi-{key}", row, detail=detail, detail_class=detail_class))
    return dbc.Row(cards)


def findings_list(findings: pd.DataFrame, topic: str) -> list[Element | str]:
    """Alert content: the reconciliation findings of a topic, one line each, and a link to /qualite
    (elements of `PlainElements`: a filter change rewrites them as one property)."""
    if findings.empty:
        return [f"Aucune incohérence relevée sur {topic} pour cette sélection."]
    items = []
    for row in findings.itertuples():
        label, color = SEVERITY_BADGES.get(row.severity, (row.severity, "secondary"))
        summary = str(row.message).split(" Citation")[0]
        items.append(
            element("li", element("span", label, class_name=f"badge text-bg-{color} me-2"), summary, class_name="mb-1")
        )
    count = len(findings)
    return [
        element(
            "div",
            element("strong", f"{count} incohérence{'s' if count > 1 else ''} relevée{'s' if count > 1 else ''} "),
            f"dans le rapport sur {topic}. ",
            element("a", "Voir la qualité des données", href="/qualite", class_name="alert-link"),
            class_name="mb-2",
        ),
        element("ul", *items, class_name="mb-0 small ps-3"),
    ]


def _published(value: object, *, strong: bool = False) -> dict:
    if is_missing(value):
        return cell(NOT_PUBLISHED, class_name="text-muted fst-italic")
    return cell(str(value), class_name="text-nowrap", strong=strong)


def disbursement_table(df: pd.DataFrame) -> Table:
    """Every row of `queries.loans.disbursements`, with "non publié" where the report is silent."""
    head = [
        [
            cell("Territoire"),
            cell("Période"),
            cell("Prêts engagés"),
            cell("Prêts décaissés"),
            cell("Part décaissée (calculé)"),
            cell("Texte publié (décaissements)"),
        ]
    ]
    body = []
    for values in df.itertuples():
        share = None if is_missing(values.share) else format_value(round(values.share, 1), "PCT", 1)
        quote = (
            cell(f" ({values.decaisses_section})", quote=values.decaisses_quote, class_name="small text-secondary")
            if not is_missing(values.decaisses_quote)
            else cell("—", class_name="text-muted")
        )
        national = values.scope == "national"
        body.append(
            table_row(
                [
                    cell(values.territory_name, class_name="fw-semibold" if national else None),
                    cell(values.period_label, class_name="text-nowrap"),
                    _published(values.engages_printed),
                    _published(values.decaisses_printed, strong=True),
                    cell("—" if share is None else share, class_name="text-nowrap text-muted"),
                    quote,
                ],
                class_name="table-light" if national else None,
            )
        )
    return table(head, body, class_name="mb-0 align-middle loans-table")


def breakdowns(cur) -> dict[str, pd.DataFrame]:
    """The national breakdowns of the 2024 engagements, by dimension."""
    return {dimension: national_breakdown(cur, dimension) for dimension, _ in BREAKDOWN_ROWS}


def breakdown_quotes(data: dict[str, pd.DataFrame]) -> html.Details:
    """The quotes behind the national breakdowns, folded."""
    quotes: list[str] = []
    for df in data.values():
        for quote in [*df["total_quote"].dropna(), *df["quote"].dropna()]:
            if quote not in quotes:
                quotes.append(quote)
    return html.Details(
        [
            html.Summary("Textes publiés de ces répartitions", className="small fw-semibold"),
            html.Ul([html.Li(html.Q(q, className="quote")) for q in quotes], className="small text-secondary mt-2"),
        ],
        className="mb-4",
    )


def _breakdown_figure(_cur) -> dict[str, object]:
    """The national breakdown chart as plotly JSON (from cached results: it only depends on the database)."""
    return national_breakdown_bars(db.cached(_breakdowns), chart_context(), height=BREAKDOWN_HEIGHT).to_plotly_json()


def layout(**query: str) -> html.Div:
    filters = from_query(query, db.cached(section_codes))
    parts = db.cached(_breakdowns)
    stages, rates = cached_figure(stages_figure, filters), cached_figure(rates_figure, filters)
    disbursed, table = disbursed_views(filters)
    return html.Div(
        [
            html.H1("Prêts bonifiés", className="h3"),
            html.P(
                "Les prêts d'Action Logement aux bailleurs sociaux sont alloués dans les conventions, puis engagés "
                "sur une opération, puis décaissés. Chiffres tels que publiés dans le bilan 2024 (survolez une carte "
                "pour sa citation) ; les valeurs dérivées sont marquées « calculé ».",
                className="text-muted",
            ),
            kpi_row(),
            dbc.Alert(
                PlainElements(findings_view(filters), id=ids.LOANS_FINDINGS), color="light", className="py-2 border"
            ),
            html.H2("Par territoire", className="h5 mt-3"),
            filter_bar(regions_control(section_regions(), filters.regions, width=6)),
            chart_card(STAGES, "prets-par-territoire", stages),
            chart_card(RATES, "taux-engagement-prets", rates),
            html.H2("Décaissements", className="h5 mt-3"),
            html.P(
                "Le rapport publie les décaissements au niveau national et, dans le texte, pour deux territoires "
                "seulement ; ailleurs ils ne sont pas publiés.",
                className="text-muted small",
            ),
            chart_card(DISBURSED, "prets-engages-decaisses", disbursed),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H3("Décaissements publiés, par territoire", className="h6"),
                        with_id(table, ids.LOANS_DISBURSED_TABLE),
                    ]
                ),
                className="mb-4 shadow-sm chart-card",
            ),
            html.H2("Répartition nationale des engagements 2024", className="h5 mt-3"),
            html.P(
                "Le rapport ne détaille que certaines catégories (OPH, zones tendues) : le reste du total national "
                "est représenté hachuré, « Autres (calculé) ».",
                className="text-muted small",
            ),
            chart_card(
                BREAKDOWN,
                "repartition-prets-engages-2024",
                db.cached(_breakdown_figure),
                height=BREAKDOWN_HEIGHT,
            ),
            breakdown_quotes(parts),
        ]
    )


# --- CSV exports -------------------------------------------------------------------------------


@register_export(STAGES)
def stages_data(cur, filters: Filters) -> pd.DataFrame:
    df = loan_stages(cur, filters.regions)
    columns = {"region_code": "code_territoire", "region_name": "territoire"}
    for stage, label in (
        ("alloues", "prêts alloués"),
        ("engages", "prêts engagés 2018-2024"),
        ("engages_2024", "prêts engagés en 2024"),
    ):
        columns |= {
            stage: f"{label} (M€)",
            f"{stage}_printed": f"{label} (imprimé)",
            f"{stage}_quote": f"citation {label}",
        }
    printed = [f"{stage}_printed" for stage in ("alloues", "engages", "engages_2024")]
    return df[list(columns)].fillna({c: NOT_PUBLISHED for c in printed}).rename(columns=columns)


@register_export(RATES)
def rates_data(cur, filters: Filters) -> pd.DataFrame:
    df = engagement_rates(cur, filters.regions)
    df = df.assign(rate=df["rate"].round(1), remaining=df["remaining"].round(2))
    return df[
        [
            "region_code",
            "region_name",
            "alloues",
            "engages",
            "rate",
            "remaining",
            "printed_rate_printed",
            "printed_rate_quote",
        ]
    ].rename(
        columns={
            "region_code": "code_territoire",
            "region_name": "territoire",
            "alloues": "prêts alloués (M€)",
            "engages": "prêts engagés 2018-2024 (M€)",
            "rate": "taux d'engagement (%, calculé)",
            "remaining": "reste à engager (M€, calculé)",
            "printed_rate_printed": "taux imprimé dans le texte",
            "printed_rate_quote": "citation du taux imprimé",
        }
    )


@register_export(DISBURSED)
def disbursed_data(cur, filters: Filters) -> pd.DataFrame:
    df = disbursements(cur, filters.regions)
    df = df.assign(share=df["share"].round(1)).fillna(
        {"engages_printed": NOT_PUBLISHED, "decaisses_printed": NOT_PUBLISHED}
    )
    return df[
        [
            "territory_code",
            "territory_name",
            "period_label",
            "engages",
            "engages_printed",
            "decaisses",
            "decaisses_printed",
            "share",
            "decaisses_quote",
            "decaisses_section",
        ]
    ].rename(
        columns={
            "territory_code": "code_territoire",
            "territory_name": "territoire",
            "period_label": "période",
            "engages": "prêts engagés (M€)",
            "engages_printed": "prêts engagés (imprimé)",
            "decaisses": "prêts décaissés (M€)",
            "decaisses_printed": "prêts décaissés (imprimé)",
            "share": "part décaissée (%, calculé)",
            "decaisses_quote": "citation des décaissements",
            "decaisses_section": "partie du rapport",
        }
    )


@register_export(BREAKDOWN)
def breakdown_data(cur, filters: Filters) -> pd.DataFrame:
    frames = [
        df.assign(dimension=label) for (_, label), df in zip(BREAKDOWN_ROWS, breakdowns(cur).values(), strict=True)
    ]
    df = pd.concat(frames, ignore_index=True)
    return (
        df[["dimension", "key", "label", "value", "printed", "computed", "quote", "total", "total_printed"]]
        .assign(computed=df["computed"].map({True: "oui", False: "non"}))
        .rename(
            columns={
                "dimension": "répartition",
                "key": "code",
                "label": "catégorie",
                "value": "prêts engagés en 2024 (M€)",
                "printed": "tel qu'imprimé",
                "computed": "calculé",
                "quote": "citation",
                "total": "total national (M€)",
                "total_printed": "total national (imprimé)",
            }
        )
    )


# --- Callbacks -----------------------------------------------------------------------------------


def stages_figure(filters: Filters) -> go.Figure:
    """Loans allocated, engaged and engaged in 2024 by section (the views below are the page's filtered ones)."""
    return loan_stage_bars(for_regions(db.cached(_stages), filters.regions), chart_context())


def rates_figure(filters: Filters) -> go.Figure:
    """Engagement rate by section."""
    return engagement_rate_bars(for_regions(db.cached(_rates), filters.regions), chart_context())


def disbursed_figure(filters: Filters) -> go.Figure:
    """Engaged vs disbursed loans, nationally and where the report publishes them."""
    return disbursement_bars(_disbursed(filters), chart_context())


def _disbursed(filters: Filters) -> pd.DataFrame:
    return for_regions(db.cached(_disbursements), filters.regions, column="territory_code", keep=(NATIONAL,))


def disbursed_views(filters: Filters) -> tuple[dict, Table]:
    """Engaged vs disbursed loans: the chart (plotly JSON) and the table of the published figures."""
    return cached_figure(disbursed_figure, filters), disbursement_table(_disbursed(filters))


def findings_view(filters: Filters) -> list[Element | str]:
    """The alert listing the loan findings of the selection."""
    findings = for_regions(db.cached(loan_findings), filters.regions, column="territory_code", keep=(NATIONAL,))
    return findings_list(findings, "les prêts")


@filters_callback(
    Output(ids.chart(STAGES), "figure"),
    Output(ids.chart(STAGES), "style"),
    Output(ids.chart(RATES), "figure"),
    Output(ids.chart(RATES), "style"),
    Output(ids.chart(DISBURSED), "figure"),
    Output(ids.chart(DISBURSED), "style"),
    Output(ids.LOANS_DISBURSED_TABLE, "head"),
    Output(ids.LOANS_DISBURSED_TABLE, "rows"),
    Output(ids.LOANS_FINDINGS, "elements"),
)
def update_views(values: object):
    """Every view of the page for the new filters, in one request (see `on_filters`)."""
    filters = page_filters(values)
    disbursed, table = disbursed_views(filters)
    return (
        *sized(cached_figure(stages_figure, filters)),
        *sized(cached_figure(rates_figure, filters)),
        *sized(disbursed),
        *parts(table),
        findings_view(filters),
    )


dash.register_page(__name__, path="/prets", name="Prêts", order=1, title="Prêts · NPNRU", layout=layout)

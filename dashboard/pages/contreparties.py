"""Contreparties foncières: land counterparts in dwelling equivalents, by section and operator.

Every figure is shown as printed. Where the report's parts do not add up to its totals (two
metropolitan sections, the overseas territories, the national total), both are shown and the
gap is stated, never smoothed over.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import Output, html

from .. import db, ids
from ..components.chart_card import cached_figure, chart_card, sized
from ..components.controls import filter_bar, operateur_control, regions_control
from ..components.kpi import kpi_card
from ..exports import register_export
from ..figures.land import (
    OPERATOR_COLUMNS,
    OPERATOR_LABELS,
    drom_figure,
    drom_table_rows,
    national_figure,
    overseas_operators_figure,
    printed_text,
    sections_figure,
)
from ..figures.theme import empty_figure
from ..filters import Filters, from_query
from ..formatting import format_value
from ..on_filters import filters_callback, page_filters
from ..queries.common import for_regions, section_codes
from ..queries.land import (
    CF,
    drom_details,
    drom_reconciliation,
    national_counterparts,
    overseas_operators,
    overseas_printed_totals,
    reconcile,
    section_counterparts,
)
from .overview import chart_context, section_regions

SECTIONS = "cf-sections"
OM_OPERATORS = "cf-om-operateurs"
OM_TERRITORIES = "cf-om-territoires"
NATIONAL = "cf-national"


def _kpis() -> dbc.Row:
    """National key figures: the printed total, and the computed sums of the sections."""
    national = db.cached(national_counterparts)
    sections = db.cached(section_counterparts)
    exact = national[national["qualifier"].isna()]
    fact = exact.iloc[0] if not exact.empty else (national.iloc[0] if not national.empty else None)
    others = national[national["fact_id"] != fact["fact_id"]] if fact is not None else national
    other_text = "; ".join(
        f"{'Édito' if r.section == 'edito' else r.section_title} : {printed_text(r.qualifier, r.value_text)}"
        for r in others.itertuples(index=False)
    )
    sections_sum = None if national.empty else national["sections_sum"].iloc[0]
    gap = None if fact is None or sections_sum is None else float(sections_sum) - float(fact["value"])
    fl = pd.to_numeric(sections["cf_fonciere_logement"], errors="coerce").astype("float64")
    esh = pd.to_numeric(sections["cf_esh_groupe"], errors="coerce").astype("float64")
    metro = f"Somme des {fl.notna().sum()} sections métropolitaines"
    cards = [
        kpi_card(
            "cf-kpi-national",
            "France entière (publié)",
            "non publié" if fact is None else printed_text(fact["qualifier"], fact["value_text"]),
            quote=None if fact is None else fact["quote"],
            section=None if fact is None else fact["section_title"],
            detail=f"Aussi publié — {other_text}" if other_text else None,
        ),
        kpi_card(
            "cf-kpi-sum",
            "Somme des 13 sections (calculé)",
            "non publié" if sections_sum is None else format_value(float(sections_sum), "COUNT"),
            quote=None,
            section=None,
            detail=None
            if gap is None
            else (
                "Égale au total national publié"
                if gap == 0
                else f"⚠ Écart avec le total national : {'+' if gap > 0 else '−'}{format_value(abs(gap), 'COUNT')}"
            ),
            detail_class="text-muted" if not gap else "text-danger fw-semibold",
        ),
        kpi_card(
            "cf-kpi-fl",
            "Foncière Logement (calculé)",
            format_value(float(fl.sum()), "COUNT"),
            quote=None,
            section=None,
            detail=f"{metro} ; locatif libre",
        ),
        kpi_card(
            "cf-kpi-esh",
            "ESH du Groupe (calculé)",
            format_value(float(esh.sum()), "COUNT"),
            quote=None,
            section=None,
            detail=f"{metro} ; accession sociale",
        ),
    ]
    return dbc.Row(cards)


# What only depends on the database, built once per opened database files from cached query results
# (the same queries feed several of them).


def _drom_rows(_cur) -> pd.DataFrame:
    return drom_table_rows(db.cached(drom_details), db.cached(overseas_printed_totals))


def _reconciliation(_cur) -> pd.DataFrame:
    return reconcile(db.cached(drom_details), db.cached(overseas_printed_totals))


def drom_figure_json(_cur) -> dict[str, object]:
    """The overseas figures per territory as plotly JSON."""
    return drom_figure(db.cached(drom_details), db.cached(overseas_printed_totals), chart_context()).to_plotly_json()


def _overseas_operators_json(_cur) -> dict[str, object]:
    totals = db.cached(overseas_printed_totals)
    total = totals[totals["measure"] == CF].iloc[0]
    return overseas_operators_figure(db.cached(overseas_operators), total, chart_context()).to_plotly_json()


def _national_json(_cur) -> dict[str, object]:
    return national_figure(db.cached(national_counterparts), chart_context()).to_plotly_json()


def drom_table() -> dbc.Table:
    """The per-territory figures as printed, then the computed sum, the printed total and the gap."""
    table = db.cached(_drom_rows)
    header = html.Thead(html.Tr([html.Th(c, className="text-end" if i else "") for i, c in enumerate(table.columns)]))
    styles = {len(table) - 3: "fst-italic text-muted", len(table) - 2: "fw-semibold total-row", len(table) - 1: ""}
    body = []
    for position, row in enumerate(table.itertuples(index=False)):
        gap_row = position == len(table) - 1
        cells = [
            html.Td(
                value,
                className=" ".join(
                    c
                    for c in (
                        "text-end" if i else "",
                        "text-danger fw-semibold" if gap_row and i and value not in ("0", "—") else "",
                        "fst-italic" if gap_row else "",
                    )
                    if c
                ),
            )
            for i, value in enumerate(row)
        ]
        body.append(html.Tr(cells, className=styles.get(position, "")))
    return dbc.Table([header, html.Tbody(body)], hover=True, size="sm", responsive=True, className="mb-2 drom-table")


def layout(**query: str) -> html.Div:
    filters = from_query(query, db.cached(section_codes))
    reconciliation = db.cached(_reconciliation)
    gaps = reconciliation[reconciliation["gap"].fillna(0) != 0]
    gap_items = [
        html.Li(
            f"{r.measure_label} : somme des territoires {format_value(r.territories_sum, r.unit)} (calculé) "
            f"pour un total publié de {printed_text(None, r.printed_text, r.unit)}."
        )
        for r in gaps.itertuples(index=False)
    ]
    return html.Div(
        [
            html.H1("Contreparties foncières", className="h3"),
            html.P(
                "Terrains cédés gratuitement à Action Logement en contrepartie de son financement, comptés en "
                "équivalents logements : construits par Foncière Logement (locatif libre) ou par les ESH du Groupe "
                "(accession sociale) ; outre-mer, par cinq opérateurs locaux. Chiffres tels que publiés, citation au "
                "survol ; les sommes sont calculées et signalées comme telles.",
                className="text-muted",
            ),
            _kpis(),
            html.H2("Sections métropolitaines", className="h5 mt-2"),
            filter_bar(
                regions_control(section_regions(), filters.regions), operateur_control(filters.operateur, width=5)
            ),
            chart_card(SECTIONS, "contreparties-foncieres-par-section", cached_figure(sections_view, filters)),
            html.H2("Outre-Mer", className="h5 mt-2"),
            html.P(
                "Le bloc « chiffres clés » de la section Outre-Mer répartit les contreparties entre cinq opérateurs ; "
                "le texte donne ensuite les chiffres de chaque territoire. Les deux ne conduisent pas aux mêmes "
                "totaux :",
                className="text-muted mb-1",
            ),
            html.Ul(gap_items, className="text-muted small") if gap_items else None,
            chart_card(
                OM_OPERATORS,
                "outre-mer-contreparties-par-operateur",
                db.cached(_overseas_operators_json),
            ),
            chart_card(OM_TERRITORIES, "outre-mer-chiffres-par-territoire", db.cached(drom_figure_json)),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H3("Outre-Mer : chiffres publiés par territoire", className="h6"),
                        drom_table(),
                        html.Small(
                            "Valeurs des territoires : texte de la section Outre-Mer ; totaux : bloc « chiffres "
                            "clés ». Export : bouton « Données (CSV) » du graphique par territoire.",
                            className="text-muted",
                        ),
                    ]
                ),
                className="mb-4 shadow-sm chart-card",
            ),
            html.H2("France entière", className="h5 mt-2"),
            chart_card(
                NATIONAL,
                "contreparties-foncieres-france-entiere",
                db.cached(_national_json),
            ),
            dbc.Alert(
                [
                    "Les écarts entre chiffres publiés sont recensés, avec leurs citations, dans ",
                    html.A("Qualité des données", href="/qualite", className="alert-link"),
                    ".",
                ],
                color="light",
                className="py-2 small",
            ),
        ]
    )


def sections_view(filters: Filters) -> go.Figure:
    """Land counterparts by metropolitan section and operator (the page's filtered chart)."""
    data = for_regions(db.cached(section_counterparts), filters.regions)
    ctx = chart_context()
    if data.empty:
        return empty_figure(
            "Aucune section métropolitaine dans la sélection (l'Outre-Mer est détaillé plus bas).",
            title="Contreparties foncières par section et par opérateur",
            source_line=ctx.source_line,
            data_date=ctx.data_date,
            synthetic=ctx.synthetic,
        )
    return sections_figure(data, ctx, operators=filters.operateur)


@filters_callback(Output(ids.chart(SECTIONS), "figure"), Output(ids.chart(SECTIONS), "style"))
def update_sections(values: object):
    return sized(cached_figure(sections_view, page_filters(values)))


@register_export(SECTIONS)
def sections_data(cur, filters: Filters) -> pd.DataFrame:
    data = section_counterparts(cur, filters.regions)
    columns = {
        "region_code": "code_section",
        "region_name": "section",
        "cf_total": "total publié",
    }
    for operator in OPERATOR_COLUMNS:
        if filters.operateur and operator not in filters.operateur:
            continue
        label = OPERATOR_LABELS[operator]
        columns[OPERATOR_COLUMNS[operator]] = f"{label} (publié)"
        columns["fl_pct_text" if operator == "fonciere_logement" else "esh_pct_text"] = f"{label} : % publié"
    columns |= {"parts_sum": "somme des opérateurs (calculé)", "gap": "écart somme − total (calculé)"}
    return data[list(columns)].rename(columns=columns)


@register_export(OM_OPERATORS)
def om_operators_data(cur, filters: Filters) -> pd.DataFrame:
    operators = overseas_operators(cur)
    totals = overseas_printed_totals(cur)
    total = totals[totals["measure"] == CF].iloc[0]
    rows = [
        {"ligne": r.label, "nature": "publié", "contreparties (équivalents logements)": r.value, "citation": r.quote}
        for r in operators.itertuples(index=False)
    ]
    rows.append(
        {
            "ligne": "Somme des 5 opérateurs",
            "nature": "calculé",
            "contreparties (équivalents logements)": float(pd.to_numeric(operators["value"]).sum()),
            "citation": None,
        }
    )
    rows.append(
        {
            "ligne": "Total Outre-Mer",
            "nature": "publié",
            "contreparties (équivalents logements)": total["value"],
            "citation": total["quote"],
        }
    )
    return pd.DataFrame(rows)


@register_export(OM_TERRITORIES)
def om_territories_data(cur, filters: Filters) -> pd.DataFrame:
    details = drom_details(cur)
    reconciliation = drom_reconciliation(cur)
    rows = [
        {
            "territoire": r.territory_name,
            "mesure": r.measure_label,
            "nature": "publié",
            "valeur": r.value,
            "unité": "M€" if r.unit == "MEUR" else "nombre",
            "citation": r.quote,
        }
        for r in details.itertuples(index=False)
    ]
    for r in reconciliation.itertuples(index=False):
        unit = "M€" if r.unit == "MEUR" else "nombre"
        rows.append(
            {
                "territoire": "Somme des 5 territoires",
                "mesure": r.measure_label,
                "nature": "calculé",
                "valeur": r.territories_sum,
                "unité": unit,
                "citation": None,
            }
        )
        rows.append(
            {
                "territoire": "Total Outre-Mer",
                "mesure": r.measure_label,
                "nature": "publié",
                "valeur": r.printed_value,
                "unité": unit,
                "citation": None,
            }
        )
        rows.append(
            {
                "territoire": "Écart somme − total",
                "mesure": r.measure_label,
                "nature": "calculé",
                "valeur": r.gap,
                "unité": unit,
                "citation": None,
            }
        )
    return pd.DataFrame(rows)


@register_export(NATIONAL)
def national_data(cur, filters: Filters) -> pd.DataFrame:
    national = national_counterparts(cur)
    rows = [
        {
            "ligne": f"France entière ({r.section_title})",
            "nature": "publié",
            "qualificatif": r.qualifier,
            "contreparties (équivalents logements)": r.value,
            "citation": r.quote,
        }
        for r in national.itertuples(index=False)
    ]
    if not national.empty:
        rows.append(
            {
                "ligne": f"Somme des {int(national['sections_count'].iloc[0])} sections",
                "nature": "calculé",
                "qualificatif": None,
                "contreparties (équivalents logements)": national["sections_sum"].iloc[0],
                "citation": None,
            }
        )
    return pd.DataFrame(rows)


dash.register_page(
    __name__,
    path="/contreparties",
    name="Contreparties foncières",
    order=3,
    title="Contreparties foncières · NPNRU",
    layout=layout,
)

"""Région: the report's regional double page, live — key figures with rank and share, the two
splits, the narrative facts with their quotes, and the reconciliation findings of the region."""

from __future__ import annotations

from collections.abc import Mapping

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from .. import db, ids
from ..components.chart_card import chart_card
from ..components.controls import SEVERITE_LABELS
from ..components.kpi import kpi_card
from ..exports import register_export
from ..figures.land import printed_text
from ..figures.region import split_figure, split_height
from ..filters import MAX_VALUE_LENGTH, Filters
from ..formatting import format_period
from ..presentation.content import SPLIT_TITLES, rank_text
from ..presentation.ui import exporter
from ..queries.common import section_codes
from ..queries.region import (
    key_figure_cards,
    region_findings,
    region_header,
    region_narrative,
    region_split,
)
from .contreparties import OM_TERRITORIES, drom_figure_json, drom_table
from .overview import chart_context, section_regions

DROITS = "region-droits"
CONTREPARTIES = "region-contreparties"

#: Other views, opened pre-filtered on the region (`?regions=<code>`).
VIEWS = (
    ("Vue d'ensemble", "/"),
    ("Prêts", "/prets"),
    ("Droits de réservation", "/droits"),
    ("Contreparties foncières", "/contreparties"),
    ("Carte", "/carte"),
    ("Qualité des données", "/qualite"),
)
SEVERITY_COLORS = {"high": "danger", "medium": "warning", "low": "secondary"}
RULE_LABELS = {
    "split_sum": "Parts ≠ total",
    "territory_sum": "Somme des territoires",
    "percentage": "Pourcentage",
    "restatement": "Chiffre repris différemment",
    "part_exceeds_whole": "Partie > tout",
}


def unknown_region(code: str | None, regions: list[tuple[str, str]]) -> html.Div:
    """The page for a code that is not a report section: a French message and the 13 links."""
    shown = (code or "")[:MAX_VALUE_LENGTH]
    message = (
        f"Aucune région ne correspond au code « {shown} »." if shown else "Aucune région n'est indiquée dans l'adresse."
    )
    return html.Div(
        [
            html.H1("Région introuvable", className="h3"),
            dbc.Alert(
                [message, " Choisissez l'une des 13 sections régionales du rapport :"],
                color="warning",
                id=ids.REGION_UNKNOWN,
            ),
            dbc.Row(
                dbc.Col(
                    dbc.ListGroup(
                        [dbc.ListGroupItem(name, href=f"/region/{c}", action=True) for c, name in regions],
                        className="region-list mb-4 shadow-sm",
                    ),
                    lg=6,
                )
            ),
        ]
    )


def _header(header: dict[str, object], regions: list[tuple[str, str]]) -> html.Div:
    code = str(header["code"])
    selector = dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem(name, href=f"/region/{c}", active=c == code, id=f"region-switch-{c}")
            for c, name in regions
        ],
        label="Changer de région",
        color="secondary",
        size="sm",
        id=ids.REGION_SWITCH,
    )
    links = [
        dbc.Button(
            label, href=f"{path}?regions={code}", size="sm", color="primary", outline=True, className="me-1 mb-1"
        )
        for label, path in VIEWS
    ]
    page = f" · pages {header['page']}-{int(header['page']) + 1} du rapport" if header.get("page") else ""  # type: ignore[call-overload]
    return html.Div(
        [
            html.Div(
                [
                    html.Div(
                        [
                            html.Div("Région · double page du bilan 2024", className="kpi-label"),
                            html.H1(str(header["name"]), className="h3 mb-0", id=ids.REGION_NAME),
                            html.Small(f"{header['section_title']}{page}", className="text-muted"),
                        ]
                    ),
                    html.Div([exporter(code), selector], className="d-flex align-items-start gap-2"),
                ],
                className="d-flex justify-content-between align-items-start flex-wrap gap-2",
            ),
            html.Div(
                [html.Span("Voir dans les autres vues : ", className="small text-muted me-2"), *links],
                className="mt-2",
                id=ids.REGION_LINKS,
            ),
            # The region as the page's `regions` filter: the CSV exports and the navigation links follow it.
            dcc.Input(id=ids.filter_control("regions"), type="hidden", value=code),
        ],
        className="region-header mb-3 p-3 rounded",
    )


def _kpis(code: str) -> dbc.Row:
    cards = []
    for row in db.cached(key_figure_cards, code).to_dict("records"):
        series = pd.Series(row)
        published = not pd.isna(series["value_text"])
        detail = rank_text(series) if published else "Non publié dans le bloc « chiffres clés » de la région"
        cards.append(
            kpi_card(
                f"region-kpi-{row['key']}",
                row["label"],
                printed_text(row["qualifier"], row["value_text"], row["unit"]) if published else "non publié",
                quote=row["quote"] if published else None,
                section=row["section_title"] if published else None,
                detail=detail,
            )
        )
    return dbc.Row(cards, id=ids.REGION_KPIS)


def _fact_item(row: Mapping[str, object], code: str) -> html.Li:
    # A value printed in words ("la moitié") takes no unit symbol.
    numeric = any(ch.isdigit() for ch in str(row["value_text"]))
    unit = "" if row["unit"] == "COUNT" or not numeric else f"\u00a0{row['unit_symbol']}"
    hedge = "" if pd.isna(row["qualifier"]) else f"{row['qualifier']} "
    tags = [html.Span(format_period(str(row["period"])), className="badge text-bg-light border me-1")]
    if row["territory_code"] != code:
        tags.append(html.Span(str(row["territory_name"]), className="badge text-bg-info me-1"))
    for label in (row["member_label"], row["sub_member_label"]):
        if not pd.isna(label):
            tags.append(html.Span(str(label), className="badge text-bg-light border me-1"))
    if not pd.isna(row["scope"]):
        tags.append(html.Span(str(row["scope"]), className="small text-muted fst-italic"))
    return html.Li(
        [
            html.Div(
                [html.Span(f"{hedge}{row['value_text']}{unit}", className="fact-value me-2"), *tags],
                className="d-flex flex-wrap align-items-baseline",
            ),
            html.Q(str(row["quote"]), className="quote d-block small mt-1"),
        ],
        className="list-group-item",
    )


def narrative_list(facts: pd.DataFrame, code: str) -> html.Div:
    """The narrative facts grouped by measure (groups in order of first appearance in the report)."""
    if facts.empty:
        return html.P("Aucun chiffre publié dans le texte de cette double page.", className="text-muted")
    by_measure: dict[str, list[dict]] = {}
    for row in facts.to_dict("records"):  # plain rows: iterrows and per-measure masks cost ~10 ms here
        by_measure.setdefault(row["measure"], []).append(row)
    groups = [
        html.Div(
            [
                html.H3(
                    [str(rows[0]["measure_label"]), html.Span(f" {len(rows)}", className="text-muted fw-normal")],
                    className="h6 mt-3 mb-1",
                ),
                html.Ul([_fact_item(r, code) for r in rows], className="list-group list-group-flush"),
            ],
            className="fact-group",
        )
        for rows in by_measure.values()
    ]
    return html.Div(groups, className="fact-list", id=ids.REGION_NARRATIVE)


def _finding_item(row: pd.Series) -> html.Li:
    message = str(row["message"])
    head, _, quotes = message.partition(" Citation")
    body = [
        html.Div(
            [
                dbc.Badge(
                    SEVERITE_LABELS.get(row["severity"], row["severity"]),
                    color=SEVERITY_COLORS.get(row["severity"], "secondary"),
                    className="me-2",
                ),
                html.Span(RULE_LABELS.get(row["rule"], row["rule"]), className="small text-muted"),
            ]
        ),
        html.Div(head, className="small mt-1"),
    ]
    if quotes:
        body.append(
            html.Details(
                [
                    html.Summary("Citations", className="small text-muted"),
                    html.Div("Citation" + quotes, className="small text-muted"),
                ]
            )
        )
    return html.Li(body, className="list-group-item")


def findings_list(findings: pd.DataFrame, code: str) -> html.Div:
    """Findings about the region, then the national findings whose sums include it."""
    if findings.empty:
        return html.P("Aucune incohérence relevée pour cette région.", className="text-muted", id=ids.REGION_FINDINGS)
    blocks = []
    for direct, title in ((True, "Propres à la région"), (False, "Totaux nationaux incluant la région")):
        rows = findings[findings["direct"] == direct]
        if rows.empty:
            continue
        blocks.append(html.H3(f"{title} ({len(rows)})", className="h6 mt-2 mb-1"))
        blocks.append(
            html.Ul([_finding_item(r) for _, r in rows.iterrows()], className="list-group list-group-flush mb-2")
        )
    blocks.append(html.A("Toutes les incohérences de la région", href=f"/qualite?regions={code}", className="small"))
    return html.Div(blocks, id=ids.REGION_FINDINGS)


def split_figures(cur, code: str) -> dict[str, dict[str, object]]:
    """The two splits of a section's key-figure block as plotly JSON, by split (same height, side by side)."""
    data = {split: region_split(cur, code, split) for split in SPLIT_TITLES}
    height = split_height(max(len(d) for d in data.values()))
    ctx = chart_context()
    return {
        split: split_figure(
            df, ctx, title=SPLIT_TITLES[split][0], unit_text=SPLIT_TITLES[split][1], height=height
        ).to_plotly_json()
        for split, df in data.items()
    }


def layout(code: str | None = None, **query: str) -> html.Div:
    regions = section_regions()
    codes = {c.upper(): c for c in db.cached(section_codes)}
    if not isinstance(code, str) or code.upper() not in codes:
        return unknown_region(code if isinstance(code, str) else None, regions)
    code = codes[code.upper()]
    header = db.cached(region_header, code)
    if header is None:
        return unknown_region(code, regions)
    figures = db.cached(split_figures, code)
    splits = [
        dbc.Col(chart_card(name, f"{SPLIT_TITLES[split][0]} {header['name']}", figures[split]), lg=6)
        for split, name in (("droits", DROITS), ("contreparties", CONTREPARTIES))
    ]
    findings = db.cached(region_findings, code)
    counts = findings["severity"].value_counts().to_dict()
    children: list[object] = [
        _header(header, regions),
        _kpis(code),
        html.P(
            "Valeurs du bloc « chiffres clés » de la double page, citation au survol ou au clic. Rang et part sont "
            "calculés sur les 13 sections du rapport (somme des sections, pas le total national publié).",
            className="small text-muted mt-n2",
        ),
        html.H2("Répartitions publiées", className="h5 mt-2"),
        dbc.Row(splits),
    ]
    if code == "OM":
        children += [
            html.H2("Détail par territoire d'outre-mer", className="h5 mt-2"),
            chart_card(
                OM_TERRITORIES,
                "outre-mer-chiffres-par-territoire",
                db.cached(drom_figure_json),
            ),
            dbc.Card(
                dbc.CardBody([html.H3("Chiffres publiés par territoire", className="h6"), drom_table()]),
                className="mb-4 shadow-sm chart-card",
                id=ids.REGION_DROM_TABLE,
            ),
        ]
    children.append(
        dbc.Row(
            [
                dbc.Col(
                    dbc.Card(
                        dbc.CardBody(
                            [
                                html.H2("Ce que dit le texte", className="h5 mb-0"),
                                html.Small(
                                    "Chiffres cités dans le texte de la double page, tels que publiés, "
                                    "avec leur citation.",
                                    className="text-muted",
                                ),
                                narrative_list(db.cached(region_narrative, code), code),
                            ]
                        ),
                        className="shadow-sm chart-card mb-4",
                    ),
                    lg=7,
                ),
                dbc.Col(
                    dbc.Card(
                        dbc.CardBody(
                            [
                                html.H2(
                                    [
                                        "Incohérences relevées ",
                                        *[
                                            dbc.Badge(
                                                str(counts[s]),
                                                color=SEVERITY_COLORS[s],
                                                className="ms-1",
                                                title=SEVERITE_LABELS[s],
                                            )
                                            for s in ("high", "medium", "low")
                                            if counts.get(s)
                                        ],
                                    ],
                                    className="h5",
                                ),
                                findings_list(findings, code),
                            ]
                        ),
                        className="shadow-sm chart-card mb-4",
                    ),
                    lg=5,
                ),
            ]
        )
    )
    return html.Div(children, id=ids.REGION_CONTENT)


def _split_export(cur, filters: Filters, split: str) -> pd.DataFrame:
    rows = []
    for code in filters.regions or section_codes(cur):
        header = region_header(cur, code)
        data = region_split(cur, code, split)
        for r in data.itertuples(index=False):
            rows.append(
                {
                    "code_section": code,
                    "section": None if header is None else header["name"],
                    "part": r.label,
                    "valeur publiée": r.value,
                    "% publié": r.pct_value,
                    "total publié": r.total,
                    "citation": r.quote,
                }
            )
    return pd.DataFrame(
        rows, columns=["code_section", "section", "part", "valeur publiée", "% publié", "total publié", "citation"]
    )


@register_export(DROITS)
def droits_split_data(cur, filters: Filters) -> pd.DataFrame:
    return _split_export(cur, filters, "droits")


@register_export(CONTREPARTIES)
def contreparties_split_data(cur, filters: Filters) -> pd.DataFrame:
    return _split_export(cur, filters, "contreparties")


def page_title(code: str | None = None, **_: object) -> str:
    """Browser-tab title: the region's name when the code is a known section."""
    names = dict(section_regions()) if isinstance(code, str) else {}
    return f"{names[code]} · NPNRU" if code in names else "Région · NPNRU"


dash.register_page(
    __name__,
    path_template="/region/<code>",
    name="Région",
    order=5,
    title=page_title,
    layout=layout,
    nav=False,
)

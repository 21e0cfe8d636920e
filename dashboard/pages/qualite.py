"""Qualité des données: the reconciliation findings, with the printed figures and quotes behind each."""

from __future__ import annotations

import math

import dash
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from .. import db, ids
from ..components.chart_card import cached_figure, chart_card, sized
from ..components.controls import filter_bar, regions_control, severite_control
from ..exports import register_export
from ..figures.bars import Series, region_bars
from ..figures.theme import OKABE_ITO, empty_figure
from ..filters import Filters, from_query, from_store
from ..formatting import format_period, format_value, printed_fact
from ..on_filters import control_values, filters_callback, page_filters
from ..queries.common import section_codes, territories
from ..queries.quality import (
    ROLE_LABELS,
    RULE_DESCRIPTIONS,
    RULE_LABELS,
    SEVERITY_LABELS,
    by_territory,
    counts,
    finding_facts,
    finding_territories,
    findings,
    select_findings,
    short_message,
)
from .overview import chart_context, section_regions

CHART = ids.FINDINGS_CHART
EXPORT = "findings"
#: The accordion of findings, and the body of each finding (rendered when it is first opened).
FINDINGS_ACCORDION = "findings-accordion"
DETAIL = "finding-detail"
DETAIL_CLASS = "finding-detail"
DETAIL_LOADED = "finding-detail finding-detail-loaded"
LOADING_TEXT = "Chargement des chiffres comparés et de leurs citations…"

#: Okabe-Ito colours (colour-blind-safe), the most alarming for the most severe findings.
SEVERITY_COLORS = {"high": OKABE_ITO["vermillion"], "medium": OKABE_ITO["orange"], "low": OKABE_ITO["sky"]}
SEVERITY_TEXT = {"high": "white", "medium": "#1f2933", "low": "#1f2933"}
NO_SEVERITY = "none"
NONE_TICKED = "Aucune gravité cochée : cochez au moins une gravité pour afficher les incohérences."


def severity_badge(severity: str) -> html.Span:
    return html.Span(
        SEVERITY_LABELS.get(severity, severity),
        className="badge finding-badge",
        style={"backgroundColor": SEVERITY_COLORS.get(severity, "#8C8C8C"), "color": SEVERITY_TEXT.get(severity)},
    )


def _number(value: float, unit: str) -> str:
    return format_value(round(value, 1) if unit == "PCT" else round(value, 2), unit, 1 if unit == "PCT" else None)


def _gap(value: float, unit: str) -> str:
    sign = "+" if value > 0 else "\u2212" if value < 0 else ""
    return sign + _number(abs(value), unit)


def _heading(row: dict) -> list:
    detail = f" — {row['breakdown']}" if isinstance(row["breakdown"], str) and row["breakdown"] else ""
    return [
        severity_badge(row["severity"]),
        html.Span(row["territory_name"], className="fw-semibold ms-2"),
        html.Span(f" — {row['measure_label']}{detail}", className="ms-1"),
        html.Span(f", {format_period(row['period'])}", className="text-muted"),
        html.Span(
            [
                html.Span(RULE_LABELS.get(row["rule"], row["rule"]), className="finding-rule me-2"),
                f"attendu {_number(row['expected'], row['unit'])} · obtenu {_number(row['actual'], row['unit'])}",
            ],
            className="ms-auto ps-3 small text-muted text-nowrap d-none d-lg-inline",
        ),
    ]


def _facts_table(facts: list[dict], highlight: tuple[str, ...] = ()) -> dbc.Table:
    """The facts of a finding; those of the selected territories (`highlight`) are highlighted."""
    rows = [
        html.Tr(
            [
                html.Td(ROLE_LABELS.get(f["role"], f["role"]), className="text-nowrap text-muted"),
                html.Td(f["territory_name"], className="text-nowrap"),
                html.Td(printed_fact(f), className="text-end text-nowrap fw-semibold"),
                html.Td(
                    [
                        html.Q(f["quote"], className="quote"),
                        html.Div(f["section_title"], className="small text-muted"),
                    ]
                ),
            ],
            className="finding-fact-selected" if f["territory_code"] in highlight else None,
        )
        for f in facts
    ]
    header = html.Thead(
        html.Tr(
            [
                html.Th("Rôle"),
                html.Th("Territoire"),
                html.Th("Valeur imprimée", className="text-end"),
                html.Th("Citation du rapport"),
            ]
        )
    )
    return dbc.Table([header, html.Tbody(rows)], size="sm", className="small mb-0 finding-facts", responsive=True)


def _stat(label: str, value: str) -> html.Div:
    return html.Div([html.Div(label, className="kpi-label"), html.Div(value, className="finding-stat")])


def detail_id(finding_id: str) -> dict[str, str]:
    return {"type": DETAIL, "finding": finding_id}


def finding_details(row: dict, facts: list[dict], highlight: tuple[str, ...] = ()) -> list:
    """The body of a finding: expected, actual, gap, rule, explanation and the facts with their quotes."""
    return [
        html.Div(
            [
                _stat("Attendu", _number(row["expected"], row["unit"])),
                _stat("Obtenu", _number(row["actual"], row["unit"])),
                _stat("Écart", _gap(row["gap"], row["unit"])),
                _stat("Règle", RULE_LABELS.get(row["rule"], row["rule"])),
            ],
            className="d-flex flex-wrap gap-4 mb-2",
        ),
        html.P(short_message(row["message"]), className="mb-1"),
        html.P(
            [f"{RULE_DESCRIPTIONS.get(row['rule'], '')} Tolérance : {row['tolerance']}."],
            className="small text-muted mb-2",
        ),
        _facts_table(facts, highlight),
    ]


def finding_item(row: dict) -> dbc.AccordionItem:
    """A finding, collapsed: its heading, and a body filled by `show_details` when it is opened (the
    facts and quotes of every finding would weigh ~250 KB on the page)."""
    body = html.Div(
        html.Div(LOADING_TEXT, className="small text-muted"), id=detail_id(row["finding_id"]), className=DETAIL_CLASS
    )
    return dbc.AccordionItem(
        body,
        title=html.Div(_heading(row), className="d-flex w-100 align-items-center me-2"),
        item_id=row["finding_id"],
    )


def findings_list(findings_df: pd.DataFrame, empty: str = "Aucune incohérence pour ces filtres.") -> object:
    """An accordion of findings (collapsed), their details rendered when opened."""
    if findings_df.empty:
        return dbc.Alert(empty, color="light", className="mb-0")
    return dbc.Accordion(
        [finding_item(row) for row in findings_df.to_dict("records")],
        id=FINDINGS_ACCORDION,
        always_open=True,
        start_collapsed=True,
        className="findings-accordion",
    )


def summary(findings_df: pd.DataFrame, total: int) -> dbc.Row:
    """Counts by severity (tiles) and by rule (table)."""
    numbers = counts(findings_df)
    tiles = [
        dbc.Col(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div("Incohérences", className="kpi-label"),
                        html.Div(str(len(findings_df)), className="kpi-value"),
                        html.Div(
                            "sur " + str(total) + " au total" if len(findings_df) != total else "toutes gravités",
                            className="small text-muted",
                        ),
                    ]
                ),
                className="h-100 shadow-sm finding-tile",
            ),
            xs=6,
            md=3,
            className="mb-3",
        )
    ]
    for severity, label in SEVERITY_LABELS.items():
        tiles.append(
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(f"Gravité {label.lower()}", className="kpi-label"),
                            html.Div(str(numbers["severity"][severity]), className="kpi-value"),
                        ]
                    ),
                    className="h-100 shadow-sm finding-tile",
                    style={"borderLeftColor": SEVERITY_COLORS[severity]},
                ),
                xs=6,
                md=3,
                className="mb-3",
            )
        )
    return dbc.Row(tiles)


def rules_card(findings_df: pd.DataFrame) -> dbc.Card:
    numbers = counts(findings_df)["rule"]
    rows = [
        html.Tr(
            [
                html.Td(
                    [
                        html.Div(label, className="fw-semibold"),
                        html.Div(RULE_DESCRIPTIONS[rule], className="text-muted"),
                    ]
                ),
                html.Td(str(numbers[rule]), className="text-end fw-semibold fs-6"),
            ]
        )
        for rule, label in RULE_LABELS.items()
    ]
    return dbc.Card(
        [
            dbc.CardHeader(html.H3("Par règle de contrôle", className="h6 mb-0")),
            dbc.CardBody(dbc.Table(html.Tbody(rows), size="sm", className="small mb-0 align-middle")),
        ],
        className="shadow-sm mb-4 h-100",
    )


def _none_ticked(severite_raw: object) -> bool:
    """Every severity box unticked (the validated filter cannot tell it from "all")."""
    return isinstance(severite_raw, list) and not severite_raw


def selected(filters: Filters, severite_raw: object) -> pd.DataFrame:
    """The findings of the filters (from all of them, read once per opened database files); none when
    every severity box is unticked."""
    severities = (NO_SEVERITY,) if _none_ticked(severite_raw) else filters.severite
    return select_findings(
        db.cached(findings), db.cached(finding_territories), regions=filters.regions, severities=severities
    )


def _with_drom(regions: tuple[str, ...]) -> tuple[str, ...]:
    """The selected sections and their DROM (whose facts belong to the Outre-Mer section)."""
    frame = db.cached(territories)
    return (*regions, *frame.loc[frame["parent_code"].isin(regions) & (frame["kind"] == "drom"), "code"])


def _list(filters: Filters, severite_raw: object) -> object:
    return findings_list(
        selected(filters, severite_raw),
        empty=NONE_TICKED if _none_ticked(severite_raw) else "Aucune incohérence pour ces filtres.",
    )


def _count_text(findings_df: pd.DataFrame, filters: Filters, names: dict[str, str]) -> str:
    n = len(findings_df)
    text = f"{n} incohérence{'s' if n > 1 else ''}"
    if filters.regions:
        national = int((~findings_df["territory_code"].isin(filters.regions)).sum()) if n else 0
        text += " pour " + ", ".join(names.get(c, c) for c in filters.regions)
        if national:
            several = national > 1
            text += f", dont {national} relevée{'s' if several else ''} à l'échelle d'un autre territoire (France "
            text += f"entière, par exemple) à partir des chiffres de {'ces' if len(filters.regions) > 1 else 'ce'} "
            text += f"territoire{'s' if len(filters.regions) > 1 else ''}"
    return text + "."


def _chart_height(rows: int) -> int:
    return 190 + 30 * max(rows, 7)


def layout(**query: str) -> html.Div:
    filters = from_query(query, db.cached(section_codes))
    tiles, figure, rules, count = findings_views(filters, None)
    return html.Div(
        [
            html.H1("Qualité des données", className="h3"),
            html.P(
                "Incohérences relevées automatiquement entre les chiffres publiés dans le bilan : parts qui ne font "
                "pas le total, territoires dont la somme diffère du chiffre national, pourcentages imprimés, chiffres "
                "repris avec une autre valeur. Les chiffres restent affichés tels que publiés ; chaque incohérence "
                "donne les citations en cause.",
                className="text-muted",
            ),
            filter_bar(
                regions_control(section_regions(), filters.regions, width=7),
                severite_control(filters.severite, width=5),
            ),
            html.Div(tiles, id=ids.FINDINGS_SUMMARY),
            dbc.Row(
                [
                    dbc.Col(chart_card(CHART, "incoherences-par-territoire", figure), lg=8),
                    dbc.Col(html.Div(rules, id=ids.FINDINGS_RULES, className="h-100 pb-4"), lg=4),
                ]
            ),
            html.Div(
                [
                    html.H2("Liste des incohérences", className="h5 mb-0 me-3"),
                    html.Span(count, id=ids.FINDINGS_COUNT, className="text-muted small me-auto"),
                    dbc.Button(
                        "Liste (CSV)",
                        id=ids.csv_button(EXPORT),
                        size="sm",
                        color="secondary",
                        outline=True,
                        n_clicks=0,
                    ),
                    dcc.Download(id=ids.csv_download(EXPORT)),
                ],
                className="d-flex align-items-center flex-wrap gap-2 mb-2",
            ),
            html.P(
                "Cliquez sur une incohérence pour voir les chiffres comparés et leurs citations.",
                className="small text-muted mb-2",
            ),
            dcc.Loading(html.Div(_list(filters, None), id=ids.FINDINGS_TABLE), type="default", delay_show=300),
        ]
    )


@register_export(EXPORT)
def findings_data(cur, filters: Filters) -> pd.DataFrame:
    """The filtered findings with their full message (which quotes the figures in cause)."""
    data = findings(cur, regions=filters.regions, severities=filters.severite)
    return pd.DataFrame(
        {
            "identifiant": data["finding_id"],
            "gravité": data["severity"].map(SEVERITY_LABELS),
            "règle": data["rule"].map(RULE_LABELS),
            "code_territoire": data["territory_code"],
            "territoire": data["territory_name"],
            "mesure": data["measure_label"],
            "détail": data["breakdown"],
            "période": data["period"].map(format_period),
            "unité": data["unit"].map({"COUNT": "nombre", "MEUR": "M€", "PCT": "%"}).fillna(data["unit"]),
            "attendu": data["expected"],
            "obtenu": data["actual"],
            "écart": data["gap"],
            "tolérance": data["tolerance"],
            "message": data["message"],
        }
    )


@register_export(CHART)
def findings_by_territory_data(cur, filters: Filters) -> pd.DataFrame:
    """The chart's counts: findings per territory and severity."""
    table = by_territory(findings(cur, regions=filters.regions, severities=filters.severite))
    return table.rename(
        columns={
            "region_code": "code_territoire",
            "region_name": "territoire",
            **{s: f"gravité {label.lower()}" for s, label in SEVERITY_LABELS.items()},
        }
    )


def findings_figure(filters: Filters, none_ticked: bool) -> go.Figure:
    """The findings of a selection by territory and severity (`none_ticked`: every severity box unticked)."""
    table = by_territory(selected(filters, [] if none_ticked else None))
    context = chart_context()
    title = "Incohérences par territoire et gravité"
    if table.empty:
        return empty_figure(
            "Aucune incohérence pour ces filtres.",
            title=title,
            source_line=context.source_line,
            data_date=context.data_date,
            synthetic=context.synthetic,
        )
    figure = region_bars(
        table,
        [Series(s, label, SEVERITY_COLORS[s]) for s, label in SEVERITY_LABELS.items()],
        context,
        title=title,
        unit="COUNT",
        barmode="stack",
        height=_chart_height(len(table)),
    )
    figure.update_layout(bargap=0.35)
    largest = int(table[list(SEVERITY_LABELS)].sum(axis=1).max())
    figure.update_xaxes(tick0=0, dtick=max(1, math.ceil(largest / 8)), tickformat=",d")  # whole counts
    if len(table) < 4:  # keep a lone bar from filling the whole chart
        figure.update_traces(width=0.4)
    return figure


def findings_views(filters: Filters, severite_raw: object) -> tuple[dbc.Row, dict, dbc.Card, str]:
    """The summary tiles, the chart by territory (plotly JSON), the rules card and the count line."""
    data = selected(filters, severite_raw)
    names = {r.code: r.name for r in db.cached(territories).itertuples()}
    figure = cached_figure(findings_figure, filters, _none_ticked(severite_raw))
    return summary(data, len(db.cached(findings))), figure, rules_card(data), _count_text(data, filters, names)


@filters_callback(
    Output(ids.FINDINGS_SUMMARY, "children"),
    Output(ids.chart(CHART), "figure"),
    Output(ids.chart(CHART), "style"),
    Output(ids.FINDINGS_RULES, "children"),
    Output(ids.FINDINGS_COUNT, "children"),
)
def update_findings(values: object):
    severite_raw = control_values(values).get("severite")
    tiles, figure, rules, count = findings_views(page_filters(values), severite_raw)
    return tiles, *sized(figure), rules, count


@filters_callback(Output(ids.FINDINGS_TABLE, "children"))
def update_list(values: object):
    return _list(page_filters(values), control_values(values).get("severite"))


def _all_finding_facts(cur) -> pd.DataFrame:
    return finding_facts(cur, list(findings(cur)["finding_id"]))


@callback(
    Output(detail_id(ALL), "children"),  # type: ignore[arg-type]
    Output(detail_id(ALL), "className"),  # type: ignore[arg-type]
    Input(FINDINGS_ACCORDION, "active_item"),
    State(detail_id(ALL), "className"),  # type: ignore[arg-type]
    State(ids.FILTERS, "data"),
    prevent_initial_call=True,
)
def show_details(active: object, classes: object, store: object):
    """Fill the body of each finding opened for the first time (the others are left as they are).

    Every input comes from the browser: only the findings of the database are rendered.
    """
    items = [active] if isinstance(active, str) else active if isinstance(active, list) else []
    opened = {item for item in items if isinstance(item, str)}
    outputs = ctx.outputs_list[0] if ctx.outputs_list else []
    classes = classes if isinstance(classes, list) else []
    known = db.cached(findings).set_index("finding_id", drop=False)
    wanted = [
        isinstance(o, dict)
        and isinstance(o.get("id"), dict)
        and isinstance(o["id"].get("finding"), str)
        and o["id"]["finding"] in opened
        and o["id"]["finding"] in known.index
        and (classes[i] if i < len(classes) else None) != DETAIL_LOADED
        for i, o in enumerate(outputs)
    ]
    if not any(wanted):
        raise PreventUpdate
    facts = db.cached(_all_finding_facts)
    highlight = _with_drom(from_store(store, db.cached(section_codes)).regions)
    children, class_names = [], []
    for output, render in zip(outputs, wanted, strict=True):
        if not render:
            children.append(no_update)
            class_names.append(no_update)
            continue
        finding_id = output["id"]["finding"]
        rows = facts[facts["finding_id"] == finding_id].to_dict("records")
        children.append(finding_details(known.loc[finding_id].to_dict(), rows, highlight))
        class_names.append(DETAIL_LOADED)
    return children, class_names


dash.register_page(
    __name__, path="/qualite", name="Qualité des données", order=6, title="Qualité des données · NPNRU", layout=layout
)

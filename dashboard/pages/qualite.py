"""Qualité des données: the reconciliation findings, with the printed figures and quotes behind each."""

from __future__ import annotations

import math

import dash
import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import Input, Output, Patch, callback, dcc, html
from dash.exceptions import PreventUpdate

from .. import db, ids
from ..components.chart_card import cached_figure, chart_card, sized
from ..components.controls import filter_bar, regions_control, severite_control
from ..components.findings_list import Detail, FindingsList, Item, fact_row, finding_detail, finding_entry
from ..components.plain_elements import Element, PlainElements, element
from ..exports import register_export
from ..figures.bars import Series, region_bars
from ..figures.theme import OKABE_ITO, empty_figure
from ..filters import Filters, from_query
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
#: The list of findings (`components.findings_list`); at most MAX_PENDING details are sent at once.
FINDINGS_LIST = "findings-list"
MAX_PENDING = 50
LOADING_TEXT = "Chargement des chiffres comparés et de leurs citations…"

#: Okabe-Ito colours (colour-blind-safe), the most alarming for the most severe findings.
SEVERITY_COLORS = {"high": OKABE_ITO["vermillion"], "medium": OKABE_ITO["orange"], "low": OKABE_ITO["sky"]}
SEVERITY_TEXT = {"high": "white", "medium": "#1f2933", "low": "#1f2933"}
NO_SEVERITY = "none"
TILE_CLASSES = "card h-100 shadow-sm finding-tile"
NONE_TICKED = "Aucune gravité cochée : cochez au moins une gravité pour afficher les incohérences."


def _number(value: float, unit: str) -> str:
    return format_value(round(value, 1) if unit == "PCT" else round(value, 2), unit, 1 if unit == "PCT" else None)


def _gap(value: float, unit: str) -> str:
    sign = "+" if value > 0 else "\u2212" if value < 0 else ""
    return sign + _number(abs(value), unit)


def finding_item(row: dict) -> Item:
    """A finding, collapsed: its severity, territory, measure, period, rule, expected and actual values."""
    detail = f" — {row['breakdown']}" if isinstance(row["breakdown"], str) and row["breakdown"] else ""
    return finding_entry(
        row["finding_id"],
        badge=SEVERITY_LABELS.get(row["severity"], row["severity"]),
        background=SEVERITY_COLORS.get(row["severity"], "#8C8C8C"),
        color=SEVERITY_TEXT.get(row["severity"], "#1f2933"),
        territory=row["territory_name"],
        measure=f" — {row['measure_label']}{detail}",
        period=f", {format_period(row['period'])}",
        rule=RULE_LABELS.get(row["rule"], row["rule"]),
        values=f"attendu {_number(row['expected'], row['unit'])} · obtenu {_number(row['actual'], row['unit'])}",
    )


def finding_details(row: dict, facts: list[dict]) -> Detail:
    """The body of a finding: expected, actual, gap, rule, explanation and the facts with their quotes
    and territory codes (the list's `highlight` makes the selected territories' facts stand out)."""
    return finding_detail(
        [
            ("Attendu", _number(row["expected"], row["unit"])),
            ("Obtenu", _number(row["actual"], row["unit"])),
            ("Écart", _gap(row["gap"], row["unit"])),
            ("Règle", RULE_LABELS.get(row["rule"], row["rule"])),
        ],
        short_message(row["message"]),
        f"{RULE_DESCRIPTIONS.get(row['rule'], '')} Tolérance : {row['tolerance']}.",
        [
            fact_row(
                ROLE_LABELS.get(f["role"], f["role"]),
                f["territory_name"],
                printed_fact(f),
                f["quote"],
                f["section_title"],
                code=f["territory_code"],
            )
            for f in facts
        ],
    )


def findings_list(
    findings_df: pd.DataFrame,
    empty: str = "Aucune incohérence pour ces filtres.",
    highlight: tuple[str, ...] = (),
) -> FindingsList:
    """The findings, collapsed; the details of each are sent when it is first opened (the facts and
    quotes of every finding would weigh ~250 KB on the page). `empty` is shown when there is none;
    the facts of the `highlight` territories stand out."""
    return FindingsList(
        id=FINDINGS_LIST,
        items=[finding_item(row) for row in findings_df.to_dict("records")],
        details={},
        active_item=[],
        pending=[],
        highlight=list(highlight),
        loading_text=LOADING_TEXT,
        empty_text=empty,
    )


def _tile(label: str, value: str, detail: str | None = None, accent: str | None = None) -> Element:
    lines = [element("div", label, class_name="kpi-label"), element("div", value, class_name="kpi-value")]
    if detail:
        lines.append(element("div", detail, class_name="small text-muted"))
    card = element("div", element("div", *lines, class_name="card-body"), class_name=TILE_CLASSES, accent=accent)
    return element("div", card, class_name="col-6 col-md-3 mb-3")


def summary(findings_df: pd.DataFrame, total: int) -> list[Element]:
    """Counts by severity (tiles, elements of `PlainElements` in a row)."""
    numbers = counts(findings_df)
    shown = len(findings_df)
    tiles = [_tile("Incohérences", str(shown), f"sur {total} au total" if shown != total else "toutes gravités")]
    for severity, label in SEVERITY_LABELS.items():
        tiles.append(
            _tile(f"Gravité {label.lower()}", str(numbers["severity"][severity]), accent=SEVERITY_COLORS[severity])
        )
    return tiles


def rules_card(findings_df: pd.DataFrame) -> list[Element]:
    """Counts by rule, in a card (elements of `PlainElements`)."""
    numbers = counts(findings_df)["rule"]
    rows = [
        element(
            "tr",
            element(
                "td",
                element("div", label, class_name="fw-semibold"),
                element("div", RULE_DESCRIPTIONS[rule], class_name="text-muted"),
            ),
            element("td", str(numbers[rule]), class_name="text-end fw-semibold fs-6"),
        )
        for rule, label in RULE_LABELS.items()
    ]
    return [
        element(
            "div",
            element("div", element("h3", "Par règle de contrôle", class_name="h6 mb-0"), class_name="card-header"),
            element(
                "div",
                element("table", element("tbody", *rows), class_name="table table-sm small mb-0 align-middle"),
                class_name="card-body",
            ),
            class_name="card shadow-sm mb-4 h-100",
        )
    ]


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


def _list(data: pd.DataFrame, filters: Filters, severite_raw: object) -> FindingsList:
    return findings_list(
        data,
        empty=NONE_TICKED if _none_ticked(severite_raw) else "Aucune incohérence pour ces filtres.",
        highlight=_with_drom(filters.regions),
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
    tiles, figure, rules, count, listing = findings_views(filters, None)
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
            PlainElements(tiles, id=ids.FINDINGS_SUMMARY, className="row"),
            dbc.Row(
                [
                    dbc.Col(chart_card(CHART, "incoherences-par-territoire", figure), lg=8),
                    dbc.Col(PlainElements(rules, id=ids.FINDINGS_RULES, className="h-100 pb-4"), lg=4),
                ]
            ),
            html.Div(
                [
                    html.H2("Liste des incohérences", className="h5 mb-0 me-3"),
                    PlainElements([count], id=ids.FINDINGS_COUNT, className="text-muted small me-auto"),
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
            dcc.Loading(html.Div(listing, id=ids.FINDINGS_TABLE), type="default", delay_show=300),
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


def findings_views(
    filters: Filters, severite_raw: object
) -> tuple[list[Element], dict, list[Element], str, FindingsList]:
    """The summary tiles, the chart by territory (plotly JSON), the rules card, the count line and the
    list of findings, from one selection."""
    data = selected(filters, severite_raw)
    names = {r.code: r.name for r in db.cached(territories).itertuples()}
    figure = cached_figure(findings_figure, filters, _none_ticked(severite_raw))
    count = _count_text(data, filters, names)
    return summary(data, len(db.cached(findings))), figure, rules_card(data), count, _list(data, filters, severite_raw)


#: What a filter change sets on the list of findings: new items, all collapsed, the territories
#: whose facts stand out. The details already sent stay (they do not depend on the filters), and
#: `pending` too: setting it would make Dash ask `show_details` for nothing.
LIST_PROPS = ("items", "active_item", "highlight", "empty_text")


@filters_callback(
    Output(ids.FINDINGS_SUMMARY, "elements"),
    Output(ids.chart(CHART), "figure"),
    Output(ids.chart(CHART), "style"),
    Output(ids.FINDINGS_RULES, "elements"),
    Output(ids.FINDINGS_COUNT, "elements"),
    *(Output(FINDINGS_LIST, prop) for prop in LIST_PROPS),
)
def update_views(values: object):
    """Every view of the page for the new filters, in one request (see `on_filters`): properties of
    the page's components only, no new Dash component."""
    filters, severite_raw = page_filters(values), control_values(values).get("severite")
    tiles, figure, rules, count, listing = findings_views(filters, severite_raw)
    return tiles, *sized(figure), rules, [count], *(getattr(listing, prop) for prop in LIST_PROPS)


def _all_finding_facts(cur) -> pd.DataFrame:
    return finding_facts(cur, list(findings(cur)["finding_id"]))


@callback(
    Output(FINDINGS_LIST, "details"),
    Input(FINDINGS_LIST, "pending"),
    prevent_initial_call=True,
)
def show_details(pending: object):
    """Add the details of the findings opened for the first time (`pending`) to the list.

    Every input comes from the browser: only the findings of the database are rendered, at most
    MAX_PENDING at once, and only what is added is sent (a `Patch` of the list's details).
    """
    known = db.cached(findings).set_index("finding_id", drop=False)
    wanted = [f for f in pending if isinstance(f, str) and f in known.index] if isinstance(pending, list) else []
    wanted = list(dict.fromkeys(wanted))[:MAX_PENDING]
    if not wanted:
        raise PreventUpdate
    facts = db.cached(_all_finding_facts)
    details = Patch()
    for finding_id in wanted:
        rows = facts[facts["finding_id"] == finding_id].to_dict("records")
        details[finding_id] = finding_details(known.loc[finding_id].to_dict(), rows)
    return details


dash.register_page(
    __name__, path="/qualite", name="Qualité des données", order=6, title="Qualité des données · NPNRU", layout=layout
)

"""Carte: a choropleth of the 13 report sections, the five DROM in insets, and a selection panel.

The full figure (with its geometry) is sent once, in the layout. A change of measure or of
selection then sends only a `dash.Patch` of colours and texts. A click on a territory sets the
`regions` filter, so the other pages follow the selection through the URL.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html, no_update

from .. import db, ids
from ..components.chart_card import chart_card
from ..components.controls import filter_bar, measure_control, regions_control
from ..components.plain_elements import Element, PlainElements, element
from ..exports import register_export
from ..figures.bars import NOT_PUBLISHED, formatted
from ..figures.map import (
    MISSING_FILL,
    MapStyle,
    choropleth,
    clicked_section,
    drom_lines,
    map_patch,
    map_style,
    restyled,
    with_selection,
)
from ..filters import Filters, from_query, from_store, validate
from ..formatting import format_value
from ..geometry import OVERSEAS_SECTION, load_geometry
from ..indicators import INDICATORS, Indicator
from ..on_filters import filters_callback, page_filters
from ..queries.common import (
    indicator_values,
    published_facts,
    region_key_figures,
    section_codes,
    source_info,
)
from .overview import chart_context, section_regions

MAP = "map"

#: The key figures of the selection panel: (column of `region_key_figures`, label, unit, indented).
KEY_FIGURES: tuple[tuple[str, str, str, bool], ...] = (
    ("qpv_count", "Quartiers prioritaires (QPV)", "COUNT", False),
    ("concours_alloues_meur", "Concours financiers alloués", "MEUR", False),
    ("prets_alloues_meur", "dont prêts", "MEUR", True),
    ("prets_engages_cumul_meur", "Prêts engagés 2018-2024", "MEUR", False),
    ("prets_engages_2024_meur", "dont engagés en 2024", "MEUR", True),
    ("droits_total", "Droits de réservation", "COUNT", False),
    ("droits_requalification", "requalification", "COUNT", True),
    ("droits_reconstitution", "reconstitution de l'offre", "COUNT", True),
    ("cf_total", "Contreparties foncières (logements)", "COUNT", False),
    ("cf_fonciere_logement", "Foncière Logement", "COUNT", True),
    ("cf_esh_groupe", "ESH du Groupe", "COUNT", True),
    ("menages_loges", "Ménages salariés logés", "COUNT", False),
)


def _drom_codes(cur) -> tuple[str, ...]:
    return tuple(
        r[0]
        for r in cur.execute(
            "SELECT code FROM territories WHERE kind = 'drom' AND parent_code = ? ORDER BY sort_order",
            [OVERSEAS_SECTION],
        ).fetchall()
    )


def _drom_lines(cur) -> dict[str, list[str]]:
    return drom_lines(published_facts(cur, territories=_drom_codes(cur)), "@" + source_info(cur).data_as_of)


def _measure_style(_cur, measure: str) -> MapStyle:
    """The map's colours and texts for a measure, nothing selected (from cached query results)."""
    return map_style(
        db.cached(indicator_values, measure),
        INDICATORS[measure],
        load_geometry(),
        drom_facts=db.cached(_drom_lines),
    )


def _style(measure: str, regions: tuple[str, ...]) -> MapStyle:
    """The map's colours and texts for a validated measure and selection (colours computed once per
    opened database files and measure)."""
    return with_selection(db.cached(_measure_style, measure), load_geometry(), regions)


def _base_map(_cur) -> dict[str, object]:
    """The full map of the default measure, nothing selected, as plotly JSON: its geometry (most of
    its weight and build time) is drawn once per opened database files; `restyled` recolours it."""
    style = db.cached(_measure_style, Filters().measure)
    return choropleth(load_geometry(), style, chart_context()).to_plotly_json()


def map_figure(filters: Filters) -> dict[str, object]:
    """The map of the filters: `choropleth(...).to_plotly_json()`, from the cached base map."""
    return restyled(db.cached(_base_map), _style(filters.measure, filters.regions), load_geometry())


def _rendered(filters: Filters) -> dict[str, object]:
    """What the figure on the page shows (kept in the browser, so a patch sends only differences)."""
    return {"measure": filters.measure, "regions": list(filters.regions)}


def _figure_row(label: str, value: str, *, indented: bool = False, highlight: bool = False) -> Element:
    return element(
        "tr",
        element("td", label, class_name="ps-3 text-muted" if indented else "fw-semibold"),
        element("td", value, class_name="text-end text-nowrap" + (" text-muted" if value == NOT_PUBLISHED else "")),
        class_name="table-warning" if highlight else None,
    )


def _section_card(
    row: pd.Series, indicator: Indicator, value: str, drom: dict[str, list[str]], names: dict[str, str]
) -> Element:
    """Key figures of one selected section (the current measure highlighted) and a link to its page."""
    code = row["region_code"]
    rows = [
        _figure_row(
            label,
            NOT_PUBLISHED if pd.isna(row[column]) else format_value(float(row[column]), unit),
            indented=indented,
            highlight=column == indicator.code,
        )
        for column, label, unit, indented in KEY_FIGURES
    ]
    body: list[Element | str] = [
        element(
            "div",
            element(
                "span", indicator.label + (" (calculé)" if indicator.derived else ""), class_name="text-muted small"
            ),
        ),
        element("div", value, class_name="kpi-value mb-2"),
        element("table", element("tbody", *rows), class_name="table table-sm table-borderless small mb-2 map-figures"),
    ]
    if code == OVERSEAS_SECTION and drom:
        body.append(element("div", "Publié par territoire", class_name="small fw-semibold mt-2 mb-1"))
        body.append(
            element(
                "ul",
                *(
                    element("li", element("span", names.get(t, t), class_name="fw-semibold"), " : ", ", ".join(lines))
                    for t, lines in drom.items()
                ),
                class_name="small ps-3 mb-2",
            )
        )
    body.append(
        element("a", "Voir la page de la région →", href=f"/region/{code}", class_name="btn btn-sm btn-primary")
    )
    return element(
        "div",
        element("div", element("h3", row["region_name"], class_name="h6 mb-0"), class_name="card-header"),
        element("div", *body, class_name="card-body"),
        class_name="card mb-3 shadow-sm map-section-card",
    )


def _values_table(values: pd.DataFrame, indicator: Indicator, style: MapStyle) -> Element:
    """The values behind the map, largest first (unpublished last), when nothing is selected."""
    colors = {}
    for area, area_style in zip(load_geometry().areas, style.areas, strict=True):
        colors.setdefault(area.section, area_style.fillcolor)
    data = values.assign(missing=values["value"].isna()).sort_values(["missing", "value"], ascending=[True, False])
    printed = formatted(data["value"].tolist(), indicator.unit, indicator.decimals)
    rows = [
        element(
            "tr",
            element(
                "td",
                element(
                    "span",
                    class_name="map-swatch" + (" map-swatch-missing" if missing else ""),
                    background=colors.get(code, MISSING_FILL),
                ),
                class_name="pe-0",
            ),
            element(
                "td",
                element("a", name, href=f"/region/{code}", class_name="link-body-emphasis text-decoration-none"),
            ),
            element("td", text, class_name="text-end text-nowrap" + (" text-muted" if missing else "")),
        )
        for code, name, missing, text in zip(
            data["region_code"], data["region_name"], data["missing"], printed, strict=True
        )
    ]
    return element(
        "div",
        element("div", element("h3", "Valeurs par territoire", class_name="h6 mb-0"), class_name="card-header"),
        element(
            "div",
            element(
                "p",
                "Cliquez sur un territoire de la carte pour afficher ses chiffres clés et le sélectionner "
                "dans toutes les vues ; un second clic le désélectionne.",
                class_name="small text-muted mb-2",
            ),
            element("table", element("tbody", *rows), class_name="table table-sm table-hover small mb-0 map-values"),
            class_name="card-body",
        ),
        class_name="card shadow-sm",
    )


def selection_panel(filters: Filters) -> list[Element]:
    """Key figures of the selected sections, or the table of values when nothing is selected
    (elements of `PlainElements`: a filter change rewrites them as one property)."""
    indicator = INDICATORS[filters.measure]
    values = db.cached(indicator_values, filters.measure)
    if not filters.regions:
        return [_values_table(values, indicator, _style(filters.measure, ()))]
    figures = db.cached(region_key_figures).set_index("region_code", drop=False)
    printed = dict(
        zip(values["region_code"], formatted(values["value"].tolist(), indicator.unit, indicator.decimals), strict=True)
    )
    drom = db.cached(_drom_lines)
    names = {a.code: a.name for a in load_geometry().areas}
    cards = [
        _section_card(figures.loc[code], indicator, printed.get(code, NOT_PUBLISHED), drom, names)
        for code in filters.regions
        if code in figures.index
    ]
    header = element(
        "div",
        f"{len(cards)} territoire{'s' if len(cards) > 1 else ''} sélectionné{'s' if len(cards) > 1 else ''}",
        class_name="small text-muted mb-2",
    )
    return [header, *cards]


def layout(**query: str) -> html.Div:
    filters = from_query(query, db.cached(section_codes))
    figure = map_figure(filters)
    return html.Div(
        [
            html.H1("Carte des territoires", className="h3"),
            html.P(
                "Une mesure par section régionale du bilan, telle que publiée. Les cinq territoires d'outre-mer, "
                "en encarts, prennent la valeur de la section Outre-Mer ; leurs propres chiffres publiés sont "
                "donnés au survol. Cliquez sur un territoire pour le sélectionner dans toutes les vues.",
                className="text-muted",
            ),
            filter_bar(measure_control(filters.measure), regions_control(section_regions(), filters.regions, width=7)),
            dbc.Row(
                [
                    dbc.Col(chart_card(MAP, "carte-territoires", figure), lg=8),
                    dbc.Col(PlainElements(selection_panel(filters), id=ids.MAP_SELECTION), lg=4),
                ]
            ),
            dcc.Store(id=ids.MAP_RENDERED, data=_rendered(filters)),
        ]
    )


def _value_column(indicator: Indicator) -> str:
    unit = {"MEUR": " (M€)", "PCT": " (%)"}.get(indicator.unit, "")
    return f"{indicator.label}{' (calculé)' if indicator.derived else ''}{unit}"


@register_export(MAP)
def map_data(cur, filters: Filters) -> pd.DataFrame:
    """The 13 sections and their value of the selected measure (empty where not published)."""
    indicator = INDICATORS[filters.measure]
    data = indicator_values(cur, filters.measure)
    status = "calculé" if indicator.derived else "publié"
    return pd.DataFrame(
        {
            "code_territoire": data["region_code"],
            "territoire": data["region_name"],
            _value_column(indicator): data["value"],
            "statut": [NOT_PUBLISHED if pd.isna(v) else status for v in data["value"]],
            "sélectionné": ["oui" if c in filters.regions else "" for c in data["region_code"]],
        }
    )


@filters_callback(Output(ids.chart(MAP), "figure"), Output(ids.MAP_RENDERED, "data"), State(ids.MAP_RENDERED, "data"))
def restyle_map(values: object, rendered: object):
    """Patch colours, texts and outlines only; the geometry stays in the browser."""
    codes = db.cached(section_codes)
    filters = page_filters(values)
    shown = from_store(rendered, codes) if isinstance(rendered, dict) else None
    if shown is not None and (shown.measure, shown.regions) == (filters.measure, filters.regions):
        return no_update, no_update
    previous = _style(shown.measure, shown.regions) if shown is not None else None
    style = _style(filters.measure, filters.regions)
    return map_patch(style, load_geometry(), previous), _rendered(filters)


@callback(
    Output(ids.filter_control("regions"), "value", allow_duplicate=True),
    Input(ids.chart(MAP), "clickData"),
    State(ids.filter_control("regions"), "value"),
    prevent_initial_call=True,
)
def select_on_click(click_data: object, current: object):
    """A click selects the territory (a DROM selects Outre-Mer); clicking the selection clears it."""
    codes = db.cached(section_codes)
    section = clicked_section(click_data, load_geometry(), codes)
    if section is None:
        return no_update
    selected = validate({"regions": current}, codes).regions
    return [] if selected == (section,) else [section]


@filters_callback(Output(ids.MAP_SELECTION, "elements"))
def update_panel(values: object):
    return selection_panel(page_filters(values))


dash.register_page(__name__, path="/carte", name="Carte", order=4, title="Carte · NPNRU", layout=layout)

"""The app shell: navigation bar built from the page registry, footer, shared stores."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from .. import ids
from ..presentation.ui import presentation_switch


def navbar(regions: list[tuple[str, str]]) -> dbc.Navbar:
    """Links to every registered page (in `order`), plus a menu of the region pages."""
    pages = [p for p in dash.page_registry.values() if p.get("path_template") is None and p.get("nav", True)]
    links = [
        dbc.NavItem(
            dbc.NavLink(p["name"], href=p["relative_path"], id=ids.nav_link(p["module"].split(".")[-1]), active="exact")
        )
        for p in sorted(pages, key=lambda p: p["order"])
    ]
    menu = dbc.DropdownMenu(
        [dbc.DropdownMenuItem(name, href=f"/region/{code}") for code, name in regions],
        label="Régions",
        nav=True,
        in_navbar=True,
        id="nav-regions-menu",
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(["NPNRU ", html.Span("· Action Logement", className="fw-light")], href="/"),
                dbc.NavbarToggler(id="navbar-toggler"),
                dbc.Collapse(
                    [
                        dbc.Nav([*links[:-1], menu, links[-1]] if links else [menu], navbar=True),
                        presentation_switch(),
                    ],
                    id="navbar-collapse",
                    navbar=True,
                ),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
        id=ids.NAVBAR,
    )


def footer(source_line: str, data_date: str) -> html.Footer:
    return html.Footer(
        dbc.Container(
            html.Small(
                [
                    source_line,
                    " · ",
                    data_date,
                    " · Chiffres tels que publiés, sans correction : "
                    "les incohérences du rapport sont listées dans « Qualité des données ».",
                ]
            ),
            fluid=True,
        ),
        className="footer py-3 mt-4 text-muted",
        id=ids.FOOTER,
    )


def alerts() -> html.Div:
    """Dismissable alerts filled by callbacks: a failed update. (The filter values an address carried
    that a page dropped are listed by the page itself: `rejected_alert`.)"""
    return html.Div([dbc.Alert(id=ids.ERROR_ALERT, color="danger", dismissable=True, is_open=False, className="small")])


def synthetic_banner() -> html.Div:
    """Shown on every page while simulated weekly extracts are loaded."""
    return html.Div(
        [
            html.Strong("Données simulées"),
            " · les extractions hebdomadaires chargées sont synthétiques (démonstration), pas des chiffres réels ; "
            "les chiffres du bilan restent ceux publiés.",
        ],
        id=ids.SYNTHETIC_BANNER,
        className="synthetic-banner",
        role="status",
    )


def layout(regions: list[tuple[str, str]], source_line: str, data_date: str, *, synthetic: bool = False) -> html.Div:
    """The whole page: navbar, the current page's content, footer, and the shared stores.

    `synthetic`: simulated data are loaded, every page then carries the "Données simulées" banner.
    """
    return html.Div(
        [
            *([synthetic_banner()] if synthetic else []),
            navbar(regions),
            dbc.Container(alerts(), fluid=True),
            dbc.Container(dash.page_container, fluid=True, className="page"),
            footer(source_line, data_date),
            dcc.Store(id=ids.FILTERS),
        ]
    )

"""Dash side of the presentation exports: the "Exporter" menu of a page, the download callback,
and the navbar's "Mode présentation" switch (kept client-side, per browser tab session)."""

from __future__ import annotations

import logging

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from .. import db, ids
from ..filters import from_store
from ..queries.common import section_codes
from .deck import (
    FORMATS,
    FULL_ACCESS,
    Access,
    AccessDenied,
    UnknownScope,
    build_deck,
    deck_filename,
    resolve_scope,
    write_deck,
)
from .render import RenderError

log = logging.getLogger(__name__)

FORMAT_LABELS = {"pptx": "PowerPoint (.pptx)", "pdf": "PDF"}
MENU_LABEL = "Exporter"


def exporter(scope: str) -> html.Div:
    """The "Exporter" menu of a page: the page as 16:9 slides (PowerPoint) or a PDF.

    `scope` is the page's territory: a section code, or `FR` for the overview. It is validated
    again on the server when the export is requested.
    """
    return html.Div(
        [
            dbc.DropdownMenu(
                [
                    dbc.DropdownMenuItem("Diapositives 16:9 de cette page", header=True),
                    *[dbc.DropdownMenuItem(FORMAT_LABELS[fmt], id=ids.deck_button(fmt), n_clicks=0) for fmt in FORMATS],
                ],
                label=MENU_LABEL,
                color="primary",
                size="sm",
                align_end=True,
                id=ids.DECK_MENU,
                toggle_class_name="deck-export-toggle",
            ),
            dcc.Download(id=ids.DECK_DOWNLOAD),
            dcc.Store(id=ids.DECK_SCOPE, data=scope),
            html.Div(id=ids.DECK_STATUS, className="small mt-1", role="status"),
        ],
        className="deck-exporter",
    )


def current_access() -> Access:
    """Export rights of the current request (`build_deck` applies them): everything without
    authentication or for a national user; a regional user exports the national overview and its
    own regions."""
    from ..auth import current_user

    user = current_user()
    if user is None or user.allowed_regions is None:
        return FULL_ACCESS
    return Access(regions=frozenset(user.allowed_regions), national=True)


def deck_download(fmt: str, scope: object, store: object, access: Access = FULL_ACCESS) -> dict[str, object]:
    """`dcc.Download` data of the page `scope` in format `fmt`, honouring the filters `store`."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    cur = db.cursor()
    resolved = resolve_scope(cur, scope)
    deck = build_deck(cur, resolved, from_store(store, section_codes(cur)), access=access)
    content = write_deck(deck, fmt)
    return dcc.send_bytes(content, filename=deck_filename(deck, fmt), type=FORMATS[fmt])


@callback(
    Output(ids.DECK_DOWNLOAD, "data"),
    Output(ids.DECK_STATUS, "children"),
    *[Input(ids.deck_button(fmt), "n_clicks") for fmt in FORMATS],
    State(ids.DECK_SCOPE, "data"),
    State(ids.FILTERS, "data"),
    prevent_initial_call=True,
    running=[
        (Output(ids.DECK_MENU, "disabled"), True, False),
        (Output(ids.DECK_MENU, "label"), "Génération…", MENU_LABEL),
    ],
)
def download_deck(*args: object):
    """Thin: which format -> build, render and write the deck -> file download."""
    *clicks, scope, store = args
    fmt = next((f for f in FORMATS if ctx.triggered_id == ids.deck_button(f)), None)
    if fmt is None or not any(isinstance(c, int) and c > 0 for c in clicks):
        return no_update, no_update
    try:
        return deck_download(fmt, scope, store, current_access()), ""
    except (UnknownScope, AccessDenied) as exc:
        return no_update, html.Span(f"Export impossible : {exc}.", className="text-danger")
    except RenderError as exc:
        log.exception("presentation export failed")
        return no_update, html.Span(f"Export impossible : {exc}.", className="text-danger")


def presentation_switch() -> html.Div:
    """The navbar's "Mode présentation" switch: hides the controls, enlarges the type and fits the
    charts to 16:9 for screen sharing. Its value persists for the browser tab's session."""
    return html.Div(
        [
            dbc.Switch(
                id=ids.PRESENTATION_TOGGLE,
                label="Présentation",
                value=False,
                persistence=True,
                persistence_type="session",
                label_class_name="text-light small text-nowrap",
                class_name="mb-0",
            ),
            dcc.Store(id=ids.PRESENTATION_MODE, data=False),
        ],
        className="presentation-switch d-flex align-items-center flex-shrink-0 ms-lg-auto ps-lg-3 py-2 py-lg-0",
        title="Mode présentation : masque les filtres et les boutons, agrandit le texte et met les graphiques "
        "au format 16:9 pour le partage d'écran",
    )


# The class goes on <body>, the wrapper of every page: navigation between pages keeps it, and
# assets/04-presentation.js fits the charts of newly displayed pages too.
dash.clientside_callback(
    """
    function (on) {
        if (window.npnruPresentation) { window.npnruPresentation(!!on); }
        else { document.body.classList.toggle('presentation', !!on); }
        return !!on;
    }
    """,
    Output(ids.PRESENTATION_MODE, "data"),
    Input(ids.PRESENTATION_TOGGLE, "value"),
)

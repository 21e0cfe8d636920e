"""Filter controls; each one's value is mirrored into the URL query string."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from .. import ids
from ..filters import FAMILLES, OPERATEURS
from ..indicators import indicator_options

FAMILLE_LABELS = {"requalification": "Requalification", "reconstitution": "Reconstitution de l'offre"}
OPERATEUR_LABELS = {"fonciere_logement": "Foncière Logement", "esh_groupe": "ESH du Groupe"}
SEVERITE_LABELS = {"high": "Élevée", "medium": "Moyenne", "low": "Faible"}
#: French texts of dcc.Dropdown (dash 4 defaults are English).
DROPDOWN_LABELS = {
    "select_all": "Tout sélectionner",
    "deselect_all": "Tout désélectionner",
    "selected_count": "{num_selected} sélectionnés",
    "search": "Rechercher",
    "clear_search": "Effacer la recherche",
    "clear_selection": "Effacer la sélection",
    "no_options_found": "Aucune option",
}


def _labelled(label: str, control, width: int = 4) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="small fw-semibold mb-1"), control], md=width, className="mb-2")


def regions_control(regions: list[tuple[str, str]], value: tuple[str, ...], *, width: int = 5) -> dbc.Col:
    """Multi-select of report sections; empty means all."""
    return _labelled(
        "Territoires",
        dcc.Dropdown(
            id=ids.filter_control("regions"),
            options=[{"label": name, "value": code} for code, name in regions],
            value=list(value),
            multi=True,
            placeholder="Tous les territoires",
            clearable=True,
            labels=DROPDOWN_LABELS,
        ),
        width,
    )


def measure_control(value: str, *, width: int = 5) -> dbc.Col:
    return _labelled(
        "Mesure",
        dcc.Dropdown(
            id=ids.filter_control("measure"),
            options=indicator_options(),
            value=value,
            clearable=False,
            labels=DROPDOWN_LABELS,
        ),
        width,
    )


def famille_control(value: tuple[str, ...], *, width: int = 4) -> dbc.Col:
    return _labelled(
        "Famille d'opération",
        dbc.Checklist(
            id=ids.filter_control("famille"),
            options=[{"label": FAMILLE_LABELS[f], "value": f} for f in FAMILLES],
            value=list(value) or list(FAMILLES),
            inline=True,
        ),
        width,
    )


def operateur_control(value: tuple[str, ...], *, width: int = 4) -> dbc.Col:
    return _labelled(
        "Opérateur",
        dbc.Checklist(
            id=ids.filter_control("operateur"),
            options=[{"label": OPERATEUR_LABELS[o], "value": o} for o in OPERATEURS],
            value=list(value) or list(OPERATEURS),
            inline=True,
        ),
        width,
    )


def severite_control(value: tuple[str, ...], *, width: int = 4) -> dbc.Col:
    return _labelled(
        "Gravité",
        dbc.Checklist(
            id=ids.filter_control("severite"),
            options=[{"label": label, "value": code} for code, label in SEVERITE_LABELS.items()],
            value=list(value) or list(SEVERITE_LABELS),
            inline=True,
        ),
        width,
    )


def vue_control(value: str, *, width: int = 3) -> dbc.Col:
    return _labelled(
        "Affichage",
        dbc.RadioItems(
            id=ids.filter_control("vue"),
            options=[{"label": "Nombre", "value": "nombre"}, {"label": "Part (100 %)", "value": "part"}],
            value=value,
            inline=True,
        ),
        width,
    )


def filter_bar(*columns: dbc.Col) -> html.Div:
    """The row of controls at the top of a page (hidden in presentation mode)."""
    return html.Div(dbc.Row(list(columns), className="g-3"), className="filter-bar mb-3 p-3 rounded")

"""Pieces of the weekly views: their filter controls, the "operations database missing" notice and the
overview's list of the largest changes since the last review."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from .. import ids
from ..extracts.spec import DEPARTEMENTS, LABELS, LANDLORD_TYPES, REGION_NAMES, ZONES
from ..figures.weekly import french_date, meur, signed
from ..filters import LATEST_SNAPSHOT, PREVIOUS_SNAPSHOT
from ..formatting import format_value
from ..queries.weekly import Changes
from .controls import DROPDOWN_LABELS, _labelled

IMPORT_COMMAND = "python -m dashboard import operations.csv decaissements.csv --as-of AAAA-MM-JJ"
DEMO_COMMANDS = (
    "python -m dashboard demo-data --operations 20000 --seed 1 --out /tmp/demo",
    "python -m dashboard import /tmp/demo/operations.csv /tmp/demo/disbursements.csv --as-of 2024-12-31",
)
CHANGE_TITLES = {
    "engaged": ("Prêts engagés", "MEUR"),
    "disbursed": ("Prêts décaissés", "MEUR"),
    "rights": ("Droits de réservation", "COUNT"),
}


def _iso(text: str) -> date:
    return date.fromisoformat(text)


def snapshot_control(name: str, label: str, snapshots: tuple[str, ...], value: str, *, width: int = 3) -> dbc.Col:
    """Choice of a snapshot: the default (latest, or the one before the current) or an as-of date."""
    if name == "instantane":
        default = {"label": f"Le plus récent ({french_date(_iso(snapshots[0]))})", "value": LATEST_SNAPSHOT}
    else:
        default = {"label": "Le précédent", "value": PREVIOUS_SNAPSHOT}
    options = [default, *({"label": french_date(_iso(s)), "value": s} for s in snapshots)]
    return _labelled(
        label,
        dcc.Dropdown(
            id=ids.filter_control(name),
            options=options,
            value=value,
            clearable=False,
            searchable=False,
            labels=DROPDOWN_LABELS,
        ),
        width,
    )


def departements_control(codes: tuple[str, ...], value: tuple[str, ...], *, width: int = 6) -> dbc.Col:
    """Multi-select of the départements of the latest snapshot; empty means all."""
    options = [
        {
            "label": f"{DEPARTEMENTS[c].name} ({c}) · {REGION_NAMES[DEPARTEMENTS[c].region_code]}",
            "value": c,
            "search": f"{c} {DEPARTEMENTS[c].name}",
        }
        for c in codes
    ]
    return _labelled(
        "Départements",
        dcc.Dropdown(
            id=ids.filter_control("departements"),
            options=options,
            value=list(value),
            multi=True,
            placeholder="Tous les départements",
            clearable=True,
            labels=DROPDOWN_LABELS,
        ),
        width,
    )


def codes_checklist(name: str, label: str, codes: dict[str, str], value: tuple[str, ...], *, width: int) -> dbc.Col:
    """Tick boxes over a code list; all ticked (the default) means no filter."""
    return _labelled(
        label,
        dbc.Checklist(
            id=ids.filter_control(name),
            options=[{"label": text, "value": code} for code, text in codes.items()],
            value=list(value) or list(codes),
            inline=True,
        ),
        width,
    )


def bailleur_control(value: tuple[str, ...], *, width: int = 5) -> dbc.Col:
    return codes_checklist("bailleur", "Type de bailleur", LANDLORD_TYPES, value, width=width)


def zone_control(value: tuple[str, ...], *, width: int = 4) -> dbc.Col:
    return codes_checklist("zone", "Zone de tension", ZONES, value, width=width)


def label_control(value: tuple[str, ...], *, width: int = 3) -> dbc.Col:
    return codes_checklist("label", "Label énergétique", LABELS, value, width=width)


def radio_control(name: str, label: str, options: dict[str, str], value: str, *, width: int = 3) -> dbc.Col:
    return _labelled(
        label,
        dbc.RadioItems(
            id=ids.filter_control(name),
            options=[{"label": text, "value": code} for code, text in options.items()],
            value=value,
            inline=True,
        ),
        width,
    )


def missing_operations(path: object) -> dbc.Alert:
    """What to do when no operations database is loaded (French, with the commands)."""
    return dbc.Alert(
        [
            html.H2("Aucune extraction hebdomadaire n'est chargée", className="h6 alert-heading"),
            html.P(
                [
                    "Le tableau de bord lit les extractions dans la base des opérations ",
                    html.Code(str(path)),
                    " (variable NPNRU_OPERATIONS_DB), absente ou vide. Pour importer l'extraction de la semaine :",
                ],
                className="mb-1",
            ),
            html.Pre(IMPORT_COMMAND, className="mb-2 small"),
            html.P(
                "Chaque import ajoute un instantané daté ; la page se met à jour sans redémarrage. "
                "Pour essayer avec des données simulées :",
                className="mb-1",
            ),
            html.Pre("\n".join(DEMO_COMMANDS), className="mb-0 small"),
        ],
        color="info",
        id=ids.SUIVI_MISSING,
    )


def _change_item(row: pd.Series, unit: str) -> html.Li:
    scale = meur if unit == "MEUR" else float
    decimals = 2 if unit == "MEUR" else 0
    before, after = (format_value(scale(row[c]), unit, decimals) for c in ("previous", "current"))
    return html.Li(
        [
            html.Div(
                [
                    html.Span(f"{row['name']} ({row['key']})", className="fw-semibold"),
                    html.Span(signed(scale(row["delta"]), unit, decimals), className="change-delta"),
                ],
                className="d-flex justify-content-between gap-2",
            ),
            html.Div(f"{row['region_name']} · {before} → {after}", className="small text-muted"),
        ],
        className="list-group-item px-2 py-1",
    )


def changes_panel(changes: Changes | None) -> html.Div:
    """The overview's "largest changes since the last review": a one-line hint without two snapshots."""
    link = html.A("Suivi hebdomadaire", href="/suivi", className="alert-link")
    if changes is None:
        return html.P(
            ["Suivi hebdomadaire : aucune extraction importée (", html.Code(IMPORT_COMMAND), ")."],
            className="small text-muted mt-2",
            id=ids.OVERVIEW_CHANGES,
        )
    if changes.previous_as_of is None:
        return html.P(
            [
                f"Une seule extraction importée (au {french_date(changes.current_as_of)}) : les évolutions "
                "apparaîtront après le prochain import. ",
                link,
            ],
            className="small text-muted mt-2",
            id=ids.OVERVIEW_CHANGES,
        )
    cards = []
    for measure, df in changes.by_measure.items():
        title, unit = CHANGE_TITLES[measure]
        items = [_change_item(row, unit) for _, row in df.iterrows() if row["delta"]]
        cards.append(
            dbc.Col(
                dbc.Card(
                    [
                        dbc.CardHeader(title, className="fw-semibold small text-uppercase"),
                        html.Ul(
                            items or [html.Li("Aucune évolution.", className="list-group-item small text-muted")],
                            className="list-group list-group-flush",
                        ),
                    ],
                    className="h-100 shadow-sm change-card",
                ),
                md=4,
                className="mb-3",
            )
        )
    return html.Div(
        [
            html.H2("Plus fortes évolutions depuis la dernière revue", className="h5 mt-3"),
            html.P(
                [
                    f"Départements dont les montants ont le plus changé entre l'extraction du "
                    f"{french_date(changes.previous_as_of)} et celle du {french_date(changes.current_as_of)}. ",
                    html.A("Voir le suivi hebdomadaire", href="/suivi"),
                ],
                className="text-muted small",
            ),
            dbc.Row(cards),
        ],
        id=ids.OVERVIEW_CHANGES,
    )

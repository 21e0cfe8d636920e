"""Key-figure cards: the figure as printed, with its quote one click away."""

from __future__ import annotations

from collections.abc import Mapping

import dash_bootstrap_components as dbc
from dash import html

from ..figures.bars import NOT_PUBLISHED
from ..figures.loans import is_missing

#: Classes of a key-figure card's column: those `kpi_card`'s dbc.Col(xs=12, sm=6, lg=3, className="mb-3") renders.
KPI_COLUMN = "col-12 col-sm-6 col-lg-3 mb-3"


def kpi_card(
    card_id: str,
    label: str,
    printed: str,
    *,
    quote: str | None,
    section: str | None,
    detail: str | None = None,
    detail_class: str = "text-muted",
) -> dbc.Col:
    """A card showing `printed` under `label`; hovering or clicking it shows the source quote."""
    body = [
        html.Div(label, className="kpi-label"),
        html.Div(printed, className="kpi-value", id=f"{card_id}-value"),
    ]
    if detail:
        body.append(html.Div(detail, className=f"kpi-detail small {detail_class}"))
    children = [
        html.Div(
            dbc.Card(dbc.CardBody(body), className="kpi-card h-100 shadow-sm"),
            id=card_id,
            role="button",
            tabIndex=0,
            className="h-100",
        )
    ]
    if quote:
        children.append(
            dbc.Popover(
                [dbc.PopoverHeader(section or "Source"), dbc.PopoverBody(html.Q(quote, className="quote"))],
                target=card_id,
                trigger="hover focus click",
                placement="bottom",
                id=f"{card_id}-quote",
            )
        )
    return dbc.Col(children, xs=12, sm=6, lg=3, className="mb-3")


def printed_kpi_card(card_id: str, row: Mapping[str, object], *, detail: str | None, detail_class: str) -> dbc.Col:
    """A key-figure card from a row with `label`, `printed`, `quote`, `section_title` (any may be missing)."""

    def present(key: str) -> object:
        value = row.get(key)
        return None if is_missing(value) else value

    return kpi_card(
        card_id,
        str(row["label"]),
        str(present("printed") or NOT_PUBLISHED),
        quote=present("quote"),  # type: ignore[arg-type]
        section=present("section_title"),  # type: ignore[arg-type]
        detail=detail,
        detail_class=detail_class,
    )

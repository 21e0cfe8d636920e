"""Key-figure cards: the figure as printed, with its quote one click away."""

from __future__ import annotations

from collections.abc import Mapping

import dash_bootstrap_components as dbc
from dash import html

from ..figures.bars import NOT_PUBLISHED
from ..figures.loans import is_missing

#: Classes of a key-figure card's column in a Bootstrap row (one card a row on phones, four on wide screens).
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
) -> html.Div:
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
    return html.Div(children, className=KPI_COLUMN)


def printed_kpi_card(card_id: str, row: Mapping[str, object], *, detail: str | None, detail_class: str) -> html.Div:
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

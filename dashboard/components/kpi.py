"""Key-figure cards: the figure as printed, with its quote one click away."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


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

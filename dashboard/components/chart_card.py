"""A chart in a card, with its CSV download button."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from .. import ids
from ..figures.theme import graph_config


def chart_card(
    name: str, filename: str, figure: go.Figure | dict | None = None, *, height: int | None = None
) -> dbc.Card:
    """A dcc.Graph (id `ids.chart(name)`) with a "Données (CSV)" button exporting the data behind it;
    `figure` is a figure or its plotly JSON (`Figure.to_plotly_json()`)."""
    graph = dcc.Graph(
        id=ids.chart(name),
        figure=figure if figure is not None else go.Figure(),
        config=graph_config(filename),
        className="chart",
        **({"style": {"height": f"{height}px"}} if height else {}),
    )
    return dbc.Card(
        dbc.CardBody(
            [
                dcc.Loading(graph, type="default", delay_show=300),
                html.Div(
                    [
                        dbc.Button(
                            "Données (CSV)",
                            id=ids.csv_button(name),
                            size="sm",
                            color="secondary",
                            outline=True,
                            className="me-2",
                            n_clicks=0,
                        ),
                        html.Small(
                            "Image : bouton « appareil photo » du graphique (PNG haute définition).",
                            className="text-muted",
                        ),
                        dcc.Download(id=ids.csv_download(name)),
                    ],
                    className="d-flex align-items-center mt-2 chart-actions",
                ),
            ]
        ),
        className="mb-4 shadow-sm chart-card",
    )

"""A chart in a card, with its CSV download button."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Hashable
from typing import TypeVar

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html
from plotly.utils import PlotlyJSONEncoder

from .. import db, ids
from ..figures.theme import graph_config


def figure_height(figure: go.Figure | dict | None) -> int | None:
    """The height set in a figure's layout (a figure or its plotly JSON), if any."""
    if isinstance(figure, go.Figure):
        return figure.layout.height
    layout = figure.get("layout") if isinstance(figure, dict) else None
    height = layout.get("height") if isinstance(layout, dict) else None
    return height if isinstance(height, int | float) else None


Figure = TypeVar("Figure", go.Figure, dict)


def sized(figure: Figure) -> tuple[Figure, dict[str, str]]:
    """A figure (or its plotly JSON) and the matching graph style, for a callback that replaces a
    chart_card's figure: the graph's box must have the figure's height, or a responsive plot drawn
    while its card is hidden by the loading spinner collapses to nothing."""
    return figure, {"height": f"{figure_height(figure)}px"}


def cached_figure(build: Callable[..., go.Figure], *args: Hashable) -> dict:
    """`build(*args)` as plotly JSON, built once per opened database files and arguments
    (`db.cached`): building a figure costs 20-30 ms, and the layouts and their callbacks ask for the
    same ones. Every argument the figure depends on, the requester's access included, must be in
    `args`."""
    return db.cached(_figure_json, build, *args)


def _figure_json(_cur, build: Callable[..., go.Figure], *args: Hashable) -> dict:
    return with_revision(build(*args).to_plotly_json())


def with_revision(figure: dict) -> dict:
    """Plotly JSON with `layout.datarevision` set to a digest of its content.

    plotly.js takes a new `datarevision` to mean new data, and the browser (`assets/05-plotly.js`)
    does not redraw a chart whose revisioned figure comes back exactly as it was drawn: a filter
    change that leaves a chart as it was (on /suivi, "par an" redraws the flows chart only) costs
    that chart no drawing (15 to 30 ms of plotly.js each on this machine)."""
    layout = dict(figure.get("layout") or {})
    layout.pop("datarevision", None)
    content = json.dumps({**figure, "layout": layout}, cls=PlotlyJSONEncoder, sort_keys=True)
    layout["datarevision"] = hashlib.blake2b(content.encode(), digest_size=12).hexdigest()
    return {**figure, "layout": layout}


def chart_card(
    name: str, filename: str, figure: go.Figure | dict | None = None, *, height: int | None = None
) -> dbc.Card:
    """A dcc.Graph (id `ids.chart(name)`) with a "Données (CSV)" button exporting the data behind it;
    `figure` is a figure or its plotly JSON (`Figure.to_plotly_json()`).

    The graph's box takes the figure's height (or `height`): callbacks that change the figure return
    the matching style too (`sized`).
    """
    height = height or figure_height(figure)
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

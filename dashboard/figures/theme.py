"""One visual theme for every chart: colour-blind-safe palette, French separators, source line.

Every chart carries its title, unit, source and data date inside the figure, so that a PNG
export or a screenshot stands on its own in a presentation.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Hashable, Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..formatting import PLOTLY_SEPARATORS
from .label_width import left_margin

# Okabe & Ito (2008), the usual colour-blind-safe qualitative palette.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#8C8C8C",
}

#: One colour per category, the same in every chart.
CATEGORY_COLORS: dict[str, str] = {
    # operation families
    "requalification": OKABE_ITO["blue"],
    "reconstitution": OKABE_ITO["orange"],
    # land-counterpart operators
    "fonciere_logement": OKABE_ITO["green"],
    "esh_groupe": OKABE_ITO["purple"],
    "sikoa": OKABE_ITO["sky"],
    "shlmr": OKABE_ITO["vermillion"],
    "alma": OKABE_ITO["yellow"],
    "sifag": OKABE_ITO["black"],
    "ozanam": OKABE_ITO["grey"],
    # loan stages
    "alloues": "#BBBBBB",
    "engages": OKABE_ITO["blue"],
    "engages_2024": OKABE_ITO["sky"],
    "decaisses": OKABE_ITO["green"],
    "reste": "#DDDDDD",
    # generic
    "national": OKABE_ITO["black"],
    "selection": OKABE_ITO["vermillion"],
    "other": OKABE_ITO["grey"],
    "oph": OKABE_ITO["blue"],
    "autres": "#BBBBBB",
    "tendue": OKABE_ITO["vermillion"],
    "detendue": OKABE_ITO["sky"],
    # weekly extracts: reservation rights (Paul Tol's wine, colour-blind safe next to the above)
    "droits": "#882255",
}

#: Sequential scale for the map: cividis is designed for colour-vision deficiencies.
SEQUENTIAL_SCALE = "Cividis"

FONT_FAMILY = "'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', sans-serif"
TEXT_COLOR = "#1f2933"
MUTED_COLOR = "#5f6b7a"
SYNTHETIC_MARK = "Données simulées"
#: Top margin of every chart (px): room for the two-line title.
MARGIN_TOP = 78
#: Left margin of a chart without category labels (px); `frame` widens it to fit them.
MARGIN_LEFT = 10


#: What the figures take from plotly's default template ("plotly"): only its settings that reach
#: them (bar, box and scatter traces on cartesian axes, annotations), minus those `frame` always
#: sets itself (fonts, backgrounds, grid and zero-line colours, title position) and the default
#: colour scales (no trace uses one: the map names its scale). The full template rides along with
#: every figure (~6.5 KB of JSON) and makes each layout update walk it; this one draws the same
#: charts (checked with plotly.js on every report and weekly figure: same traces and full layout
#: but for those default scales, same pixels). Never mutated: plotly copies it into each figure.
TEMPLATE: dict[str, object] = {
    "layout": {
        "autotypenumbers": "strict",
        "colorway": [
            "#636efa",
            "#EF553B",
            "#00cc96",
            "#ab63fa",
            "#FFA15A",
            "#19d3f3",
            "#FF6692",
            "#B6E880",
            "#FF97FF",
            "#FECB52",
        ],
        "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "xaxis": {"linecolor": "white", "ticks": "", "title": {"standoff": 15}, "automargin": True, "zerolinewidth": 2},
        "yaxis": {"linecolor": "white", "ticks": "", "title": {"standoff": 15}, "automargin": True, "zerolinewidth": 2},
        "shapedefaults": {"line": {"color": "#2a3f5f"}},
        "annotationdefaults": {"arrowcolor": "#2a3f5f", "arrowhead": 0, "arrowwidth": 1},
    },
    "data": {
        "bar": [
            {
                "error_x": {"color": "#2a3f5f"},
                "error_y": {"color": "#2a3f5f"},
                "marker": {
                    "line": {"color": "#E5ECF6", "width": 0.5},
                    "pattern": {"fillmode": "overlay", "size": 10, "solidity": 0.2},
                },
                "type": "bar",
            }
        ],
        "scatter": [{"fillpattern": {"fillmode": "overlay", "size": 10, "solidity": 0.2}, "type": "scatter"}],
    },
}
_GRID = {"gridcolor": "#E5E7EB", "zerolinecolor": "#9CA3AF", "automargin": True}
_AXIS_KEY = re.compile(r"^([xy])axis\d*$")


def figure(data: object = None, layout: Mapping[str, object] | None = None) -> go.Figure:
    """A new figure for a builder that `frame`s it: without plotly's default template, which makes
    every update walk its ~6.5 KB (`frame` then sets the dashboard's `TEMPLATE`)."""
    return go.Figure(data, layout={**(layout or {}), "template": {}})


@functools.lru_cache(maxsize=32)
def _subplots(**kwargs: object) -> go.Figure:
    return make_subplots(figure=figure(), **kwargs)  # type: ignore[arg-type]


def subplot_layout(**kwargs: Hashable) -> dict[str, object]:
    """The layout of `make_subplots(**kwargs)` as a new dict (axes domains and anchors, subplot titles),
    to change without plotly's update methods (~1 ms each); traces then name their axes (`xaxis="x2"`).
    The grid is built once per distinct (hashable) arguments: `make_subplots` takes ~10 ms."""
    layout = _subplots(**kwargs).layout.to_plotly_json()
    layout.pop("template", None)
    return layout


def merged(base: Mapping[str, object], changes: Mapping[str, object]) -> dict[str, object]:
    """`base` updated by `changes` as `Figure.update_layout` does: nested dicts merge, anything else replaces."""
    out = dict(base)
    for key, value in changes.items():
        current = out.get(key)
        out[key] = merged(current, value) if isinstance(value, Mapping) and isinstance(current, Mapping) else value
    return out


def frame(
    fig: go.Figure,
    *,
    title: str,
    unit: str,
    source_line: str,
    data_date: str,
    synthetic: bool = False,
    height: int = 460,
    legend: bool = True,
    source_text: str | None = None,
    extra_bottom: int = 0,
    layout: Mapping[str, object] | None = None,
    xaxes: Mapping[str, object] | None = None,
    annotations: Sequence[Mapping[str, object]] = (),
) -> go.Figure:
    """Give a figure its title, unit, source line, data date and the shared look; returns it.

    `source_text` replaces the `source_line · data_date` note under the chart, `extra_bottom` adds
    room (px) between the legend and that note. Then `layout` is applied as `update_layout(layout)`,
    `xaxes` as `update_xaxes(xaxes)` and `annotations` as `add_annotation` would, all in one
    assignment of the layout (each of plotly's update methods costs about a millisecond).
    """
    bottom = 78 if legend else 58
    # Title and legend at fixed pixel distances (as fractions of the plot height they would
    # clip short charts and run into the source line on tall ones).
    plot_height = max(height - MARGIN_TOP - bottom, 1)
    current = fig.layout.to_plotly_json()
    current.pop("template", None)
    theme: dict[str, object] = {
        "title": {
            "text": f"<b>{title}</b><br><span style='font-size:13px;color:{MUTED_COLOR}'>{unit}</span>",
            "x": 0.01,
            "xanchor": "left",
            "y": 1 - 14 / height,
            "yanchor": "top",
            "font": {"size": 17, "color": TEXT_COLOR},
        },
        "separators": PLOTLY_SEPARATORS,
        "font": {"family": FONT_FAMILY, "size": 12, "color": TEXT_COLOR},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "height": height,
        # r: room for half of the last x tick label (wider labels still widen it: `automargin`).
        "margin": {"l": MARGIN_LEFT, "r": 30, "t": MARGIN_TOP, "b": bottom + extra_bottom},
        "showlegend": legend,
        "legend": {
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": -30 / plot_height,
            "yanchor": "top",
            "traceorder": "normal",
        },
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
    }
    # `update_xaxes` / `update_yaxes` reach every axis of the layout, `xaxis` and `yaxis` always.
    for name in {"xaxis", "yaxis", *(key for key in current if _AXIS_KEY.match(key))}:
        theme[name] = merged(_GRID, xaxes) if xaxes and name[0] == "x" else _GRID
    notes = list(current.get("annotations", ()))
    notes.append(
        {
            "text": f"{source_line} · {data_date}" if source_text is None else source_text,
            "xref": "paper",
            "yref": "paper",
            "x": 0,
            "y": 0,
            "yshift": -bottom + 6 - extra_bottom,
            "xanchor": "left",
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"size": 10, "color": MUTED_COLOR},
            "align": "left",
        }
    )
    if synthetic:
        notes.append(
            {
                "text": SYNTHETIC_MARK.upper(),
                "xref": "paper",
                "yref": "paper",
                "x": 0.5,
                "y": 0.5,
                "showarrow": False,
                "textangle": -20,
                "opacity": 0.18,
                "font": {"size": 46, "color": OKABE_ITO["vermillion"]},
            }
        )
    theme["annotations"] = [*notes, *annotations]
    full = merged(current, theme)
    if layout:
        full = merged(full, layout)
    if full["margin"].get("l") == MARGIN_LEFT:  # not set by the builder: fit the category labels
        size = full.get("yaxis", {}).get("tickfont", {}).get("size") or full["font"]["size"]
        full["margin"] = {**full["margin"], "l": left_margin(_category_labels(fig, full), size, MARGIN_LEFT)}
    fig.layout = {**full, "template": TEMPLATE}
    return fig


def _category_labels(fig: go.Figure, layout: Mapping[str, object]) -> set[object]:
    """The labels left of the plot: the categories of the horizontal traces and the y axes' tick
    texts; without any, the largest value of the other traces as a y tick label would show it."""
    labels: set[object] = set()
    for name, axis in layout.items():
        if _AXIS_KEY.match(name) and name[0] == "y" and isinstance(axis, Mapping) and axis.get("ticktext"):
            labels.update(axis["ticktext"])  # type: ignore[arg-type]
    for trace in fig.data:
        if getattr(trace, "orientation", None) == "h" and trace.y is not None:
            labels.update(trace.y)
    if labels:
        return labels
    values = [
        abs(v)
        for trace in fig.data
        if getattr(trace, "orientation", None) != "h" and getattr(trace, "y", None) is not None
        for v in trace.y
        if isinstance(v, int | float) and math.isfinite(v)
    ]
    if values:
        axis = layout.get("yaxis", {})
        affixes = (
            (axis.get("tickprefix") or "", axis.get("ticksuffix") or "") if isinstance(axis, Mapping) else ("", "")
        )
        labels.add(f"{affixes[0]}{max(values):,.0f}{affixes[1]}".replace(",", " "))
    return labels


def slug(text: str) -> str:
    """A file name from a title: `Droits de réservation` -> `droits-de-reservation`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "graphique"


def graph_config(filename: str) -> dict[str, object]:
    """dcc.Graph config: PNG export at 3x scale, no Plotly logo, no editing tools."""
    return {
        "displaylogo": False,
        "responsive": True,
        "toImageButtonOptions": {"format": "png", "scale": 3, "filename": slug(filename)},
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
    }


def empty_figure(message: str, *, title: str, source_line: str, data_date: str, synthetic: bool = False) -> go.Figure:
    """A framed figure that says why nothing is drawn (e.g. a filter leaves no data)."""
    fig = figure()
    fig.add_annotation(
        text=message, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False, font={"size": 14, "color": MUTED_COLOR}
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return frame(
        fig,
        title=title,
        unit="",
        source_line=source_line,
        data_date=data_date,
        synthetic=synthetic,
        legend=False,
        height=300,
    )

"""One visual theme for every chart: colour-blind-safe palette, French separators, source line.

Every chart carries its title, unit, source and data date inside the figure, so that a PNG
export or a screenshot stands on its own in a presentation.
"""

from __future__ import annotations

import re
import unicodedata

import plotly.graph_objects as go

from ..formatting import PLOTLY_SEPARATORS

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
) -> go.Figure:
    """Give a figure its title, unit, source line, data date and the shared look; returns it."""
    bottom = 78 if legend else 58
    fig.update_layout(
        title={
            "text": f"<b>{title}</b><br><span style='font-size:13px;color:{MUTED_COLOR}'>{unit}</span>",
            "x": 0.01,
            "xanchor": "left",
            "y": 0.97,
            "yanchor": "top",
            "font": {"size": 17, "color": TEXT_COLOR},
        },
        separators=PLOTLY_SEPARATORS,
        font={"family": FONT_FAMILY, "size": 12, "color": TEXT_COLOR},
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=height,
        margin={"l": 10, "r": 20, "t": 78, "b": bottom},
        showlegend=legend,
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.08, "yanchor": "top", "traceorder": "normal"},
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    # Title and legend at fixed pixel distances (as fractions of the plot height they would
    # clip short charts and run into the source line on tall ones).
    plot_height = max(height - 78 - bottom, 1)
    fig.update_layout(title={"y": 1 - 14 / height}, legend={"y": -30 / plot_height})
    fig.update_xaxes(gridcolor="#E5E7EB", zerolinecolor="#9CA3AF", automargin=True)
    fig.update_yaxes(gridcolor="#E5E7EB", zerolinecolor="#9CA3AF", automargin=True)
    fig.add_annotation(
        text=f"{source_line} · {data_date}",
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-bottom + 6,
        xanchor="left",
        yanchor="bottom",
        showarrow=False,
        font={"size": 10, "color": MUTED_COLOR},
        align="left",
    )
    if synthetic:
        fig.add_annotation(
            text=SYNTHETIC_MARK.upper(),
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            showarrow=False,
            textangle=-20,
            opacity=0.18,
            font={"size": 46, "color": OKABE_ITO["vermillion"]},
        )
    return fig


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
    fig = go.Figure()
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

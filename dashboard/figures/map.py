"""The choropleth of the report sections: plain `go.Scatter` fills on equal-scale cartesian axes.

No plotly geo, choropleth or mapbox trace: those fetch a topojson or tiles from a CDN, and the
dashboard must work offline. The geometry (`dashboard.geometry`) is sent once, with the first
figure; a change of measure or selection only sends a `dash.Patch` of colours and texts
(`map_patch`), never coordinates.

Trace order (relied on by `map_patch` and `clicked_section`): one fill trace per area, in
geometry order; then the inset frames, the value labels, the DROM names, the colour bar and
the two legend entries.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

import pandas as pd
import plotly.colors as pc
import plotly.graph_objects as go
from dash import Patch

from ..formatting import format_period, printed_fact
from ..geometry import GEOMETRY_CREDIT, OVERSEAS_SECTION, MapGeometry
from ..indicators import Indicator
from .bars import NOT_PUBLISHED, ChartContext, formatted, unit_label
from .theme import CATEGORY_COLORS, MUTED_COLOR, SEQUENTIAL_SCALE, TEXT_COLOR, figure, frame

MISSING_FILL = "#E5E7EB"
MISSING_HATCH = {"shape": "/", "fgcolor": "#9CA3AF", "size": 7}
NO_HATCH = {"shape": ""}
BORDER = {"color": "white", "width": 0.8}
SELECTED_BORDER = {"color": CATEGORY_COLORS["selection"], "width": 3}
FRAME_COLOR = "#9CA3AF"
LABEL_SIZE = 11
#: The DROM facts shown in their hover (territory totals the report publishes), as short phrases.
DROM_MEASURES = {
    "qpv": "{} QPV",
    "concours_alloues": "{} de concours alloués",
    "contreparties_foncieres": "{} logements en contreparties foncières",
    "menages_loges": "{} ménages salariés logés",
}
COLORBAR_TITLES = {"MEUR": "M€", "COUNT": "Nombre", "PCT": "%"}
MAP_HEIGHT = 740
#: Axis ranges in km: the geometry bbox plus room for the Outre-Mer label above the insets.
X_PAD = 12.0
Y_TOP_ROOM = 95.0
#: Height of the Outre-Mer value label above the top inset frame, in km.
OM_LABEL_RISE = 62.0


@dataclass(frozen=True)
class AreaStyle:
    """What changes on one area when the measure or the selection changes."""

    fillcolor: str
    hatched: bool
    selected: bool
    hover: str


@dataclass(frozen=True)
class MapStyle:
    """Every measure- or selection-dependent property of the map (nothing geometric)."""

    title: str
    unit: str
    areas: tuple[AreaStyle, ...]
    labels: tuple[str, ...]
    label_colors: tuple[str, ...]
    cmin: float
    cmax: float
    colorbar_title: str
    any_missing: bool
    any_selected: bool


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def drom_lines(facts: pd.DataFrame, data_as_of: str | None = None) -> dict[str, list[str]]:
    """Short phrases of the figures each DROM publishes on its own (`facts_detail` rows of 01..06).

    Only territory totals (no breakdown) of `DROM_MEASURES` are kept; the period is named unless
    it is the report's reference date `data_as_of` (`@YYYY-MM-DD`).
    """
    lines: dict[str, list[str]] = {}
    if facts.empty:
        return lines
    rows = facts[facts["measure"].isin(list(DROM_MEASURES)) & facts["dimension"].isna()]
    order = {m: i for i, m in enumerate(DROM_MEASURES)}
    rows = rows.assign(_order=rows["measure"].map(order)).sort_values(["territory_code", "_order", "period"])
    for row in rows.drop_duplicates(["territory_code", "measure", "period"]).to_dict("records"):
        phrase = DROM_MEASURES[row["measure"]].format(printed_fact(row))
        if row["period"] != data_as_of:
            phrase += f" {format_period(row['period'])}"
        lines.setdefault(row["territory_code"], []).append(phrase)
    return lines


def _position(value: float, cmin: float, cmax: float) -> float:
    return 0.5 if cmax <= cmin else min(1.0, max(0.0, (value - cmin) / (cmax - cmin)))


def map_style(
    values: pd.DataFrame,
    indicator: Indicator,
    geometry: MapGeometry,
    *,
    selected: Collection[str] = (),
    drom_facts: Mapping[str, Sequence[str]] | None = None,
) -> MapStyle:
    """Colours, hover texts and labels of every area for one indicator.

    `values` has `region_code, region_name, value` for the report sections (NULL = not published);
    the DROM take the value of the Outre-Mer section. `selected` holds section codes.
    """
    by_code = {r["region_code"]: r for r in values.to_dict("records")}
    published = [float(r["value"]) for r in by_code.values() if not _missing(r["value"])]
    cmin, cmax = (min(published), max(published)) if published else (0.0, 1.0)
    scale = pc.get_colorscale(SEQUENTIAL_SCALE)
    derived = " (calculé)" if indicator.derived else ""
    drom_facts = drom_facts or {}

    def text_of(code: str) -> str:
        row = by_code.get(code)
        value = None if row is None else row["value"]
        return formatted([value], indicator.unit, indicator.decimals)[0]

    def fill_of(value: object) -> str:
        if _missing(value):
            return MISSING_FILL
        return _hex(pc.sample_colorscale(scale, [_position(float(value), cmin, cmax)])[0])  # type: ignore[arg-type]

    areas = []
    for area in geometry.areas:
        row = by_code.get(area.section)
        value = None if row is None else row["value"]
        missing = _missing(value)
        printed = text_of(area.section)
        if area.kind == "drom":
            # The hover is resent on each change of measure: it is kept short.
            section_name = row["region_name"] if row is not None else OVERSEAS_SECTION
            lines = [f"{area.name} · valeur de la section {section_name} : {printed}"]
            own = list(drom_facts.get(area.code, ()))
            if own:
                lines += ["Publié pour ce territoire :", *(f"• {line}" for line in own)]
        else:
            lines = [f"{area.name} : {printed}"]
        areas.append(AreaStyle(fill_of(value), missing, area.section in selected, "<br>".join(lines)))

    labels, label_colors = [], []
    for code in _label_codes(geometry):
        row = by_code.get(code)
        value = None if row is None else row["value"]
        text = text_of(code)
        if code == OVERSEAS_SECTION:
            labels.append(f"<b>Outre-Mer</b> : {text}")
            label_colors.append(TEXT_COLOR)
            continue
        labels.append("n.\u202fp." if _missing(value) else text)
        label_colors.append(label_color(fill_of(value)))
    return MapStyle(
        title=f"{indicator.label}{derived} par territoire",
        unit=f"{unit_label(indicator.unit)} · Outre-Mer : valeur de la section, reportée sur ses 5 territoires",
        areas=tuple(areas),
        labels=tuple(labels),
        label_colors=tuple(label_colors),
        cmin=cmin,
        cmax=cmax,
        colorbar_title=COLORBAR_TITLES.get(indicator.unit, indicator.unit),
        any_missing=any(a.hatched for a in areas),
        any_selected=any(a.selected for a in areas),
    )


def with_selection(style: MapStyle, geometry: MapGeometry, selected: Collection[str]) -> MapStyle:
    """`style` with the sections `selected` outlined: `map_style(..., selected=selected)` without
    computing the colours again."""
    areas = tuple(
        replace(area_style, selected=area.section in selected)
        for area, area_style in zip(geometry.areas, style.areas, strict=True)
    )
    return replace(style, areas=areas, any_selected=any(a.selected for a in areas))


def _hex(color: str) -> str:
    """`rgb(0, 34, 78)` -> `#00224e` (shorter on the wire)."""
    if color.startswith("#"):
        return color
    parts = [round(float(p)) for p in color[color.index("(") + 1 : color.index(")")].split(",")[:3]]
    return "#" + "".join(f"{p:02x}" for p in parts)


def _luminance(hex_color: str) -> float:
    """WCAG relative luminance of `#rrggbb`."""
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def label_color(fill: str) -> str:
    """White or dark text, whichever contrasts more with the fill `#rrggbb`."""
    lum = _luminance(fill)
    on_white = 1.05 / (lum + 0.05)
    on_dark = (lum + 0.05) / (_luminance(TEXT_COLOR) + 0.05)
    return "white" if on_white >= on_dark else TEXT_COLOR


def _label_codes(geometry: MapGeometry) -> list[str]:
    """Codes of the value labels: the metropolitan sections, then one label for Outre-Mer."""
    codes = [a.code for a in geometry.areas if a.kind != "drom"]
    return [*codes, OVERSEAS_SECTION] if any(a.kind == "drom" for a in geometry.areas) else codes


def _label_points(geometry: MapGeometry) -> tuple[list[float], list[float]]:
    xs = [a.label[0] for a in geometry.areas if a.kind != "drom"]
    ys = [a.label[1] for a in geometry.areas if a.kind != "drom"]
    if geometry.frames:
        left = min(f.bounds[0] for f in geometry.frames)
        right = max(f.bounds[2] for f in geometry.frames)
        top = max(f.bounds[3] for f in geometry.frames)
        xs.append((left + right) / 2)
        ys.append(top + OM_LABEL_RISE)
    return xs, ys


def _area_props(style: AreaStyle) -> dict[str, object]:
    return {
        "fillcolor": style.fillcolor,
        "fillpattern": MISSING_HATCH if style.hatched else NO_HATCH,
        "line": SELECTED_BORDER if style.selected else BORDER,
        "text": style.hover,
    }


def _label_font(style: MapStyle) -> dict[str, object]:
    return {"color": list(style.label_colors), "size": LABEL_SIZE}


def _colorbar_marker(style: MapStyle) -> dict[str, object]:
    return {
        "color": [style.cmin],
        "colorscale": SEQUENTIAL_SCALE,
        "cmin": style.cmin,
        "cmax": style.cmax,
        "showscale": True,
        "size": 0.1,
        "colorbar": {
            "title": {"text": style.colorbar_title, "side": "top"},
            "tickformat": ",~f",
            "thickness": 14,
            "len": 0.55,
            "x": 1.0,
            "xanchor": "left",
            "y": 0.55,
            "outlinewidth": 0,
        },
    }


def _title(style: MapStyle) -> str:
    return f"<b>{style.title}</b><br><span style='font-size:13px;color:{MUTED_COLOR}'>{style.unit}</span>"


def trace_indices(geometry: MapGeometry) -> dict[str, int]:
    """Index of each non-area trace of the figure built by `choropleth`."""
    n = len(geometry.areas)
    return {"frames": n, "labels": n + 1, "drom_names": n + 2, "colorbar": n + 3, "missing": n + 4, "selected": n + 5}


def choropleth(geometry: MapGeometry, style: MapStyle, ctx: ChartContext) -> go.Figure:
    """The full map figure (sent once, with the page): areas, inset frames, labels, colour bar."""
    fig = figure()
    for area, area_style in zip(geometry.areas, style.areas, strict=True):
        fig.add_trace(
            go.Scatter(
                x=area.x,
                y=area.y,
                mode="lines",
                fill="toself",
                hoveron="fills",
                hoverinfo="text",
                name=area.name,
                showlegend=False,
                **_area_props(area_style),
            )
        )
    frame_x: list[float | None] = []
    frame_y: list[float | None] = []
    for inset in geometry.frames:
        if frame_x:
            frame_x.append(None)
            frame_y.append(None)
        frame_x.extend(inset.x)
        frame_y.extend(inset.y)
    fig.add_trace(
        go.Scatter(
            x=frame_x,
            y=frame_y,
            mode="lines",
            line={"color": FRAME_COLOR, "width": 1},
            hoverinfo="skip",
            showlegend=False,
            name="Encarts",
        )
    )
    label_x, label_y = _label_points(geometry)
    fig.add_trace(
        go.Scatter(
            x=label_x,
            y=label_y,
            mode="text",
            text=list(style.labels),
            textfont=_label_font(style),
            hoverinfo="skip",
            showlegend=False,
            name="Valeurs",
        )
    )
    names = {a.code: a.name for a in geometry.areas}
    fig.add_trace(
        go.Scatter(
            x=[f.bounds[0] + 4 for f in geometry.frames],
            y=[f.bounds[3] + 3 for f in geometry.frames],
            mode="text",
            text=[names.get(f.parent, f.name) for f in geometry.frames],
            textposition="top right",
            textfont={"color": MUTED_COLOR, "size": 10},
            hoverinfo="skip",
            showlegend=False,
            name="Territoires d'outre-mer",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker=_colorbar_marker(style),
            hoverinfo="skip",
            showlegend=False,
            name="Échelle",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="lines",
            fill="toself",
            fillcolor=MISSING_FILL,
            fillpattern=MISSING_HATCH,
            line={"color": "#9CA3AF", "width": 1},
            name=NOT_PUBLISHED.capitalize() + " dans le rapport",
            hoverinfo="skip",
            visible=style.any_missing,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="lines",
            line=SELECTED_BORDER,
            name="Territoire sélectionné",
            hoverinfo="skip",
            visible=style.any_selected,
        )
    )
    x0, y0, x1, y1 = geometry.bbox
    fig.update_xaxes(visible=False, range=[x0 - X_PAD, x1 + X_PAD], fixedrange=False)
    fig.update_yaxes(visible=False, range=[y0 - X_PAD, y1 + Y_TOP_ROOM], scaleanchor="x", scaleratio=1)
    return frame(
        fig,
        title=style.title,
        unit=style.unit,
        source_line=ctx.source_line,
        data_date=ctx.data_date,
        synthetic=ctx.synthetic,
        height=MAP_HEIGHT,
        layout={
            "hovermode": "closest",
            "dragmode": "pan",
            "margin": {"r": 70, "b": 100},
            "legend": {"y": -0.02, "itemclick": False, "itemdoubleclick": False},
            "hoverlabel": {"bgcolor": "white", "bordercolor": "#9CA3AF", "font": {"color": TEXT_COLOR, "size": 12}},
        },
        annotations=[
            {
                "text": GEOMETRY_CREDIT,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 0,
                "yshift": -92,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 9, "color": MUTED_COLOR},
            }
        ],
    )


def map_patch(style: MapStyle, geometry: MapGeometry, previous: MapStyle | None = None) -> Patch:
    """Restyle a figure built by `choropleth` from `previous` (None: unknown) to `style`.

    Only what differs is sent (fill colours, hatching, outlines, hover texts, labels, colour
    bar, title, legend entries), never coordinates: a change of measure costs a few KB.
    """
    patch = Patch()
    for index, area_style in enumerate(style.areas):
        before = previous.areas[index] if previous is not None and index < len(previous.areas) else None
        props = _area_props(area_style)
        if before is not None:
            old = _area_props(before)
            props = {key: value for key, value in props.items() if old[key] != value}
        if props:
            patch["data"][index].update(props)
    traces = trace_indices(geometry)
    if previous is None or (previous.labels, previous.label_colors) != (style.labels, style.label_colors):
        patch["data"][traces["labels"]].update({"text": list(style.labels), "textfont": _label_font(style)})
    if previous is None or (previous.cmin, previous.cmax) != (style.cmin, style.cmax):
        patch["data"][traces["colorbar"]]["marker"].update(
            {"color": [style.cmin], "cmin": style.cmin, "cmax": style.cmax}
        )
    if previous is None or previous.colorbar_title != style.colorbar_title:
        patch["data"][traces["colorbar"]]["marker"]["colorbar"]["title"]["text"] = style.colorbar_title
    if previous is None or previous.any_missing != style.any_missing:
        patch["data"][traces["missing"]]["visible"] = style.any_missing
    if previous is None or previous.any_selected != style.any_selected:
        patch["data"][traces["selected"]]["visible"] = style.any_selected
    if previous is None or (previous.title, previous.unit) != (style.title, style.unit):
        patch["layout"]["title"]["text"] = _title(style)
    return patch


def restyled(figure: Mapping[str, object], style: MapStyle, geometry: MapGeometry) -> dict[str, object]:
    """The `to_plotly_json()` of a figure built by `choropleth`, with `style` instead of its own: the
    same as `choropleth(geometry, style, ctx).to_plotly_json()` without rebuilding the geometry.

    Returns new dicts for what changes (those `map_patch` sends); coordinates are shared with `figure`.
    """
    data = [dict(trace) for trace in figure["data"]]  # type: ignore[union-attr]
    for index, area_style in enumerate(style.areas):
        data[index].update(_area_props(area_style))
    traces = trace_indices(geometry)
    data[traces["labels"]].update({"text": list(style.labels), "textfont": _label_font(style)})
    colorbar = data[traces["colorbar"]]
    marker = {**colorbar["marker"], "color": [style.cmin], "cmin": style.cmin, "cmax": style.cmax}
    bar = marker["colorbar"]
    marker["colorbar"] = {**bar, "title": {**bar["title"], "text": style.colorbar_title}}
    colorbar["marker"] = marker
    data[traces["missing"]]["visible"] = style.any_missing
    data[traces["selected"]]["visible"] = style.any_selected
    layout = dict(figure["layout"])  # type: ignore[arg-type]
    layout["title"] = {**layout["title"], "text": _title(style)}
    return {**figure, "data": data, "layout": layout}


def clicked_section(click_data: object, geometry: MapGeometry, sections: Collection[str]) -> str | None:
    """The report section of a click on the map (a DROM gives `OM`), or None.

    `click_data` is untrusted JSON from the browser: only an integer `curveNumber` of an area
    trace is accepted, and the section it maps to must be one of `sections`.
    """
    if not isinstance(click_data, dict):
        return None
    points = click_data.get("points")
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        return None
    curve = points[0].get("curveNumber")
    if isinstance(curve, bool) or not isinstance(curve, int) or not 0 <= curve < len(geometry.areas):
        return None
    section = geometry.areas[curve].section
    return section if section in sections else None

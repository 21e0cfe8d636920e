"""The shared theme: `frame` sets the layout in one assignment, exactly as the chain of plotly update
calls it replaces; the figures carry a small template taken from plotly's default one."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly.io.json import to_json_plotly
from plotly.subplots import make_subplots

from dashboard.figures.label_width import left_margin
from dashboard.figures.theme import (
    FONT_FAMILY,
    MUTED_COLOR,
    OKABE_ITO,
    SYNTHETIC_MARK,
    TEMPLATE,
    TEXT_COLOR,
    figure,
    frame,
    merged,
    subplot_layout,
)
from dashboard.formatting import PLOTLY_SEPARATORS

SOURCE = {"source_line": "Source : test", "data_date": "Données au 31/12/2024"}


def reference_frame(fig: go.Figure, *, title, unit, source_line, data_date, synthetic=False, height=460, legend=True):
    """`frame` as it was written with plotly's update methods (the behaviour to keep)."""
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
        margin={"l": left_margin(category_labels(fig), 12), "r": 30, "t": 78, "b": bottom},
        showlegend=legend,
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.08, "yanchor": "top", "traceorder": "normal"},
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
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


def category_labels(fig: go.Figure) -> list[object]:
    """The y categories of the horizontal traces (the test figures have no numeric y)."""
    return [y for trace in fig.data if trace.orientation == "h" for y in trace.y]


def as_json(fig: go.Figure) -> dict:
    """The figure as sent to the browser, without its template."""
    data = json.loads(to_json_plotly(fig))
    data["layout"].pop("template", None)
    return data


def bars(fig: go.Figure) -> go.Figure:
    fig.add_trace(go.Bar(x=[3, 1], y=["a", "b"], orientation="h", name="série"))
    fig.update_yaxes(categoryorder="array", categoryarray=["b", "a"])
    fig.update_layout(barmode="stack", legend={"traceorder": "reversed"})
    fig.add_annotation(text="note", x=1, y=1, xref="paper", yref="paper", showarrow=False)
    return fig


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"legend": False, "height": 300},
        {"synthetic": True, "height": 720},
        {"legend": True, "height": 100},  # a plot height under the margins is clamped to 1 px
    ],
)
def test_frame_equals_the_update_calls_it_replaces(options):
    kwargs = {"title": "Titre", "unit": "En nombre", **SOURCE, **options}
    assert as_json(frame(bars(figure()), **kwargs)) == as_json(reference_frame(bars(go.Figure()), **kwargs))


def test_frame_reaches_every_axis_of_a_subplot_grid():
    def grid(fig: go.Figure) -> go.Figure:
        fig = make_subplots(rows=2, cols=2, figure=fig, subplot_titles=("a", "b", "c", "d"))
        fig.add_trace(go.Bar(x=[1], y=["z"]), row=2, col=2)
        return fig

    kwargs = {"title": "T", "unit": "U", **SOURCE}
    got = as_json(frame(grid(figure()), **kwargs))
    assert got == as_json(reference_frame(grid(go.Figure()), **kwargs))
    assert all(got["layout"][f"{axis}{n}"]["gridcolor"] == "#E5E7EB" for axis in ("xaxis", "yaxis") for n in ("", 4))


def test_frame_extras_equal_the_updates_after_it():
    kwargs = {"title": "T", "unit": "U", **SOURCE, "height": 500}
    expected = reference_frame(bars(go.Figure()), **kwargs)
    expected.update_xaxes(separatethousands=True)
    expected.update_layout(legend={"traceorder": "grouped"}, margin={"t": 110})
    expected.add_annotation(text="crédit", x=0, y=0, xref="paper", yref="paper", showarrow=False)
    got = frame(
        bars(figure()),
        **kwargs,
        xaxes={"separatethousands": True},
        layout={"legend": {"traceorder": "grouped"}, "margin": {"t": 110}},
        annotations=[{"text": "crédit", "x": 0, "y": 0, "xref": "paper", "yref": "paper", "showarrow": False}],
    )
    assert as_json(got) == as_json(expected)


def test_frame_source_text_and_extra_bottom_move_the_source_note():
    fig = frame(figure(), title="T", unit="U", **SOURCE, source_text="ligne 1<br>ligne 2", extra_bottom=20)
    note = fig.layout.annotations[-1]
    assert note.text == "ligne 1<br>ligne 2" and note.yshift == -78 + 6 - 20
    assert fig.layout.margin.b == 78 + 20
    assert fig.layout.legend.y == pytest.approx(-30 / (460 - 78 - 78))  # the legend does not move


def leaves(tree: object, path: tuple = ()) -> list[tuple[tuple, object]]:
    if isinstance(tree, dict):
        return [leaf for key, value in tree.items() for leaf in leaves(value, (*path, key))]
    if isinstance(tree, list) and tree and all(isinstance(v, dict) for v in tree):
        return [leaf for i, value in enumerate(tree) for leaf in leaves(value, (*path, i))]
    return [(path, tree)]


def test_the_template_is_part_of_plotlys_default_template():
    plotly_template = pio.templates["plotly"].to_plotly_json()
    for path, value in leaves(TEMPLATE):
        node: object = plotly_template
        for key in path:
            node = node[key]  # type: ignore[index]
        assert node == value, path


def test_framed_figures_carry_the_small_template_not_plotlys():
    fig = frame(bars(figure()), title="T", unit="U", **SOURCE)
    template = json.loads(to_json_plotly(fig))["layout"]["template"]
    assert len(json.dumps(template)) < 1500
    assert len(json.dumps(pio.templates["plotly"].to_plotly_json())) > 6000
    assert template["data"]["bar"][0]["marker"]["line"] == {"color": "#E5ECF6", "width": 0.5}


def test_subplot_layout_is_make_subplots_layout_and_a_new_dict_each_time():
    kwargs = {"rows": 1, "cols": 3, "shared_yaxes": True, "subplot_titles": ("a", "b", "c")}
    expected = make_subplots(**kwargs).layout.to_plotly_json()  # type: ignore[arg-type]
    expected.pop("template")
    layout = subplot_layout(**kwargs)
    assert layout == expected
    layout["xaxis"]["range"] = [0, 1]
    layout["annotations"].append({"text": "x"})
    assert subplot_layout(**kwargs) == expected


def test_merged_updates_nested_dicts_and_replaces_the_rest():
    base = {"a": {"b": 1, "c": {"d": 2}}, "e": [1], "f": 1}
    assert merged(base, {"a": {"c": {"x": 3}}, "e": [2], "g": {"h": 4}}) == {
        "a": {"b": 1, "c": {"d": 2, "x": 3}},
        "e": [2],
        "f": 1,
        "g": {"h": 4},
    }
    assert base == {"a": {"b": 1, "c": {"d": 2}}, "e": [1], "f": 1}

"""Left margins estimated from the category labels (dashboard/figures/label_width.py, theme.frame)."""

from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.label_width import PADDING, left_margin, text_width
from dashboard.figures.theme import MARGIN_LEFT, figure, frame


def test_widths_follow_the_text():
    assert text_width("Bretagne", 12) < text_width("Provence-Alpes-Côte d'Azur et Corse", 12)
    assert text_width("Île-de-France", 12) == text_width("Ile-de-France", 12)  # accents: the base letter
    assert text_width("<b>Bretagne</b>", 12) > text_width("Bretagne", 12)  # bold, tags not counted
    assert text_width("Outre-Mer<br>(5 DROM)", 12) == text_width("Outre-Mer", 12)  # widest line
    assert text_width("Bretagne", 24) == 2 * text_width("Bretagne", 12)
    # Arial metrics: "Provence-Alpes-Côte d'Azur et Corse" needs 211 px at 12 px in Chromium (measured).
    assert 211 <= left_margin(["Provence-Alpes-Côte d'Azur et Corse", "Bretagne"], 12) <= 240
    assert left_margin([], 12) == 10 and left_margin([None], 12, 30) == 30
    assert left_margin(["x"], 12) >= PADDING


def framed(fig: go.Figure, **kwargs) -> go.Figure:
    return frame(fig, title="t", unit="u", source_line="s", data_date="d", **kwargs)


def test_frame_gives_horizontal_charts_room_for_their_categories():
    bars = framed(figure(go.Bar(x=[1, 2], y=["Bretagne", "Provence-Alpes-Côte d'Azur et Corse"], orientation="h")))
    assert bars.layout.margin.l == left_margin(["Bretagne", "Provence-Alpes-Côte d'Azur et Corse"], 12)
    vertical = framed(figure(go.Scatter(x=[1, 2], y=[10.0, 1500.0])))
    assert vertical.layout.margin.l == left_margin(["1 500"], 12)
    empty = framed(figure())
    assert empty.layout.margin.l == MARGIN_LEFT
    chosen = framed(figure(go.Bar(x=[1], y=["Bretagne"], orientation="h")), layout={"margin": {"l": 80}})
    assert chosen.layout.margin.l == 80  # a builder's own margin is kept

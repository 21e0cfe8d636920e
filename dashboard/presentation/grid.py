"""Slide geometry shared by the PowerPoint and PDF writers and the chart renderer (inches, 16:9)."""

from __future__ import annotations

SLIDE_W = 13.333
SLIDE_H = 7.5
MARGIN_X = 0.55
CONTENT_W = SLIDE_W - 2 * MARGIN_X

# Header of a content slide: eyebrow line, title, rule.
EYEBROW_Y, EYEBROW_H = 0.32, 0.28
TITLE_Y, TITLE_H = 0.58, 0.56
RULE_Y = 1.2
ACCENT_W = 1.3
# Body and footer.
BODY_Y = 1.38
FOOTER_Y = 7.02
FOOTER_H = 0.26
BODY_H = FOOTER_Y - 0.12 - BODY_Y
NOTE_H = 0.42

# Title slide: accent bar and text block, then a band with the source, data date and generation date.
TITLE_BLOCK_Y = 1.95
TITLE_BLOCK_H = 2.75
TITLE_LEFT = MARGIN_X + 0.35
BAND_Y = 5.8
BAND_LINES_Y = 6.08
BAND_LINE_H = 0.34

#: Points per inch: a chart is drawn at one CSS pixel per point of its box, so that its 12 px
#: labels read as 12 pt on the slide, then rasterised at `CHART_SCALE`.
POINTS = 72
CHART_SCALE = 2.25

# Colours (hex without '#'): the dashboard's text, muted text, rules, and Okabe-Ito accents.
TEXT = "1F2933"
MUTED = "5F6B7A"
RULE = "E5E7EB"
ACCENT = "0072B2"
WARNING = "D55E00"
BAND = "F3F4F6"
DARK = "1F2933"


def chart_box(has_note: bool) -> tuple[float, float, float, float]:
    """`x, y, w, h` (inches) of the chart image of a slide."""
    height = BODY_H - (NOTE_H if has_note else 0)
    return MARGIN_X, BODY_Y, CONTENT_W, height


def chart_pixels(has_note: bool) -> tuple[int, int]:
    """CSS size (px) a chart is drawn at to fill its box."""
    _, _, width, height = chart_box(has_note)
    return round(width * POINTS), round(height * POINTS)


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[0:2], 16), int(hex_colour[2:4], 16), int(hex_colour[4:6], 16)

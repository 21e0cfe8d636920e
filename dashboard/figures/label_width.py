"""The left margin a chart needs for its category labels, estimated before plotly.js draws it.

plotly.js draws a chart, measures its axis labels and, when they overflow the margin (the theme's
left margin is 10 px), draws the whole chart a second time with a wider one (`automargin`). Every
horizontal bar chart of the dashboard was drawn twice in the browser at each update. Giving the
chart a left margin at least as wide as its longest label avoids the second pass; if the estimate
falls short (another font), automargin still widens it, as before.

Widths are those of Arial (metric-compatible with Liberation Sans, the font Chromium uses on Debian
for the theme's font stack), in thousandths of the font size, enlarged by `SAFETY` for the wider
fonts of the stack (Segoe UI on Windows).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_WIDTHS = {
    " ": 278, "!": 278, '"': 355, "#": 556, "%": 889, "&": 667, "'": 191, "(": 333, ")": 333, "*": 389,
    "+": 584, ",": 278, "-": 333, ".": 278, "/": 278, ":": 278, ";": 278, "<": 584, "=": 584, ">": 584,
    "?": 556, "@": 1015, "[": 278, "]": 278, "_": 556, "·": 278, "’": 222, "«": 556, "»": 556, "€": 556,
    "–": 556, "—": 1000, "…": 1000, "°": 400, "×": 584, "−": 584,
    "A": 667, "B": 667, "C": 722, "D": 722, "E": 667, "F": 611, "G": 778, "H": 722, "I": 278, "J": 500,
    "K": 667, "L": 556, "M": 833, "N": 722, "O": 778, "P": 667, "Q": 778, "R": 722, "S": 667, "T": 611,
    "U": 722, "V": 667, "W": 944, "X": 667, "Y": 667, "Z": 611, "Œ": 1000, "Æ": 1000,
    "a": 556, "b": 556, "c": 500, "d": 556, "e": 556, "f": 278, "g": 556, "h": 556, "i": 222, "j": 222,
    "k": 500, "l": 222, "m": 833, "n": 556, "o": 556, "p": 556, "q": 556, "r": 333, "s": 500, "t": 278,
    "u": 556, "v": 500, "w": 722, "x": 500, "y": 500, "z": 500, "œ": 944, "æ": 889,
    **dict.fromkeys("0123456789", 556),
}  # fmt: skip
#: Any other character (symbols such as ⚠) counts as a full em.
_UNKNOWN = 1000
#: Bold text (<b>...</b>) is about this much wider in Arial.
_BOLD = 1.1
#: Room for fonts wider than Arial, and between the labels and the plot.
SAFETY = 1.08
PADDING = 16
_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def text_width(text: str, size: float) -> float:
    """Estimated width (px) of a plotly label at `size` px: the widest of its lines (<br>), tags
    removed, bold counted wider."""
    widest = 0.0
    for line in _BREAK.split(text):
        bold = "<b>" in line.lower()
        plain = _TAG.sub("", line)
        units = sum(_WIDTHS.get(c, _WIDTHS.get(unicodedata.normalize("NFKD", c)[:1], _UNKNOWN)) for c in plain)
        widest = max(widest, units * size / 1000 * (_BOLD if bold else 1))
    return widest


def left_margin(labels: Iterable[object], size: float, minimum: int = 10) -> int:
    """A left margin (px) wide enough for every label at `size` px (`minimum` if there is none)."""
    widths = [text_width(str(label), size) for label in labels if label is not None]
    return max(minimum, round(max(widths) * SAFETY) + PADDING) if widths else minimum

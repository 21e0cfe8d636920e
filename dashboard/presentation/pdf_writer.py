"""A rendered deck as a PDF, one landscape 16:9 page per slide (fpdf2, pure Python).

Same geometry as the PowerPoint file (`grid`). Text is real PDF text in Liberation Sans (metrics
of Arial), with DejaVu Sans as fallback for the glyphs it lacks (narrow no-break space, ⚠); both
come with Debian (`fonts-liberation`, `fonts-dejavu-core`). Without them the PDF falls back to the
core Helvetica font with those few characters replaced.
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF

from . import grid
from .deck import ChartSlide, Deck, KeyFiguresSlide

FONT_DIRS = (Path("/usr/share/fonts/truetype"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")
#: family -> style -> candidate file names.
FONT_FILES = {
    "liberation": {
        "": "LiberationSans-Regular.ttf",
        "B": "LiberationSans-Bold.ttf",
        "I": "LiberationSans-Italic.ttf",
    },
    "dejavu": {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"},
}
#: Replacements when only the core (Latin-1 + €) font is available.
CORE_REPLACEMENTS = {"\u202f": "\u00a0", "\u2002": " ", "⚠": "(!)", "\u2212": "-", "\u2019": "'", "\u2014": "-"}


def _find(name: str) -> Path | None:
    for folder in FONT_DIRS:
        if folder.is_dir():
            for path in folder.rglob(name):
                return path
    return None


class _Pdf(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="L", unit="in", format=(grid.SLIDE_H, grid.SLIDE_W))
        self.set_auto_page_break(False)
        self.set_margin(0)
        self.c_margin = 0
        self.family = "helvetica"
        self.core = True
        self.core_fonts_encoding = "windows-1252"  # has € (fpdf2's default, latin-1, has not)
        loaded = []
        for family, files in FONT_FILES.items():
            paths = {style: _find(name) for style, name in files.items()}
            if all(paths.values()):
                for style, path in paths.items():
                    self.add_font(family, style, str(path))
                loaded.append(family)
        if loaded:
            self.family, self.core = loaded[0], False
            if len(loaded) > 1:
                self.set_fallback_fonts(loaded[1:], exact_match=False)

    def clean(self, text: str) -> str:
        if not self.core:
            return text
        for old, new in CORE_REPLACEMENTS.items():
            text = text.replace(old, new)
        return text.encode("cp1252", "replace").decode("cp1252")

    def style(self, size: float, colour: str = grid.TEXT, emphasis: str = "") -> None:
        self.set_font(self.family, emphasis, size)
        self.set_text_color(*grid.rgb(colour))

    def box(self, colour: str, x: float, y: float, w: float, h: float) -> None:
        self.set_fill_color(*grid.rgb(colour))
        self.rect(x, y, w, h, style="F")

    def line_at(self, x: float, y: float, w: float, h: float, text: str, align: str = "L") -> None:
        """One line of text, vertically centred in the `h` high box at (x, y); shrunk to fit `w`."""
        text = self.clean(text)
        size = self.font_size_pt
        while size > 7 and self.get_string_width(text) > w:
            size -= 0.5
            self.set_font_size(size)
        self.set_xy(x, y)
        self.cell(w, h, text, align=align)

    def lines_at(self, x: float, y: float, w: float, line_h: float, text: str) -> None:
        """Wrapped text from (x, y)."""
        self.set_xy(x, y)
        self.multi_cell(w, line_h, self.clean(text), align="L")


def _title_page(pdf: _Pdf, deck: Deck) -> None:
    info = deck.title_slide
    pdf.add_page()
    pdf.start_section(pdf.clean(info.title))
    left, width, top = grid.TITLE_LEFT, grid.SLIDE_W - grid.TITLE_LEFT - grid.MARGIN_X, grid.TITLE_BLOCK_Y
    pdf.box(grid.ACCENT, grid.MARGIN_X, top, 0.09, grid.TITLE_BLOCK_H)
    pdf.style(14, grid.MUTED, "B")
    pdf.line_at(left, top, width, 0.35, info.eyebrow.upper())
    pdf.style(44, grid.TEXT, "B")
    pdf.line_at(left, top + 0.4, width, 1.05, info.title)
    pdf.style(20, grid.MUTED)
    pdf.line_at(left, top + 1.55, width, 0.42, info.subtitle)
    pdf.line_at(left, top + 1.97, width, 0.42, info.territory)
    pdf.box(grid.BAND, 0, grid.BAND_Y, grid.SLIDE_W, grid.SLIDE_H - grid.BAND_Y)
    pdf.style(13, grid.MUTED)
    for index, line in enumerate((info.source_line, info.data_date, info.generated)):
        pdf.line_at(left, grid.BAND_LINES_Y + index * grid.BAND_LINE_H, width, grid.BAND_LINE_H, line)
    if deck.synthetic:
        pdf.style(12, grid.WARNING, "B")
        pdf.line_at(grid.SLIDE_W - grid.MARGIN_X - 3, 0.45, 3, 0.3, "DONNÉES SIMULÉES", "R")


def _content_page(pdf: _Pdf, deck: Deck, title: str, number: int, total: int) -> None:
    pdf.add_page()
    pdf.start_section(pdf.clean(title))
    pdf.style(11, grid.MUTED, "B")
    pdf.line_at(grid.MARGIN_X, grid.EYEBROW_Y, 9, grid.EYEBROW_H, f"NPNRU · {deck.territory}".upper())
    pdf.style(26, grid.TEXT, "B")
    pdf.line_at(grid.MARGIN_X, grid.TITLE_Y, grid.CONTENT_W, grid.TITLE_H, title)
    pdf.box(grid.RULE, grid.MARGIN_X, grid.RULE_Y, grid.CONTENT_W, 0.015)
    pdf.box(grid.ACCENT, grid.MARGIN_X, grid.RULE_Y - 0.0125, grid.ACCENT_W, 0.04)
    pdf.style(9, grid.MUTED)
    pdf.line_at(grid.MARGIN_X, grid.FOOTER_Y, grid.CONTENT_W - 1.2, grid.FOOTER_H, deck.footer)
    pdf.style(9, grid.MUTED)
    pdf.line_at(grid.SLIDE_W - grid.MARGIN_X - 1, grid.FOOTER_Y, 1, grid.FOOTER_H, f"{number} / {total}", "R")
    if deck.synthetic:
        pdf.style(12, grid.WARNING, "B")
        pdf.line_at(grid.SLIDE_W - grid.MARGIN_X - 3, grid.EYEBROW_Y, 3, grid.EYEBROW_H, "DONNÉES SIMULÉES", "R")


def _key_figures(pdf: _Pdf, deck: Deck, content: KeyFiguresSlide, number: int, total: int) -> None:
    _content_page(pdf, deck, content.title, number, total)
    rows = len(content.rows)
    dense = rows > 9
    row_h = min((grid.BODY_H - 0.65) / (rows + 1), 0.38 if dense else 0.52)
    widths = (4.4, 2.6, grid.CONTENT_W - 7.0)
    label_size, value_size, detail_size = (13, 15, 12) if dense else (15, 18, 13)
    pad = 0.12
    y = grid.BODY_Y + 0.05
    x = grid.MARGIN_X
    pdf.box(grid.DARK, x, y, grid.CONTENT_W, row_h)
    for index, (heading, width) in enumerate(zip(content.columns, widths, strict=True)):
        pdf.style(12, "FFFFFF", "B")
        pdf.line_at(x + pad, y, width - 2 * pad, row_h, heading, "R" if index == 1 else "L")
        x += width
    for position, figure in enumerate(content.rows, start=1):
        y += row_h
        x = grid.MARGIN_X
        if position % 2 == 0:
            pdf.box(grid.BAND, x, y, grid.CONTENT_W, row_h)
        missing = figure.printed == "non publié"
        cells = (
            (figure.label, label_size, grid.TEXT, "", "L"),
            (figure.printed, value_size, grid.MUTED if missing else grid.TEXT, "" if missing else "B", "R"),
            (figure.detail, detail_size, grid.WARNING if figure.warning else grid.MUTED, "", "L"),
        )
        for (text, size, colour, emphasis, align), width in zip(cells, widths, strict=True):
            pdf.style(size, colour, emphasis)
            pdf.line_at(x + pad, y, width - 2 * pad, row_h, text, align)
            x += width
    pdf.box(grid.RULE, grid.MARGIN_X, y + row_h, grid.CONTENT_W, 0.015)
    pdf.style(11, grid.MUTED, "I")
    pdf.lines_at(grid.MARGIN_X, y + row_h + 0.15, grid.CONTENT_W, 0.22, content.note)


def _chart(pdf: _Pdf, deck: Deck, chart: ChartSlide, number: int, total: int) -> None:
    _content_page(pdf, deck, chart.title, number, total)
    x, y, w, h = grid.chart_box(bool(chart.note))
    if chart.image is None:
        raise ValueError(f"chart {chart.name!r} has no image: render the deck first")
    pdf.image(io.BytesIO(chart.image), x=x, y=y, w=w, h=h, alt_text=pdf.clean(chart.title))
    if chart.note:
        pdf.style(12, grid.MUTED, "I")
        pdf.line_at(x, y + h + 0.08, w, grid.NOTE_H - 0.1, chart.note)


def deck_to_pdf(deck: Deck) -> bytes:
    pdf = _Pdf()
    pdf.set_title(pdf.clean(f"NPNRU · {deck.title_slide.title}"))
    pdf.set_subject(pdf.clean(deck.title_slide.subtitle))
    pdf.set_author("NPNRU · Action Logement")
    pdf.set_creator("NPNRU dashboard")
    pdf.set_lang("fr-FR")
    total = 2 + len(deck.charts)
    _title_page(pdf, deck)
    _key_figures(pdf, deck, deck.key_figures, 2, total)
    for number, chart in enumerate(deck.charts, start=3):
        _chart(pdf, deck, chart, number, total)
    return bytes(pdf.output())

"""A rendered deck as a 16:9 PowerPoint file (python-pptx).

Titles are real title placeholders (outline view, accessibility), key figures a native table
(editable text, as printed), charts PNG pictures with their title as alternative text. Quotes of
the key figures go to the speaker notes.
"""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.lang import MSO_LANGUAGE_ID
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from . import grid
from .deck import ChartSlide, Deck, KeyFiguresSlide

FONT = "Arial"
TITLE_LAYOUT, TITLE_ONLY_LAYOUT = 0, 5


def _style(run, size: float, colour: str = grid.TEXT, *, bold: bool = False, italic: bool = False) -> None:
    font = run.font
    font.name = FONT
    font.size = Pt(size)
    font.bold = bold
    font.italic = italic
    font.color.rgb = RGBColor.from_string(colour)
    font.language_id = MSO_LANGUAGE_ID.FRENCH


def _set_text(
    frame,
    text: str,
    size: float,
    colour: str = grid.TEXT,
    *,
    bold: bool = False,
    italic: bool = False,
    align: PP_ALIGN = PP_ALIGN.LEFT,
    anchor: MSO_ANCHOR = MSO_ANCHOR.TOP,
) -> None:
    """Replace the text of a text frame by lines of one style (one paragraph per line)."""
    frame.clear()
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(0)
    frame.margin_top = frame.margin_bottom = Inches(0)
    for index, line in enumerate(text.split("\n")):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = line
        _style(run, size, colour, bold=bold, italic=italic)


def _text_box(slide, x: float, y: float, w: float, h: float, text: str, size: float, colour: str = grid.TEXT, **kw):
    box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
    _set_text(box.text_frame, text, size, colour, **kw)
    return box


def _rectangle(slide, x: float, y: float, w: float, h: float, colour: str):
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(x), Inches(y), Inches(w), Inches(h))
    shape.fill.solid()
    shape.fill.fore_color.rgb = RGBColor.from_string(colour)
    shape.line.fill.background()
    shape.shadow.inherit = False
    # No theme style at all (some viewers draw the theme's shadow despite the empty effect list).
    style = shape._element.find(qn("p:style"))
    if style is not None:
        shape._element.remove(style)
    return shape


def _place(shape, x: float, y: float, w: float, h: float) -> None:
    shape.left, shape.top, shape.width, shape.height = Inches(x), Inches(y), Inches(w), Inches(h)


def _synthetic_tag(slide, y: float) -> None:
    _text_box(
        slide,
        grid.SLIDE_W - grid.MARGIN_X - 3,
        y,
        3,
        0.3,
        "DONNÉES SIMULÉES",
        12,
        grid.WARNING,
        bold=True,
        align=PP_ALIGN.RIGHT,
    )


def _title_slide(prs, deck: Deck) -> None:
    info = deck.title_slide
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_LAYOUT])
    left, width, top = grid.TITLE_LEFT, grid.SLIDE_W - grid.TITLE_LEFT - grid.MARGIN_X, grid.TITLE_BLOCK_Y
    _rectangle(slide, grid.MARGIN_X, top, 0.09, grid.TITLE_BLOCK_H, grid.ACCENT)
    _text_box(slide, left, top, width, 0.35, info.eyebrow.upper(), 14, grid.MUTED, bold=True)
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    _place(title, left, top + 0.4, width, 1.05)
    _set_text(title.text_frame, info.title, 44, grid.TEXT, bold=True, anchor=MSO_ANCHOR.MIDDLE)
    _place(subtitle, left, top + 1.55, width, 1.1)
    _set_text(subtitle.text_frame, f"{info.subtitle}\n{info.territory}", 20, grid.MUTED)
    _rectangle(slide, 0, grid.BAND_Y, grid.SLIDE_W, grid.SLIDE_H - grid.BAND_Y, grid.BAND)
    _text_box(
        slide,
        left,
        grid.BAND_LINES_Y,
        width,
        3 * grid.BAND_LINE_H,
        f"{info.source_line}\n{info.data_date}\n{info.generated}",
        13,
        grid.MUTED,
    )
    if deck.synthetic:
        _synthetic_tag(slide, 0.45)


def _content_slide(prs, deck: Deck, title: str, number: int, total: int):
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY_LAYOUT])
    _text_box(
        slide,
        grid.MARGIN_X,
        grid.EYEBROW_Y,
        9,
        grid.EYEBROW_H,
        f"NPNRU · {deck.territory}".upper(),
        11,
        grid.MUTED,
        bold=True,
    )
    heading = slide.shapes.title
    _place(heading, grid.MARGIN_X, grid.TITLE_Y, grid.CONTENT_W, grid.TITLE_H)
    _set_text(heading.text_frame, title, 26, grid.TEXT, bold=True, anchor=MSO_ANCHOR.MIDDLE)
    _rectangle(slide, grid.MARGIN_X, grid.RULE_Y, grid.CONTENT_W, 0.015, grid.RULE)
    _rectangle(slide, grid.MARGIN_X, grid.RULE_Y - 0.0125, grid.ACCENT_W, 0.04, grid.ACCENT)
    _text_box(slide, grid.MARGIN_X, grid.FOOTER_Y, grid.CONTENT_W - 1.2, grid.FOOTER_H, deck.footer, 9, grid.MUTED)
    _text_box(
        slide,
        grid.SLIDE_W - grid.MARGIN_X - 1.0,
        grid.FOOTER_Y,
        1.0,
        grid.FOOTER_H,
        f"{number} / {total}",
        9,
        grid.MUTED,
        align=PP_ALIGN.RIGHT,
    )
    if deck.synthetic:
        _synthetic_tag(slide, grid.EYEBROW_Y)
    return slide


def _cell(cell, text: str, size: float, colour: str, fill: str, *, bold: bool = False, align=PP_ALIGN.LEFT) -> None:
    cell.fill.solid()
    cell.fill.fore_color.rgb = RGBColor.from_string(fill)
    cell.margin_left = cell.margin_right = Inches(0.12)
    cell.margin_top = cell.margin_bottom = Inches(0.03)
    cell.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame = cell.text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    paragraph.alignment = align
    run = paragraph.add_run()
    run.text = text
    _style(run, size, colour, bold=bold)


def _key_figures(prs, deck: Deck, content: KeyFiguresSlide, number: int, total: int) -> None:
    slide = _content_slide(prs, deck, content.title, number, total)
    rows = len(content.rows)
    dense = rows > 9
    note_h = 0.55
    height = min(grid.BODY_H - note_h - 0.1, (0.38 if dense else 0.52) * (rows + 1))
    shape = slide.shapes.add_table(
        rows + 1, 3, Inches(grid.MARGIN_X), Inches(grid.BODY_Y + 0.05), Inches(grid.CONTENT_W), Inches(height)
    )
    shape.name = "Chiffres clés"
    table = shape.table
    table.first_row, table.horz_banding = True, False
    widths = (4.9, 2.9, grid.CONTENT_W - 7.8)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Inches(width)
    for row in table.rows:
        row.height = Inches(height / (rows + 1))
    label_size, value_size, detail_size = (13, 15, 12) if dense else (15, 18, 13)
    for index, heading in enumerate(content.columns):
        align = PP_ALIGN.RIGHT if index == 1 else PP_ALIGN.LEFT
        _cell(table.cell(0, index), heading, 12, "FFFFFF", grid.DARK, bold=True, align=align)
    for position, figure in enumerate(content.rows, start=1):
        fill = grid.BAND if position % 2 == 0 else "FFFFFF"
        missing = figure.printed == "non publié"
        _cell(table.cell(position, 0), figure.label, label_size, grid.TEXT, fill)
        _cell(
            table.cell(position, 1),
            figure.printed,
            value_size,
            grid.MUTED if missing else grid.TEXT,
            fill,
            bold=not missing,
            align=PP_ALIGN.RIGHT,
        )
        _cell(table.cell(position, 2), figure.detail, detail_size, grid.WARNING if figure.warning else grid.MUTED, fill)
    _text_box(
        slide,
        grid.MARGIN_X,
        grid.BODY_Y + 0.05 + height + 0.15,
        grid.CONTENT_W,
        note_h,
        content.note,
        11,
        grid.MUTED,
        italic=True,
    )
    quotes = [f"{f.label} : « {f.quote} »" for f in content.rows if f.quote]
    if quotes:
        slide.notes_slide.notes_text_frame.text = "Citations du rapport :\n" + "\n".join(quotes)


def _chart(prs, deck: Deck, chart: ChartSlide, number: int, total: int) -> None:
    slide = _content_slide(prs, deck, chart.title, number, total)
    x, y, w, h = grid.chart_box(bool(chart.note))
    if chart.image is None:
        raise ValueError(f"chart {chart.name!r} has no image: render the deck first")
    picture = slide.shapes.add_picture(io.BytesIO(chart.image), Inches(x), Inches(y), Inches(w), Inches(h))
    picture.name = f"Graphique {chart.name}"
    title = chart.figure.layout.title.text or chart.title
    picture._element.nvPicPr.cNvPr.set("descr", title.split("<br>")[0].replace("<b>", "").replace("</b>", ""))
    if chart.note:
        _text_box(slide, x, y + h + 0.08, w, grid.NOTE_H - 0.1, chart.note, 12, grid.MUTED, italic=True)
    slide.notes_slide.notes_text_frame.text = f"{deck.title_slide.source_line} · {deck.title_slide.data_date}"


def deck_to_pptx(deck: Deck) -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(grid.SLIDE_W), Inches(grid.SLIDE_H)
    properties = prs.core_properties
    properties.title = f"NPNRU · {deck.title_slide.title}"
    properties.subject = deck.title_slide.subtitle
    properties.author = "NPNRU · Action Logement"
    properties.language = "fr-FR"
    properties.keywords = "NPNRU; Action Logement; bilan 2024"
    total = 2 + len(deck.charts)
    _title_slide(prs, deck)
    _key_figures(prs, deck, deck.key_figures, 2, total)
    for number, chart in enumerate(deck.charts, start=3):
        _chart(prs, deck, chart, number, total)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()

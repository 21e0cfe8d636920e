"""Presentation exports rendered for real: PowerPoint and PDF of a region and of the overview.

kaleido starts Chromium once for the whole module (`decks` fixture); every test reads the files.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Emu
from pypdf import PdfReader

from dashboard.figures.theme import CATEGORY_COLORS
from dashboard.filters import Filters
from dashboard.indicators import INDICATORS
from dashboard.presentation.deck import Deck, build_deck, write_deck
from dashboard.presentation.render import render_decks
from dashboard.queries.common import source_info
from dashboard.queries.overview import NATIONAL_KPIS
from dashboard.queries.region import KEY_FIGURES

GENERATED = datetime(2025, 7, 1, 9, 30)
SCOPES = {
    "84": Filters(regions=("84",)),
    "OM": Filters(regions=("OM",)),
    "FR": Filters(regions=("84", "11"), measure="droits_total"),
}
EXPECTED_TITLES = {
    "84": [
        "Auvergne-Rhône-Alpes",
        "Chiffres clés",
        "Droits de réservation par famille",
        "Contreparties foncières par opérateur",
    ],
    "OM": [
        "Outre-Mer",
        "Chiffres clés",
        "Droits de réservation par famille",
        "Contreparties foncières par opérateur",
        "Détail par territoire d'outre-mer",
    ],
    "FR": ["Vue d'ensemble du programme", "Chiffres clés nationaux", "Classement des territoires"],
}


@pytest.fixture(scope="module")
def cur(built_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(built_db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def decks(cur) -> dict[str, Deck]:
    built = {scope: build_deck(cur, scope, filters, generated=GENERATED) for scope, filters in SCOPES.items()}
    render_decks(list(built.values()))  # one browser for the three decks
    return built


@pytest.fixture(scope="module")
def pptx_files(decks) -> dict[str, Presentation]:
    return {scope: Presentation(io.BytesIO(write_deck(deck, "pptx"))) for scope, deck in decks.items()}


@pytest.fixture(scope="module")
def pdf_files(decks) -> dict[str, PdfReader]:
    return {scope: PdfReader(io.BytesIO(write_deck(deck, "pdf"))) for scope, deck in decks.items()}


def table_rows(slide) -> list[list[str]]:
    tables = [shape.table for shape in slide.shapes if shape.has_table]
    assert len(tables) == 1
    return [[cell.text for cell in row.cells] for row in tables[0].rows]


def printed(qualifier: object, value_text: str, unit_symbol: str | None) -> str:
    hedge = f"{qualifier} " if qualifier else ""
    return f"{hedge}{value_text}" + (f"\u00a0{unit_symbol}" if unit_symbol else "")


def number(text: str) -> float:
    """`plus de 1 414 M€` -> 1414.0 (the printed number of a cell)."""
    digits = "".join(ch for ch in text if ch.isdigit() or ch == ",")
    return float(digits.replace(",", "."))


@pytest.mark.parametrize("scope", list(SCOPES))
def test_pptx_is_16_9_with_one_slide_per_chart_and_titles(pptx_files, decks, scope):
    prs = pptx_files[scope]
    assert prs.slide_width / prs.slide_height == pytest.approx(16 / 9, rel=1e-3)
    assert len(prs.slides) == 2 + len(decks[scope].charts)
    assert [slide.shapes.title.text for slide in prs.slides] == EXPECTED_TITLES[scope]


@pytest.mark.parametrize("scope", list(SCOPES))
def test_title_slide_states_source_data_date_and_generation_date(pptx_files, cur, scope):
    text = " ".join(shape.text_frame.text for shape in pptx_files[scope].slides[0].shapes if shape.has_text_frame)
    info = source_info(cur)
    assert info.source_line in text and "(juin 2025)" in text
    assert info.data_date in text
    assert "Document généré le 01/07/2025 à 09:30" in text
    assert "DONNÉES SIMULÉES" not in text  # the test database holds no synthetic extract


@pytest.mark.parametrize("code", ["84", "OM"])
def test_region_key_figures_are_native_text_equal_to_the_database(pptx_files, cur, code):
    slide = pptx_files[code].slides[1]
    assert not [s for s in slide.shapes if s.shape_type == 13]  # no picture: editable text only
    rows = table_rows(slide)
    assert rows[0] == ["Indicateur", "Valeur publiée", "Rang et part parmi les sections"]
    cells = {row[0]: row[1:] for row in rows[1:]}
    assert list(cells) == [spec.label for spec in KEY_FIGURES]
    view = cur.execute("SELECT * FROM region_key_figures WHERE region_code = ?", [code]).df().iloc[0]
    for spec in KEY_FIGURES:
        value, detail = cells[spec.label]
        dimension, member = spec.member or (None, None)
        fact = cur.execute(
            """
            SELECT f.qualifier, f.value_text, u.symbol_fr FROM facts f JOIN units u ON u.code = f.unit
            WHERE f.territory_code = ? AND f.measure = ? AND f.period_type = ? AND f.context = 'key_figures'
              AND f.scope IS NULL AND f.sub_dimension IS NULL AND f.unit <> 'PCT' AND (? <> 'MEUR' OR f.unit = 'MEUR')
              AND f.dimension IS NOT DISTINCT FROM ? AND f.member IS NOT DISTINCT FROM ?
            ORDER BY f.fact_id LIMIT 1
            """,
            [code, spec.measure, spec.period_type, spec.unit, dimension, member],
        ).fetchone()
        if fact is None:
            assert value == "non publié" and view[spec.column] != view[spec.column]  # NULL in the view
            continue
        symbol = None if spec.unit == "COUNT" else fact[2]
        assert value == printed(fact[0], fact[1], symbol)
        assert number(value) == pytest.approx(float(view[spec.column]))
        assert "sur 1" in detail and "du total (calculé)" in detail


def test_national_key_figures_are_native_text_equal_to_the_database(pptx_files, cur):
    rows = table_rows(pptx_files["FR"].slides[1])
    cells = {row[0]: row[1] for row in rows[1:]}
    assert list(cells) == [spec.label for spec in NATIONAL_KPIS]
    for spec in NATIONAL_KPIS:
        dimension, member = spec.member or (None, None)
        fact = cur.execute(
            """
            SELECT qualifier, value_text, unit, unit_symbol, value FROM facts_detail
            WHERE territory_code = 'FR' AND measure = ? AND period = ? AND scope IS NULL AND sub_dimension IS NULL
              AND unit <> 'PCT' AND dimension IS NOT DISTINCT FROM ? AND member IS NOT DISTINCT FROM ?
            ORDER BY CASE section WHEN '01' THEN 0 WHEN '02' THEN 1 ELSE 2 END, fact_id LIMIT 1
            """,
            [spec.measure, spec.period, dimension, member],
        ).fetchone()
        assert fact is not None, spec
        assert cells[spec.label] == printed(fact[0], fact[1], None if fact[2] == "COUNT" else fact[3])
        assert number(cells[spec.label]) == pytest.approx(fact[4])


def chart_images(prs) -> list[Image.Image]:
    images = []
    for slide in list(prs.slides)[2:]:
        pictures = [s for s in slide.shapes if s.shape_type == 13]
        assert len(pictures) == 1
        images.append(Image.open(io.BytesIO(pictures[0].image.blob)).convert("RGB"))
    return images


@pytest.mark.parametrize("scope", list(SCOPES))
def test_chart_slides_are_high_resolution_and_not_blank(pptx_files, scope):
    for image in chart_images(pptx_files[scope]):
        assert image.width >= 1600
        pixels = np.asarray(image.resize((400, round(400 * image.height / image.width))))
        assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20  # several distinct colours
        assert pixels.std() > 10  # not a flat image


def test_chart_pictures_fill_their_box_at_the_image_ratio(pptx_files):
    for slide in list(pptx_files["84"].slides)[2:]:
        picture = next(s for s in slide.shapes if s.shape_type == 13)
        image = Image.open(io.BytesIO(picture.image.blob))
        assert picture.width / picture.height == pytest.approx(image.width / image.height, rel=0.01)
        assert Emu(picture.left).inches >= 0.5 and Emu(picture.left + picture.width).inches <= 13.333 - 0.5


def colours(image: Image.Image) -> set[tuple[int, int, int]]:
    return {tuple(int(c) for c in row) for row in np.unique(np.asarray(image).reshape(-1, 3), axis=0)}


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def test_chart_images_use_the_category_colours(pptx_files):
    droits, contreparties = chart_images(pptx_files["84"])
    assert {rgb(CATEGORY_COLORS["requalification"]), rgb(CATEGORY_COLORS["reconstitution"])} <= colours(droits)
    assert {rgb(CATEGORY_COLORS["fonciere_logement"]), rgb(CATEGORY_COLORS["esh_groupe"])} <= colours(contreparties)


def test_overview_export_follows_the_filters(decks, pptx_files):
    chart = decks["FR"].charts[0]
    assert chart.figure.layout.title.text.startswith(f"<b>{INDICATORS['droits_total'].label}</b>")
    assert chart.note == "Territoires mis en évidence : Auvergne-Rhône-Alpes, Île-de-France"
    (image,) = chart_images(pptx_files["FR"])
    assert rgb(CATEGORY_COLORS["selection"]) in colours(image)  # the highlighted regions
    slide = pptx_files["FR"].slides[2]
    assert any(s.has_text_frame and s.text_frame.text == chart.note for s in slide.shapes)


@pytest.mark.parametrize("scope", list(SCOPES))
def test_every_chart_states_title_source_and_data_date(decks, cur, scope):
    info = source_info(cur)
    for chart in decks[scope].charts:
        layout = chart.figure.layout
        assert layout.title.text
        notes = " ".join(a.text.replace("<br>", " ") for a in layout.annotations)
        assert info.data_date in notes and "Action Logement Services" in notes and "(juin 2025)" in notes


@pytest.mark.parametrize("scope", list(SCOPES))
def test_pdf_has_one_landscape_16_9_page_per_slide(pdf_files, pptx_files, scope):
    reader = pdf_files[scope]
    assert len(reader.pages) == len(pptx_files[scope].slides)
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width / height == pytest.approx(16 / 9, rel=1e-3) and width > height
    assert "Chiffres clés" in reader.pages[1].extract_text()
    assert [item.title for item in reader.outline] == EXPECTED_TITLES[scope]


def test_pdf_key_figures_are_text(pdf_files):
    text = pdf_files["84"].pages[1].extract_text().replace("\u202f", " ").replace("\u00a0", " ")
    for value in ("1 414 M€", "12 411", "2 469"):
        assert value in text

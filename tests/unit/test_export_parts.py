"""Presentation exports without a browser: scope validation, rights, figure fitting, synthetic
marks, writers (on stand-in images), the download callback's core and the browser lookup."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import pytest
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader

from dashboard.figures.bars import ChartContext
from dashboard.figures.region import split_figure
from dashboard.figures.theme import SYNTHETIC_MARK, frame
from dashboard.filters import Filters
from dashboard.presentation import content, deck, pdf_writer, render
from dashboard.presentation.deck import Access, AccessDenied, UnknownScope, build_deck, resolve_scope, write_deck
from dashboard.queries.region import region_split


@pytest.fixture(scope="module")
def cur(built_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(built_db), read_only=True)
    yield con
    con.close()


def stand_in_png(width: int = 320, height: int = 144) -> bytes:
    image = Image.new("RGB", (width, height), "white")
    image.paste((0, 114, 178), (10, 10, width // 2, height // 2))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def with_images(built: deck.Deck) -> deck.Deck:
    for chart in built.charts:
        chart.image = stand_in_png()
    return built


@pytest.mark.parametrize(
    ("raw", "expected"), [("84", "84"), ("om", "OM"), (" Om ", "OM"), ("FR", "FR"), ("national", "FR"), ("fr", "FR")]
)
def test_resolve_scope(cur, raw, expected):
    assert resolve_scope(cur, raw) == expected


@pytest.mark.parametrize("raw", ["", "  ", None, 84, "01", "971", "ZZ", "84;DROP", "x" * 200])
def test_resolve_scope_refuses_anything_else(cur, raw):
    with pytest.raises(UnknownScope):
        resolve_scope(cur, raw)


def test_access_is_applied_by_build_deck(cur):
    regional = Access(regions=frozenset({"84"}), national=False)
    with pytest.raises(AccessDenied):
        build_deck(cur, "11", access=regional)
    with pytest.raises(AccessDenied):
        build_deck(cur, "FR", access=regional)
    assert build_deck(cur, "84", access=regional).territory == "Auvergne-Rhône-Alpes"
    national = Access(regions=frozenset({"84"}))
    built = build_deck(cur, "FR", Filters(regions=("84", "11")), access=national)
    assert built.charts[0].note == "Territoires mis en évidence : Auvergne-Rhône-Alpes"


def test_deck_filename(cur):
    from datetime import datetime

    day = datetime(2025, 7, 1)
    assert deck.deck_filename(build_deck(cur, "84"), "pptx", day) == "npnru-auvergne-rhone-alpes-2025-07-01.pptx"
    assert deck.deck_filename(build_deck(cur, "FR"), "pdf", day) == "npnru-vue-d-ensemble-2025-07-01.pdf"


def test_unknown_format_is_refused(cur):
    with pytest.raises(ValueError):
        write_deck(with_images(build_deck(cur, "84")), "docx")


def test_export_figure_keeps_title_and_legend_at_their_pixel_distances():
    fig = frame(
        go.Figure(go.Bar(x=[1, 2], y=["a", "b"], orientation="h")),
        title="T",
        unit="U",
        source_line="S",
        data_date="D",
        height=300,
    )
    old_title_px = (1 - fig.layout.title.y) * 300
    old_legend_px = fig.layout.legend.y * (300 - fig.layout.margin.t - fig.layout.margin.b)
    out = render.export_figure(fig, 880, 400)
    assert (out.layout.width, out.layout.height, out.layout.title.x) == (880, 400, 0)
    assert (1 - out.layout.title.y) * 400 == pytest.approx(old_title_px)
    assert out.layout.legend.y * (400 - out.layout.margin.t - out.layout.margin.b) == pytest.approx(old_legend_px)
    assert out.layout.margin.r >= 56
    plot = 400 - out.layout.margin.t - out.layout.margin.b
    assert plot / 2 * (1 - out.layout.bargap) <= render.MAX_BAR_SHARE * 400 + 1e-9  # no slab
    assert fig.layout.height == 300  # the page's figure is untouched


def test_export_figure_leaves_subplots_and_mixed_charts_alone(cur):
    ctx = ChartContext("Source : s", "Données au 31/12/2024")
    fig = split_figure(region_split(cur, "84", "droits"), ctx, title="T", unit_text="U")
    mixed = go.Figure(fig).add_trace(go.Scatter(x=[0], y=["Requalification"], mode="text"))
    assert render.export_figure(mixed, 880, 400).layout.bargap == fig.layout.bargap


def test_synthetic_data_are_marked_on_every_slide_and_chart(cur, monkeypatch):
    monkeypatch.setattr(content, "synthetic_shown", lambda _cur: True)
    built = with_images(build_deck(cur, "84"))
    assert built.synthetic and built.footer.endswith(SYNTHETIC_MARK)
    for chart in built.charts:
        assert SYNTHETIC_MARK.upper() in [a.text for a in chart.figure.layout.annotations]
    prs = Presentation(io.BytesIO(write_deck(built, "pptx")))
    for slide in prs.slides:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        assert "DONNÉES SIMULÉES" in texts
    reader = PdfReader(io.BytesIO(write_deck(built, "pdf")))
    assert all("DONNÉES SIMULÉES" in page.extract_text() for page in reader.pages)


def test_pdf_without_truetype_fonts_uses_core_font(cur, monkeypatch):
    monkeypatch.setattr(pdf_writer, "FONT_DIRS", ())
    reader = PdfReader(io.BytesIO(write_deck(with_images(build_deck(cur, "FR")), "pdf")))
    assert len(reader.pages) == 3
    assert "Chiffres clés nationaux" in reader.pages[1].extract_text()


def test_key_figure_quotes_go_to_the_speaker_notes(cur):
    prs = Presentation(io.BytesIO(write_deck(with_images(build_deck(cur, "84")), "pptx")))
    notes = prs.slides[1].notes_slide.notes_text_frame.text
    assert notes.startswith("Citations du rapport") and "«" in notes


def test_deck_download_honours_the_filters_store(built_db, cur, monkeypatch):
    monkeypatch.setenv("NPNRU_DB", str(built_db))
    monkeypatch.setattr(render, "render_deck", with_images)
    from dashboard.presentation.ui import deck_download

    store = {"measure": "menages_loges", "regions": ["84", "not-a-region"], "rejected": ["x"]}
    data = deck_download("pptx", "fr", store)
    assert data["filename"].startswith("npnru-vue-d-ensemble-") and data["filename"].endswith(".pptx")
    prs = Presentation(io.BytesIO(base64.b64decode(data["content"])))
    picture = next(s for s in prs.slides[2].shapes if s.shape_type == 13)
    assert picture._element.nvPicPr.cNvPr.get("descr") == "Ménages salariés logés"
    texts = [s.text_frame.text for s in prs.slides[2].shapes if s.has_text_frame]
    assert "Territoires mis en évidence : Auvergne-Rhône-Alpes" in texts
    with pytest.raises(UnknownScope):
        deck_download("pdf", "../../etc", store)
    with pytest.raises(ValueError):
        deck_download("exe", "84", store)


def test_browser_path_prefers_browser_path_variable(tmp_path, monkeypatch):
    browser = tmp_path / "my-chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(browser))
    assert render.browser_path() == str(browser)
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "missing"))
    with pytest.raises(render.RenderError, match="BROWSER_PATH"):
        render.browser_path()


def test_browser_path_searches_path_and_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(render.RenderError, match="apt-get install chromium"):
        render.browser_path()
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    assert render.browser_path() == str(browser)


def graphs(component) -> dict[str, go.Figure]:
    """The dcc.Graph components of a layout tree, by id, in page order."""
    found = {}
    stack = [component]
    while stack:
        node = stack.pop(0)
        if type(node).__name__ == "Graph":
            found[node.id] = node.figure
        children = getattr(node, "children", None)
        if isinstance(children, (list, tuple)):
            stack[:0] = list(children)
        elif children is not None and not isinstance(children, (str, int, float)):
            stack.insert(0, children)
    return found


@pytest.mark.parametrize("code", ["84", "OM"])
def test_region_deck_has_the_charts_of_the_region_page(built_db, cur, monkeypatch, code):
    monkeypatch.setenv("NPNRU_DB", str(built_db))
    import dashboard.app  # noqa: F401  (pages register inside the app)
    from dashboard import ids
    from dashboard.pages import overview, region

    page = graphs(region.layout(code=code))
    built = build_deck(cur, code)
    assert [ids.chart(c.name) for c in built.charts] == list(page)
    for chart in built.charts:
        shown = page[ids.chart(chart.name)]  # a figure, or its plotly JSON (figures cached by the page)
        shown = shown if isinstance(shown, dict) else shown.to_plotly_json()
        assert chart.figure.layout.title.text == shown["layout"]["title"]["text"]
    assert ids.chart(build_deck(cur, "FR").charts[0].name) in graphs(overview.layout())

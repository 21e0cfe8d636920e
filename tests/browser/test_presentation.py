"""Presentation mode and the "Exporter" menu in headless Chromium."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pptx import Presentation
from selenium.webdriver.support.ui import WebDriverWait

from dashboard import ids

from .conftest import element, screenshot, wait_for_charts

pytestmark = pytest.mark.browser

CHART_SIZES = (
    "return Array.from(document.querySelectorAll('.chart-card .js-plotly-plot'))"
    ".map(p => [p._fullLayout.width, p._fullLayout.height])"
)


def displayed(browser, selector: str) -> list[bool]:
    return [e.is_displayed() for e in browser.find_elements("css selector", selector)]


@pytest.fixture
def presentation(browser):
    """Leaves the shared browser out of presentation mode (the switch persists per tab session)."""
    yield browser
    browser.execute_script("window.sessionStorage.clear()")
    browser.execute_script("document.body.classList.remove('presentation')")


def toggle(browser) -> None:
    browser.execute_script("arguments[0].click()", element(browser, ids.PRESENTATION_TOGGLE))


def test_b101_presentation_mode_hides_controls_and_fits_charts_to_16_9(presentation, live_server):
    browser = presentation
    browser.get(live_server + "/")
    wait_for_charts(browser)
    assert displayed(browser, ".filter-bar") == [True]
    assert all(displayed(browser, ".chart-actions"))
    own = browser.execute_script(CHART_SIZES)
    toggle(browser)
    WebDriverWait(browser, 10).until(lambda d: "presentation" in d.execute_script("return document.body.className"))
    WebDriverWait(browser, 10).until(
        lambda d: all(abs(w / h - 16 / 9) < 0.01 for w, h in d.execute_script(CHART_SIZES))
    )
    assert displayed(browser, ".filter-bar") == [False]
    assert not any(displayed(browser, ".chart-actions"))
    assert not any(displayed(browser, ".deck-exporter"))
    # Each chart is drawn from its fitted figure (title and legend moved for the new height), not
    # only stretched to its box: the figure changed in the browser keeps its server revision.
    fitted = browser.execute_script(
        "return Array.from(document.querySelectorAll('.chart-card .js-plotly-plot'))"
        ".map(p => [p._fullLayout.meta && p._fullLayout.meta.npnruSize, p._fullLayout.width, p._fullLayout.height])"
    )
    assert fitted and all(size == f"{w}x{h}" for size, w, h in fitted)
    size = browser.execute_script("return parseFloat(getComputedStyle(document.querySelector('.page h1')).fontSize)")
    assert size > 30  # enlarged (h3: 1.75rem = 28 px)
    screenshot(browser, "presentation-vue-ensemble")

    # The mode survives a reload of the tab (session storage), then switches off cleanly.
    browser.get(live_server + "/")
    wait_for_charts(browser)
    WebDriverWait(browser, 10).until(lambda d: "presentation" in d.execute_script("return document.body.className"))
    assert displayed(browser, ".filter-bar") == [False]
    toggle(browser)
    WebDriverWait(browser, 10).until(lambda d: "presentation" not in d.execute_script("return document.body.className"))
    assert displayed(browser, ".filter-bar") == [True]
    WebDriverWait(browser, 10).until(lambda d: d.execute_script(CHART_SIZES)[0][1] == own[0][1])


def test_b102_region_page_in_presentation_mode(presentation, live_server):
    browser = presentation
    browser.get(live_server + "/region/84")
    wait_for_charts(browser)
    toggle(browser)
    WebDriverWait(browser, 10).until(
        lambda d: all(abs(w / h - 16 / 9) < 0.01 for w, h in d.execute_script(CHART_SIZES))
    )
    assert not any(displayed(browser, ".chart-actions"))
    assert displayed(browser, f"#{ids.REGION_SWITCH}") == [False]
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    screenshot(browser, "presentation-region-84")


def test_b103_exporter_downloads_the_region_as_pptx(browser, live_server, tmp_path: Path):
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    browser.get(live_server + "/region/84")
    wait_for_charts(browser)
    browser.find_element("css selector", f"#{ids.DECK_MENU} .dropdown-toggle").click()
    element(browser, ids.deck_button("pptx")).click()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not list(tmp_path.glob("*.pptx")):
        time.sleep(0.3)
    (path,) = tmp_path.glob("*.pptx")
    assert path.name.startswith("npnru-auvergne-rhone-alpes-")
    prs = Presentation(str(path))
    assert [s.shapes.title.text for s in prs.slides][:2] == ["Auvergne-Rhône-Alpes", "Chiffres clés"]
    assert len(prs.slides) == 4
    assert element(browser, ids.DECK_STATUS).text == ""

"""Browser tests of the weekly views, on their own server with two synthetic weekly snapshots."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from dashboard import ids
from dashboard.extracts.queries import region_deltas
from dashboard.extracts.spec import REGION_NAMES
from dashboard.extracts.store import attach_operations
from dashboard.figures.weekly import meur, signed

from ..servers import gunicorn_server
from .conftest import count_chart_events, element, non_local, requested_urls, screenshot, wait_for_charts

pytestmark = pytest.mark.browser
DELTA_TITLE = "Évolution depuis la dernière revue"


@pytest.fixture(scope="module")
def weekly_server(built_db: Path, operations_db: Path) -> Iterator[str]:
    """The dashboard under gunicorn on a free loopback port, with the operations database attached."""
    env = {"NPNRU_DB": str(built_db), "NPNRU_OPERATIONS_DB": str(operations_db)}
    with gunicorn_server(env, operations_db.parent / "gunicorn-weekly.log") as (url, _):
        yield url


@pytest.fixture(scope="module")
def expected_deltas(built_db: Path, operations_db: Path):
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{built_db}' AS report (READ_ONLY)")
        attach_operations(con, operations_db)
        return region_deltas(con, catalog="ops")
    finally:
        con.close()


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def banner_shown(browser) -> bool:
    banner = element(browser, ids.SYNTHETIC_BANNER)
    return banner.is_displayed() and "Données simulées" in banner.text


def test_bw001_suivi_shows_the_changes_since_the_previous_snapshot(browser, weekly_server, expected_deltas):
    requested_urls(browser)
    browser.get(weekly_server + "/suivi")
    wait_for_charts(browser)
    assert banner_shown(browser)
    header = plain(element(browser, ids.SUIVI_HEADER).text)
    assert "extraction du 14/01/2025" in header and "extraction du 07/01/2025" in header
    assert "Données simulées" in header
    trace = browser.execute_script(
        """const plot = Array.from(document.querySelectorAll('.dash-graph .js-plotly-plot'))
               .find(p => (p.layout.title.text || '').includes(arguments[0]));
           const t = plot.data.find(d => d.name === 'Prêts engagés (M€)');
           return {x: Array.from(t.x), y: Array.from(t.y),
                   mark: plot.layout.annotations.some(a => a.text === 'DONNÉES SIMULÉES')};""",
        DELTA_TITLE,
    )
    names = {row.region_code: row for row in expected_deltas.itertuples()}
    by_name = {REGION_NAMES[code]: row for code, row in names.items()}
    assert len(trace["y"]) == len(expected_deltas)
    for name, value in zip(trace["y"], trace["x"], strict=True):
        assert value == pytest.approx(by_name[name].engaged_delta / 1e6)
    assert trace["mark"]
    cells = browser.execute_script(
        """return Array.from(document.getElementById(arguments[0]).querySelectorAll('tr[data-region]'))
               .map(r => [r.dataset.region, r.querySelector('.delta-engaged').textContent,
                          r.querySelector('.delta-rights').textContent]);""",
        ids.SUIVI_DELTA_TABLE,
    )
    assert [c[0] for c in cells] == list(expected_deltas["region_code"])
    for code, engaged, rights in cells:
        assert plain(engaged) == plain(signed(meur(names[code].engaged_delta), "MEUR", 2))
        assert plain(rights) == plain(signed(names[code].rights_delta, "COUNT", 0))
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    assert non_local(requested_urls(browser)) == []
    screenshot(browser, "suivi-hebdomadaire")


def test_bw002_overview_carries_the_banner_and_the_latest_changes(browser, weekly_server):
    browser.get(weekly_server + "/")
    wait_for_charts(browser)
    assert banner_shown(browser)
    changes = element(browser, ids.OVERVIEW_CHANGES)
    assert "Plus fortes évolutions depuis la dernière revue" in changes.text
    assert len(changes.find_elements(By.CSS_SELECTOR, ".change-card")) == 3
    screenshot(browser, "vue-ensemble-donnees-simulees")


def test_bw003_a_weekly_filter_updates_the_view_and_the_url(browser, weekly_server):
    browser.get(weekly_server + "/suivi?regions=84,11&pas=annee")
    wait_for_charts(browser)
    rows = browser.execute_script(
        "return Array.from(document.getElementById(arguments[0]).querySelectorAll('tr[data-region]'))"
        ".map(r => r.dataset.region);",
        ids.SUIVI_DELTA_TABLE,
    )
    assert rows == ["84", "11"]
    label = browser.execute_script(
        "const i = document.getElementById(arguments[0]).querySelector(\"input[value='cumul']\");"
        "return i.closest('.form-check').querySelector('label');",
        '{"name":"courbe","type":"filter"}',
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", label)
    label.click()
    WebDriverWait(browser, 10).until(lambda d: "courbe=cumul" in d.current_url and "regions=84,11" in d.current_url)
    WebDriverWait(browser, 10).until(
        lambda d: d.execute_script(
            "return Array.from(document.querySelectorAll('.dash-graph .js-plotly-plot'))"
            ".some(p => (p.layout.title.text || '').includes('cumulés') && p.data[0].type === 'scatter');"
        )
    )


def test_bw004_choosing_a_snapshot_rewrites_the_header_key_figures_and_tables(browser, weekly_server):
    """The header and key figures (`PlainElements`) and the tables (`Table`) are updated in place
    by the page's callback: they follow the snapshot picked."""
    browser.get(weekly_server + "/suivi?regions=84,11")
    wait_for_charts(browser)
    assert "Comparé à : extraction du 07/01/2025" in plain(element(browser, ids.SUIVI_HEADER).text)
    browser.execute_script(
        "window.dash_clientside.set_props(arguments[0], {value: arguments[1]})",
        ids.filter_control("instantane"),
        "2025-01-07",
    )
    WebDriverWait(browser, 10).until(
        lambda d: "Instantané affiché : extraction du 07/01/2025" in plain(element(d, ids.SUIVI_HEADER).text)
    )
    header = plain(element(browser, ids.SUIVI_HEADER).text)
    assert "Aucune extraction antérieure" in header and "Comparé à" not in header
    WebDriverWait(browser, 10).until(lambda d: plain(element(d, ids.SUIVI_KPIS).text).count("pas de comparaison") == 4)
    rows = browser.execute_script(
        "return Array.from(document.getElementById(arguments[0]).querySelectorAll('tr[data-region]'))"
        ".map(r => [r.dataset.region, r.querySelector('.delta-engaged').textContent]);",
        ids.SUIVI_DELTA_TABLE,
    )
    assert rows == [["84", "—"], ["11", "—"]]
    WebDriverWait(browser, 10).until(  # textContent: the head's cells are upper-cased by the style sheet
        lambda d: (
            "Extraction au 07/01/2025"
            in plain(
                d.execute_script("return document.getElementById(arguments[0]).textContent", ids.SUIVI_REPORT_TABLE)
            )
        )
    )
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_bw005_a_change_redraws_only_the_charts_it_changes(browser, weekly_server):
    """ "Par an" changes the flows chart only: the page's answer carries the five figures, and the four
    that come back as they were (same `datarevision`) are not drawn again. Picking another snapshot
    then redraws every chart."""
    browser.get(weekly_server + "/suivi")
    wait_for_charts(browser)
    charts = [ids.chart(f"suivi-{name}") for name in ("evolutions", "flux", "reste", "delais", "bilan-extraction")]
    revisions = (
        "return arguments[0].map(id => document.getElementById(id).querySelector('.js-plotly-plot')"
        ".layout.datarevision);"
    )
    before = browser.execute_script(revisions, charts)
    assert all(before) and len(set(before)) == 5
    count_chart_events(browser, "plotly_afterplot", "npnruDraws")
    set_props = "window.dash_clientside.set_props(arguments[0], {value: arguments[1]})"
    browser.execute_script(set_props, ids.filter_control("pas"), "annee")
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return window.npnruDraws[arguments[0]]", charts[1]))
    wait_for_charts(browser)
    time.sleep(0.5)  # anything else drawn by now would show
    draws = browser.execute_script("return window.npnruDraws")
    assert draws == {charts[0]: 0, charts[1]: 1, charts[2]: 0, charts[3]: 0, charts[4]: 0}
    after = browser.execute_script(revisions, charts)
    assert after[1] != before[1] and [a for i, a in enumerate(after) if i != 1] == [
        b for i, b in enumerate(before) if i != 1
    ]
    titles = "return arguments[0].map(id => document.getElementById(id).querySelector('.main-svg .gtitle') !== null);"
    assert all(browser.execute_script(titles, charts))  # the charts left alone are still drawn
    count_chart_events(browser, "plotly_afterplot", "npnruDraws")
    browser.execute_script(set_props, ids.filter_control("instantane"), "2025-01-07")
    WebDriverWait(browser, 10).until(lambda d: all(d.execute_script("return Object.values(window.npnruDraws)")))
    assert set(browser.execute_script(revisions, charts)).isdisjoint(after)
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []

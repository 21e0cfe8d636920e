"""Browser tests in headless Debian Chromium with the network cut (one behaviour per test)."""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from dashboard import ids
from dashboard.geometry import load_geometry

from .conftest import (
    choose_option,
    count_chart_events,
    element,
    non_local,
    requested_urls,
    screenshot,
    wait_for_charts,
)

pytestmark = pytest.mark.browser

PAGES = {
    "vue-ensemble": "/",
    "prets": "/prets",
    "droits": "/droits",
    "contreparties": "/contreparties",
    "carte": "/carte",
    "region-84": "/region/84",
    "region-om": "/region/OM",
    "qualite": "/qualite",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_b001_page_renders_every_chart_offline(browser, live_server, name):
    requested_urls(browser)  # reset the log
    browser.get(live_server + PAGES[name])
    charts = wait_for_charts(browser)
    assert charts >= 1
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    assert non_local(requested_urls(browser)) == []
    # Each chart fills its box, and its margins already fit its labels (figures/label_width.py):
    # plotly.js did not have to widen them, which costs a second drawing of the chart.
    for chart, width, box, margins, used in browser.execute_script(CHART_GEOMETRY):
        assert abs(width - box) < 2, chart
        assert used[0] <= margins[0] and used[1] <= margins[1], (chart, margins, used)
    screenshot(browser, name)


CHART_GEOMETRY = """
return Array.from(document.querySelectorAll('.dash-graph .js-plotly-plot')).map(gd => {
    const full = gd._fullLayout;
    return [gd.parentElement.id, full.width, gd.getBoundingClientRect().width,
            [full.margin.l, full.margin.r], [Math.round(full._size.l), Math.round(full._size.r)]];
});
"""


def test_b002_quote_of_a_key_figure_shows_on_click(browser, live_server):
    browser.get(live_server + "/")
    wait_for_charts(browser)
    browser.find_element(By.ID, "kpi-menages").click()
    popover = WebDriverWait(browser, 10).until(ec.visibility_of_element_located((By.ID, "kpi-menages-quote")))
    assert "2 100" in popover.text.replace("\u202f", " ").replace("\u00a0", " ")


def test_b003_measure_change_updates_chart_and_url(browser, live_server):
    browser.get(live_server + "/")
    wait_for_charts(browser)
    choose_option(browser, ids.filter_control("measure"), "menages_loges")
    WebDriverWait(browser, 10).until(lambda d: "measure=menages_loges" in d.current_url)
    WebDriverWait(browser, 10).until(
        lambda d: (
            "Ménages"
            in d.execute_script("return document.querySelector('.dash-graph .js-plotly-plot').layout.title.text")
        )
    )


def chart_categories(browser, index: int = 0) -> list[str]:
    """The y categories of the first bar trace of the index-th chart of the page."""
    return browser.execute_script(
        "const p = document.querySelectorAll('.dash-graph .js-plotly-plot')[arguments[0]];"
        "const bars = p.data.filter(t => t.type === 'bar');"
        "return Array.from(new Set(bars.flatMap(t => Array.from(t.y || []))));",
        index,
    )


def click_map_area(browser, code: str) -> None:
    """A real mouse click on the label point of an area of the map."""
    area = next(a for a in load_geometry().areas if a.code == code)
    graph = element(browser, ids.chart("map"))
    # Selenium offsets from the centre of the element's visible part: show the page whole first.
    browser.set_window_size(1400, 1600)
    browser.execute_script("window.scrollTo(0, 0)")
    dx, dy = browser.execute_script(
        """
        const gd = arguments[0].querySelector('.js-plotly-plot');
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const box = gd.getBoundingClientRect();
        const px = xa._offset + xa.l2p(arguments[1]), py = ya._offset + ya.l2p(arguments[2]);
        return [px - box.width / 2, py - box.height / 2];
        """,
        graph,
        area.label[0],
        area.label[1],
    )
    plot = graph.find_element(By.CSS_SELECTOR, ".js-plotly-plot")
    ActionChains(browser).move_to_element_with_offset(plot, int(dx), int(dy)).pause(0.3).click().perform()


def test_b004_map_click_selects_a_region_and_the_other_views_follow(browser, live_server):
    browser.get(live_server + "/carte")
    wait_for_charts(browser)
    click_map_area(browser, "75")
    WebDriverWait(browser, 10).until(lambda d: "regions=75" in d.current_url)
    link = WebDriverWait(browser, 10).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, f"#{ids.MAP_SELECTION} a[href='/region/75']"))
    )
    assert "région" in link.text.lower()
    screenshot(browser, "carte-selection")
    browser.find_element(By.ID, ids.nav_link("prets")).click()
    WebDriverWait(browser, 10).until(lambda d: "/prets?regions=75" in d.current_url)
    # The address changes at the click, before the page arrives: wait for the page's own chart.
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, ids.chart("prets-territoires")))
    wait_for_charts(browser)
    assert chart_categories(browser) == ["Nouvelle-Aquitaine"]


def test_b005_a_copied_url_restores_the_same_view(browser, live_server):
    browser.get(live_server + "/droits?regions=84,11&vue=part")
    wait_for_charts(browser)
    index = browser.execute_script(
        "return Array.from(document.querySelectorAll('.dash-graph .js-plotly-plot'))"
        ".findIndex(p => (p.layout.title.text || '').includes('par territoire'));"
    )
    assert sorted(chart_categories(browser, index)) == ["Auvergne-Rhône-Alpes", "Île-de-France"]
    x_range = browser.execute_script(
        "return document.querySelectorAll('.dash-graph .js-plotly-plot')[arguments[0]].layout.xaxis.range;", index
    )
    assert x_range == [0, 100]
    checked = browser.execute_script(
        "return document.getElementById(arguments[0]).querySelector('input:checked').value;",
        '{"name":"vue","type":"filter"}',
    )
    assert checked == "part"


def test_b006_back_button_returns_to_the_previous_filters(browser, live_server):
    browser.get(live_server + "/droits")
    wait_for_charts(browser)
    label = browser.execute_script(
        "const i = document.getElementById(arguments[0]).querySelector(\"input[value='part']\");"
        "return i.closest('.form-check').querySelector('label');",
        '{"name":"vue","type":"filter"}',
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", label)
    label.click()
    WebDriverWait(browser, 10).until(lambda d: "vue=part" in d.current_url)
    browser.back()
    WebDriverWait(browser, 10).until(lambda d: "vue=part" not in d.current_url)
    wait_for_charts(browser)
    checked = browser.execute_script(
        "return document.getElementById(arguments[0]).querySelector('input:checked').value;",
        '{"name":"vue","type":"filter"}',
    )
    assert checked == "nombre"


def open_finding(browser, index: int = 0):
    """Open the index-th finding of /qualite; its body once the details are rendered."""
    buttons = WebDriverWait(browser, 15).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".findings-accordion .accordion-button")
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", buttons[index])
    buttons[index].click()
    return WebDriverWait(browser, 10).until(
        lambda d: d.execute_script(
            "const b = document.querySelectorAll('.findings-accordion .accordion-item')[arguments[0]];"
            "const t = b && b.querySelector('.finding-detail-loaded table.finding-facts');"
            "return t ? b : null;",
            index,
        )
    )


def test_b007_a_finding_shows_its_quotes_when_opened_also_after_a_filter_change(browser, live_server):
    browser.get(live_server + "/qualite")
    wait_for_charts(browser)
    assert browser.find_elements(By.CSS_SELECTOR, ".findings-accordion table.finding-facts") == []  # not sent yet
    body = open_finding(browser, 1)
    assert body.find_elements(By.CSS_SELECTOR, "q.quote")
    screenshot(browser, "qualite-incoherence-ouverte")
    # Closed and opened again, it shows its details without asking the server again.
    updates = "return performance.getEntriesByType('resource').filter(e => e.name.includes('_dash-update')).length"
    button = browser.find_elements(By.CSS_SELECTOR, ".findings-accordion .accordion-button")[1]
    button.click()
    WebDriverWait(browser, 10).until(lambda d: "collapsed" in button.get_attribute("class"))
    sent = browser.execute_script(updates)
    assert open_finding(browser, 1).find_elements(By.CSS_SELECTOR, "q.quote")
    assert browser.execute_script(updates) == sent
    choose_option(browser, ids.filter_control("regions"), "OM")
    WebDriverWait(browser, 10).until(lambda d: "regions=OM" in d.current_url)
    WebDriverWait(browser, 10).until(lambda d: "Outre-Mer" in d.find_element(By.ID, ids.FINDINGS_COUNT).text)
    time.sleep(0.5)  # a request for the list's details would have left by now
    assert browser.execute_script(updates) == sent + 1  # the page's update only
    body = open_finding(browser, 0)
    assert body.find_elements(By.CSS_SELECTOR, "tr.finding-fact-selected")  # the selected territory's facts stand out


def test_b009_a_chart_follows_its_box(browser, live_server):
    """dcc.Graph resizes a chart when its box changes size (not only the window: presentation mode
    narrows the boxes); assets/05-plotly.js skips only the resizes to the size already drawn."""
    browser.get(live_server + "/prets")
    wait_for_charts(browser)
    browser.execute_script("document.querySelector('.chart-card .dash-graph').style.width = '600px';")
    WebDriverWait(browser, 10).until(lambda d: d.execute_script(CHART_GEOMETRY)[0][1] == 600)
    assert all(abs(width - box) < 2 for _, width, box, _, _ in browser.execute_script(CHART_GEOMETRY))


def test_b010_the_address_follows_the_controls_as_the_server_writes_it(browser, live_server):
    """The filters store is computed in the browser: its query string must be the one
    `Filters.query_string` gives for the same values (defaults left out, "all ticked" is the default)."""
    from dashboard.filters import OPERATEURS, validate

    browser.get(live_server + "/contreparties")
    wait_for_charts(browser)
    cases = [
        {"regions": ["84", "11"], "operateur": [OPERATEURS[0]]},
        {"regions": [], "operateur": list(OPERATEURS)},
        {"regions": ["OM"], "operateur": list(reversed(OPERATEURS))},
        {"regions": ["11"], "operateur": []},
    ]
    for values in cases:
        for name, value in values.items():
            browser.execute_script(
                "window.dash_clientside.set_props(arguments[0], {value: arguments[1]})",
                ids.filter_control(name),
                value,
            )
        expected = validate(values, ["84", "11", "OM"]).query_string(["regions", "operateur"])
        WebDriverWait(browser, 10).until(lambda d, e=expected: d.current_url == live_server + "/contreparties" + e)
        # The navigation links carry the regions.
        href = browser.find_element(By.ID, ids.nav_link("prets")).get_attribute("href")
        carry = validate({"regions": values["regions"]}, ["84", "11", "OM"]).query_string(["regions"])
        assert href == live_server + "/prets" + carry


def test_b011_the_map_panel_links_open_a_page_without_reloading(browser, live_server):
    """The links of the map's panel (drawn by `PlainElements`) open their page as `dcc.Link` does:
    Dash's router draws it, the document stays; the swatches carry the map's colours."""
    browser.get(live_server + "/carte")
    wait_for_charts(browser)
    swatches = browser.execute_script(
        "return Array.from(document.querySelectorAll('#' + arguments[0] + ' .map-swatch'))"
        ".map(s => getComputedStyle(s).backgroundColor);",
        ids.MAP_SELECTION,
    )
    assert len(swatches) == 13 and all(color.startswith("rgb(") for color in swatches)
    browser.execute_script("window.__samePage = true;")
    browser.find_element(By.CSS_SELECTOR, f"#{ids.MAP_SELECTION} a[href='/region/84']").click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url == live_server + "/region/84")
    # The address changes at the click, before the page arrives: wait for the page itself.
    heading = "const h = document.querySelector('h1'); return h ? h.textContent : '';"
    WebDriverWait(browser, 10).until(lambda d: "Auvergne-Rhône-Alpes" in d.execute_script(heading))
    wait_for_charts(browser)
    assert browser.execute_script("return window.__samePage === true;")  # no reload


def test_b012_the_quality_page_follows_its_filters_in_place(browser, live_server):
    """/qualite's tiles, rules, count and list are updated in place (`PlainElements`, `npnru.Findings`);
    with every severity unticked the list says so."""
    browser.get(live_server + "/qualite")
    wait_for_charts(browser)
    accents = browser.execute_script(
        "return Array.from(document.querySelectorAll('#' + arguments[0] + ' .finding-tile'))"
        ".map(t => t.style.borderLeftColor);",
        ids.FINDINGS_SUMMARY,
    )
    assert accents[0] == "" and all(a.startswith("rgb(") for a in accents[1:])
    browser.execute_script(
        "window.dash_clientside.set_props(arguments[0], {value: []})", ids.filter_control("severite")
    )
    WebDriverWait(browser, 10).until(
        lambda d: "Aucune gravité cochée" in d.find_element(By.ID, ids.FINDINGS_TABLE).text
    )
    assert browser.find_element(By.ID, ids.FINDINGS_COUNT).text.startswith("0 incohérence")
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_b013_a_filter_change_draws_each_changed_chart_once(browser, live_server):
    """plotly.js laid a new figure out with the margins the previous one's labels and legend asked
    for, then drew the chart a second time: each /prets territory chart, at each region pick
    (shorter labels, another height). assets/05-plotly.js lets each new figure start from its own
    margins: one draw each way. The axis labels still widen a margin too narrow for them."""
    browser.get(live_server + "/prets")
    wait_for_charts(browser)
    charts = [ids.chart(name) for name in ("prets-territoires", "prets-taux", "prets-decaisses")]
    set_props = "window.dash_clientside.set_props(arguments[0], {value: arguments[1]})"
    for regions in (["84"], []):
        count_chart_events(browser, "plotly_beforeplot", "npnruFullDraws")
        browser.execute_script(set_props, ids.filter_control("regions"), regions)
        WebDriverWait(browser, 10).until(
            lambda d: all(d.execute_script("return arguments[0].map(id => window.npnruFullDraws[id])", charts))
        )
        wait_for_charts(browser)
        time.sleep(0.5)  # a second draw would show by now
        draws = browser.execute_script("return window.npnruFullDraws")
        assert [draws[c] for c in charts] == [1, 1, 1], (regions, draws)
    narrow = """
        const gd = document.getElementById(arguments[0]).querySelector('.js-plotly-plot');
        const layout = Object.assign({}, gd.layout, {margin: Object.assign({}, gd.layout.margin, {l: 10})});
        return Plotly.react(gd, gd.data, layout).then(() => [gd._fullLayout.margin.l, gd._fullLayout._size.l,
            Math.min(...Array.from(gd.querySelectorAll('.ytick text')).map(t => t.getBoundingClientRect().left))
            - gd.getBoundingClientRect().left]);
    """
    margin, drawn_at, leftmost_label = browser.execute_script(narrow, charts[0])
    assert margin == 10 and drawn_at > 100 and leftmost_label >= 0  # automargin widened it for the labels
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []

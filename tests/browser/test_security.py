"""The Content-Security-Policy lets every page work (no violation at all), and rejected filter
values show in the shell's alert."""

from __future__ import annotations

import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from dashboard import ids

from .conftest import dom_id, wait_for_charts
from .test_pages import PAGES

pytestmark = pytest.mark.browser

_RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
    window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""


@pytest.fixture(scope="module")
def watched_browser(browser):
    """The browser, recording every CSP violation of the pages it loads."""
    script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _RECORD_VIOLATIONS})
    yield browser
    browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})


def test_s001_pages_send_a_strict_csp(live_server):
    with urllib.request.urlopen(live_server + "/prets") as response:
        csp = response.headers["Content-Security-Policy"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "'unsafe-eval'" not in csp and "script-src 'self' 'sha256-" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp


@pytest.mark.parametrize("name", list(PAGES))
def test_s002_every_page_renders_without_a_csp_violation(watched_browser, live_server, name):
    watched_browser.get(live_server + PAGES[name])
    assert wait_for_charts(watched_browser) >= 1
    # Hover a chart too: plotly builds its hover labels and styles lazily.
    watched_browser.execute_script(
        "const g = document.querySelector('.dash-graph .js-plotly-plot');"
        "g.dispatchEvent(new MouseEvent('mousemove', {clientX: 400, clientY: 300, bubbles: true}));"
    )
    assert watched_browser.execute_script("return window.__cspViolations") == []


def test_s003_rejected_filter_values_show_in_an_alert(watched_browser, live_server):
    watched_browser.get(live_server + "/droits?regions=84,ZZ&measure=%27%3B%20DROP%20TABLE%20facts")
    wait_for_charts(watched_browser)
    alert = WebDriverWait(watched_browser, 10).until(
        lambda d: d.execute_script(
            "const a = document.getElementById(arguments[0]); return a ? a.innerText : null;", dom_id(ids.FILTERS_ALERT)
        )
    )
    assert "Filtres ignorés" in alert and "'ZZ'" in alert and "DROP TABLE" in alert
    # The valid value is kept, and the address bar is cleaned of the rejected ones.
    WebDriverWait(watched_browser, 10).until(lambda d: d.current_url.endswith("/droits?regions=84"))
    assert watched_browser.execute_script("return window.__cspViolations") == []
    # Another page with a clean address closes the alert.
    watched_browser.find_element(By.ID, ids.nav_link("prets")).click()
    WebDriverWait(watched_browser, 10).until(lambda d: "/prets" in d.current_url)
    wait_for_charts(watched_browser)
    WebDriverWait(watched_browser, 10).until(
        lambda d: d.execute_script("return document.getElementById(arguments[0]) === null", dom_id(ids.FILTERS_ALERT))
    )


def test_s004_trim_and_parse_functions_are_the_browsers_own_without_a_csp_violation(watched_browser, live_server):
    """Without Dash's polyfill (`app.NpnruDash`), trim, parseInt and parseFloat are the browser's own,
    not core-js's (a tenth of plotly.js's drawing time): U+180E is no white space for the native
    ones. The vendored regenerator-runtime defines the global Dash's bundles call, and the lazily
    loaded components (the dropdowns, the graphs) work."""
    watched_browser.get(live_server + "/prets")
    assert wait_for_charts(watched_browser) >= 1
    native = watched_browser.execute_script(
        "const s = '\\u180e';"
        "return [(s + ' x ').trim() === s + ' x', (s + ' x ').trimEnd() === s + ' x', ' a\\u00a0'.trim() === 'a',"
        "        isNaN(parseInt(s + '08', 10)), isNaN(Number.parseInt(s + '08', 10)), parseInt(' 08', 10) === 8,"
        "        isNaN(parseFloat(s + '1.5')), isNaN(Number.parseFloat(s + '1.5')), parseFloat(' 1.5') === 1.5]"
    )
    assert native == [True] * 9
    assert watched_browser.execute_script(
        "return typeof regeneratorRuntime.mark === 'function' && typeof window.core === 'undefined'"
        " && !performance.getEntriesByType('resource').some(r => r.name.includes('polyfill'))"
        " && document.querySelectorAll('.dash-dropdown').length > 0"
    )
    assert watched_browser.execute_script("return document.querySelectorAll('iframe').length") == 0
    assert watched_browser.execute_script("return window.__cspViolations") == []


def test_s005_plain_elements_draw_text_and_internal_links_only(watched_browser, live_server):
    """npnru.PlainElements (assets/08-plain-elements.js) draws its elements' text as text, leaves out
    unknown tags, and drops a link's address unless it is a path within the dashboard."""
    watched_browser.get(live_server + "/prets")
    assert wait_for_charts(watched_browser) >= 1
    drawn = watched_browser.execute_script(
        """const box = document.createElement('div'); document.body.appendChild(box);
           const elements = [
             {tag: 'strong', children: ['<img src=x onerror="window.__pwned = 1">']},
             {tag: 'script', children: ['window.__pwned = 2']},
             {tag: 'a', href: 'javascript:window.__pwned = 3', children: ['a']},
             {tag: 'a', href: 'https://example.org/', children: ['b']},
             {tag: 'a', href: '//example.org/', children: ['c']},
             {tag: 'a', href: '/qualite?regions=84', children: ['d']},
           ];
           const root = ReactDOM.createRoot(box);
           ReactDOM.flushSync(() => root.render(
             React.createElement(window.npnru.PlainElements, {id: 'plain-test', elements: elements})));
           const result = {html: box.innerHTML,
                           hrefs: Array.from(box.querySelectorAll('a')).map(a => a.getAttribute('href')),
                           scripts: box.querySelectorAll('script, img').length, pwned: window.__pwned || 0};
           root.unmount(); box.remove();
           return result;"""
    )
    assert drawn["scripts"] == 0 and drawn["pwned"] == 0
    assert "&lt;img src=x" in drawn["html"]
    assert drawn["hrefs"] == [None, None, None, "/qualite?regions=84"]
    assert watched_browser.execute_script("return window.__cspViolations") == []

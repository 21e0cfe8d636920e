"""In headless Chromium: the cold load of each page until every chart has rendered, and a control change
until the charts have re-rendered.

A script injected before the page's own (`Page.addScriptToEvaluateOnNewDocument`) wraps `fetch`
to count the Dash requests in flight, hooks `plotly_afterplot` on every graph, and checks every
10 ms whether the page is settled: every `dcc.Graph` has drawn its figure (one holding only a
message, such as "nothing to compare yet", counts), nothing is loading (`data-dash-is-loading`),
no Dash request is in flight. The time recorded is when the page became settled for good (settled,
then nothing new for `QUIET_MS`), or the last plot drawn if later, measured in the page's own clock:
- cold load: from the navigation start (`performance.now()` origin), with the browser cache
  disabled (every script, the 4 MB of plotly.js included, is fetched and compiled again);
- warm load: the same with the cache enabled (a returning user);
- change: from `dash_clientside.set_props` on the control (what a user's pick does) to settled;
  the value alternates between the control's two values so that every run is a real change (the
  other value is one that redraws a chart: `dash_payloads.real_change`).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from . import dash_payloads as dp
from .stats import percentile, summary

CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
QUIET_MS = 400
TIMEOUT_S = 30.0

INSTRUMENT_JS = """
(() => {
  const QUIET = __QUIET__;
  const b = window.__bench = {inflight: 0, requests: 0, lastNet: 0, lastPlot: 0, readySince: 0,
                              seenRequests: 0, start: 0, minRequests: 0, done: 0};
  const originalFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : (input && input.url) || '';
    if (url.indexOf('/_dash-') < 0) { return originalFetch(input, init); }
    b.inflight++; b.requests++;
    const settle = () => { b.inflight--; b.lastNet = performance.now(); };
    return originalFetch(input, init).then(
      (r) => { r.clone().arrayBuffer().then(settle, settle); return r; },
      (e) => { settle(); throw e; });
  };
  function settled() {
    if (b.inflight > 0 || document.querySelector('[data-dash-is-loading="true"]')) { return false; }
    const graphs = document.querySelectorAll('.dash-graph');
    if (graphs.length === 0) {
      return !!document.querySelector('#_pages_content > *');
    }
    for (const g of graphs) {
      const p = g.querySelector('.js-plotly-plot');
      if (!p || !p._fullLayout || !p.querySelector('.main-svg')) { return false; }
      if (!p.__benchHooked && typeof p.on === 'function') {
        p.__benchHooked = true;
        p.on('plotly_afterplot', () => { b.lastPlot = performance.now(); });
      }
    }
    return true;
  }
  setInterval(() => {
    if (b.done) { return; }
    const now = performance.now();
    if (b.requests !== b.seenRequests) { b.seenRequests = b.requests; b.readySince = 0; }
    if (!settled() || b.requests < b.minRequests) { b.readySince = 0; return; }
    if (!b.readySince) { b.readySince = now; }
    if (now - b.readySince >= QUIET) {
      b.done = Math.max(b.readySince, b.lastPlot > b.start ? b.lastPlot : 0);
    }
  }, 10);
})();
""".replace("__QUIET__", str(QUIET_MS))

CHANGE_JS = """
const b = window.__bench;
b.done = 0; b.readySince = 0; b.start = performance.now(); b.minRequests = b.requests + 1;
window.dash_clientside.set_props(arguments[0], {value: arguments[1]});
return b.start;
"""


@contextmanager
def chromium() -> Iterator[object]:
    """Headless Debian Chromium with no access to anything but loopback (as the browser tests)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        "--disable-background-networking",
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--disable-quic",
        "--lang=fr-FR",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--proxy-server=http://127.0.0.1:9",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(TIMEOUT_S)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": INSTRUMENT_JS})
    try:
        yield driver
    finally:
        driver.quit()


def _wait_done(driver: object, timeout: float = TIMEOUT_S) -> float | None:
    """The page's settled time (ms, page clock), or None on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = driver.execute_script("return window.__bench ? window.__bench.done : 0")  # type: ignore[attr-defined]
        if done:
            return float(done)
        time.sleep(0.05)
    return None


TIMING_JS = """
const nav = performance.getEntriesByType('navigation')[0] || {};
const resources = performance.getEntriesByType('resource');
return {dom_content_loaded: nav.domContentLoadedEventEnd || null,
        bytes: resources.reduce((n, r) => n + (r.decodedBodySize || 0), nav.decodedBodySize || 0),
        transferred: resources.reduce((n, r) => n + (r.transferSize || 0), nav.transferSize || 0)};
"""


def load_once(driver: object, url: str, cache: bool, timings: list[dict] | None = None) -> float | None:
    """Open `url` in a new document; ms from navigation start to settled (None: timed out).

    With `timings`, also appends the DOMContentLoaded time (the scripts parsed and run) and the bytes
    of the page and its resources (decoded, and transferred: 0 for what came from the cache).
    """
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": not cache})  # type: ignore[attr-defined]
    driver.get("about:blank")  # type: ignore[attr-defined]
    driver.get(url)  # type: ignore[attr-defined]
    done = _wait_done(driver)
    if timings is not None:
        timings.append(driver.execute_script(TIMING_JS))  # type: ignore[attr-defined]
    return done


def change_once(driver: object, control: dp.Control, value: object) -> float | None:
    """Set a control's value as a user pick would; ms to settled again (None: timed out)."""
    start = driver.execute_script(CHANGE_JS, control.identifier, value)  # type: ignore[attr-defined]
    done = _wait_done(driver)
    return None if done is None else done - float(start)


def _chosen_control(controls: list[dp.Control]) -> dp.Control | None:
    """The control a user changes first: a single-valued one (a measure) if any, else the first."""
    single = [c for c in controls if not isinstance(c.old, list)]
    return (single or controls or [None])[0]


def measure(base_url: str, pages: list[str], controls: dict[str, list[dp.Control]], reps: int) -> list[dict]:
    """`reps` cold loads, `reps // 2` warm loads and `reps` control changes of each page."""
    results = []
    with chromium() as driver:
        for page in pages:
            url = base_url + page
            load_once(driver, url, cache=True)  # warm-up: server caches, the browser's compiled scripts
            timings: list[dict] = []
            cold = [load_once(driver, url, cache=False, timings=timings) for _ in range(reps)]
            warm = [load_once(driver, url, cache=True) for _ in range(max(1, reps // 2))]
            control = _chosen_control(controls.get(page, []))
            changes: list[float | None] = []
            if control is not None:
                load_once(driver, url, cache=True)
                for i in range(reps):
                    changes.append(change_once(driver, control, control.new if i % 2 == 0 else control.old))
            record = {
                "page": page,
                **summary([v for v in cold if v is not None], prefix="cold_load_"),
                "cold_load_timeouts": cold.count(None),
                "cold_dom_content_loaded_p50_ms": percentile([t["dom_content_loaded"] or 0 for t in timings], 50),
                "cold_bytes": timings[0]["bytes"] if timings else None,
                "cold_transferred_bytes": timings[0]["transferred"] if timings else None,
                **summary([v for v in warm if v is not None], prefix="warm_load_"),
                "warm_load_timeouts": warm.count(None),
                "change_control": None if control is None else control.name,
                "change_values": None if control is None else json.dumps([control.old, control.new]),
                **summary([v for v in changes if v is not None], prefix="change_"),
                "change_timeouts": changes.count(None),
                # In order (None: timed out): the first change may be the first request of its views.
                "change_samples_ms": [None if v is None else round(v, 1) for v in changes],
            }
            results.append(record)
    return results

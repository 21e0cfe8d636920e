"""Browser fixtures: the app under gunicorn on loopback, and headless Debian Chromium with the
network cut (every non-loopback request goes to a dead proxy and is recorded)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

from dashboard.config import REPO_DIR

from ..servers import gunicorn_server

CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENSHOT_DIR = Path(os.environ.get("NPNRU_SCREENSHOT_DIR", REPO_DIR / "test-artifacts" / "screenshots"))
LOCAL_PREFIXES = ("http://127.0.0.1", "data:", "blob:", "about:", "chrome", "devtools:")


@pytest.fixture(scope="session")
def live_server(built_db: Path) -> Iterator[str]:
    """The dashboard served by gunicorn (production settings) on a free loopback port."""
    # The report data only: no operations database, whatever the developer has locally.
    env = {"NPNRU_DB": str(built_db), "NPNRU_OPERATIONS_DB": str(built_db.parent / "none.duckdb")}
    with gunicorn_server(env, built_db.parent / "gunicorn.log") as (url, _):
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[webdriver.Chrome]:
    """Headless Chromium with no access to anything but loopback."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--disable-quic",
        "--lang=fr-FR",
        # Offline: names do not resolve and every non-loopback request goes to a dead proxy.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--proxy-server=http://127.0.0.1:9",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def requested_urls(driver: webdriver.Chrome) -> list[str]:
    """URLs requested since the last call (from Chromium's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def non_local(urls: list[str]) -> list[str]:
    return [u for u in urls if not u.startswith(LOCAL_PREFIXES)]


def wait_for_charts(driver: webdriver.Chrome, timeout: float = 20) -> int:
    """Wait until every dcc.Graph of the page has drawn a plot and no callback is pending."""
    script = """
        const graphs = document.querySelectorAll('.dash-graph');
        const drawn = document.querySelectorAll('.dash-graph .js-plotly-plot .main-svg');
        const loading = document.querySelector('[data-dash-is-loading="true"]');
        const plots = Array.from(document.querySelectorAll('.dash-graph .js-plotly-plot'));
        const withData = plots.filter(p => p.data && p.data.length > 0).length;
        return (graphs.length > 0 && withData === graphs.length && !loading) ? graphs.length : 0;
    """
    count = WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: d.execute_script(script))
    return int(count)


_COUNT_CHART_EVENTS_JS = """
const [event, counts] = arguments;
window[counts] = {};
for (const p of document.querySelectorAll('.dash-graph .js-plotly-plot')) {
  const id = p.closest('.dash-graph').id;
  window[counts][id] = 0;
  p.npnruCounted = p.npnruCounted || {};
  if (!p.npnruCounted[counts]) {
    p.npnruCounted[counts] = true;
    p.on(event, () => { window[counts][id] += 1; });
  }
}
"""


def count_chart_events(driver: webdriver.Chrome, event: str, counts: str) -> None:
    """From now on, count each chart's plotly.js `event` in `window[counts]` (chart box id -> count,
    reset to 0 by each call)."""
    driver.execute_script(_COUNT_CHART_EVENTS_JS, event, counts)


def screenshot(driver: webdriver.Chrome, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1400, max(1000, min(int(height) + 50, 6000)))
    path = SCREENSHOT_DIR / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1400, 1000)
    return path


def pytest_terminal_summary(terminalreporter) -> None:
    if SCREENSHOT_DIR.exists() and any(SCREENSHOT_DIR.glob("*.png")):
        terminalreporter.write_line(f"Browser screenshots: {SCREENSHOT_DIR}")


def dom_id(identifier: object) -> str:
    """The DOM id Dash gives a component id (dict ids: compact JSON with sorted keys)."""
    if isinstance(identifier, dict):
        return json.dumps(identifier, sort_keys=True, separators=(",", ":"))
    return str(identifier)


def element(driver: webdriver.Chrome, identifier: object):
    """The element of a component id, waiting until it exists."""
    return WebDriverWait(driver, 15).until(
        lambda d: d.execute_script("return document.getElementById(arguments[0])", dom_id(identifier))
    )


def choose_option(driver: webdriver.Chrome, identifier: object, value: str) -> None:
    """Pick `value` in a dcc.Dropdown (dash 4 markup: a button, then options with radio/checkbox inputs)."""
    element(driver, identifier).click()
    option = WebDriverWait(driver, 10).until(
        lambda d: d.execute_script(
            "const i = document.querySelector(`[role=option] input[value='${arguments[0]}']`);"
            "return i ? i.closest('[role=option]') : null;",
            value,
        )
    )
    option.click()
    driver.execute_script("document.activeElement && document.activeElement.blur()")
    driver.find_element("tag name", "body").send_keys("\ue00c")  # Escape closes a multi-select

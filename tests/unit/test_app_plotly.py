"""The app shell's loading of plotly.js (partial bundle, preloaded) and the caching of fingerprinted assets."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import plotly.graph_objects as go
import pytest
from plotly.basedatatypes import BaseTraceType
from plotly.offline import get_plotlyjs_version

from dashboard.config import REPO_DIR

ASSETS = REPO_DIR / "assets"
#: Every plotly trace type, from the plotly.py classes (go.Bar -> "bar").
TRACE_TYPES = frozenset(
    name.lower()
    for name in dir(go)  # not vars(): plotly imports its classes lazily
    if isinstance(getattr(go, name), type) and issubclass(getattr(go, name), BaseTraceType)
)


@pytest.fixture
def app_module(built_db: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NPNRU_DB", str(built_db))
    import dashboard.app  # creates the app on the built database

    return dashboard.app


@pytest.fixture
def client(app_module):
    return app_module.server.test_client()


def used_trace_types(root: Path) -> set[str]:
    """Trace types named in the code under `root`: `go.Bar(...)`, `{"type": "bar"}`, `dict(type="bar")`."""
    found: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "go":
                found.add(node.attr.lower())
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "type" and isinstance(value, ast.Constant):
                        found.add(str(value.value).lower())
            elif isinstance(node, ast.keyword) and node.arg == "type" and isinstance(node.value, ast.Constant):
                found.add(str(node.value.value).lower())
    return found & TRACE_TYPES


def test_figures_use_only_trace_types_of_the_partial_bundle(app_module):
    used = used_trace_types(REPO_DIR / "dashboard")
    assert {"bar", "scatter"} <= used  # the scan does find the figures' traces
    missing = used - app_module.PLOTLY_BUNDLE_TRACES
    assert not missing, f"trace types not in the partial plotly.js bundle (assets/vendor/): {sorted(missing)}"


def test_the_vendored_bundle_is_the_plotly_js_version_of_plotly_py(app_module):
    bundle = app_module.plotly_bundle()
    expected = f"vendor/plotly-cartesian-{get_plotlyjs_version()}.min.js"
    assert bundle == expected, f"assets/{expected} is missing: see assets/vendor/README.md"
    header = (ASSETS / bundle).read_text(encoding="utf-8")[:300]
    assert f"plotly.js (cartesian - minified) v{get_plotlyjs_version()}" in header
    assert (ASSETS / bundle.replace(".min.js", ".LICENSE.txt")).is_file()


def test_the_index_preloads_the_bundle_and_includes_its_loader(client, app_module):
    page = client.get("/prets").get_data(as_text=True)
    tag = rf'<link id="{app_module.PLOTLY_PRELOAD_ID}" rel="preload" as="script" fetchpriority="low" href="([^"]+)">'
    link = re.search(tag, page)
    assert link is not None and link.group(1) == f"/assets/{app_module.plotly_bundle()}"
    assert re.search(r'<script src="/assets/05-plotly\.js\?m=[0-9.]+"></script>', page)
    # Not included as a script of its own (Dash would run it before the renderer starts).
    assert '<script src="/assets/vendor/' not in page
    response = client.get(link.group(1))
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.get_data(as_text=True).rstrip().endswith("}));")


def test_without_its_bundle_the_full_plotly_js_is_left_to_dash(app_module, monkeypatch):
    monkeypatch.setattr(app_module, "get_plotlyjs_version", lambda: "0.0.0")
    assert app_module.plotly_bundle() is None

    class FakeApp:
        index_string = "<head>{%css%}</head>"

    fake = FakeApp()
    app_module._preload_plotly(fake)
    assert fake.index_string == "<head>{%css%}</head>"


def test_fingerprinted_assets_are_cached_for_good(client, app_module):
    for url in (f"/assets/{app_module.plotly_bundle()}", "/assets/05-plotly.js?m=1"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.cache_control.max_age == app_module.ASSET_MAX_AGE
        assert response.cache_control.immutable and not response.cache_control.no_cache
    # Without the fingerprint (error pages link the stylesheet so), revalidated as before.
    assert client.get("/assets/02-dashboard.css").cache_control.no_cache
    assert client.get("/_dash-layout").cache_control.max_age is None


def test_the_loader_reads_the_preload_link_and_falls_back_to_the_full_bundle(app_module):
    script = (ASSETS / "05-plotly.js").read_text(encoding="utf-8")
    assert f'getElementById("{app_module.PLOTLY_PRELOAD_ID}")' in script
    assert "window._dashPlotlyJSURL" in script  # the full bundle when the partial one fails
    assert 'defineProperty(window, "Plotly"' in script


def test_the_index_loads_no_polyfill_but_the_regenerator_runtime_first(client, app_module):
    """Dash's Babel polyfill is left out of the index page; the `regeneratorRuntime` that Dash's
    bundles call comes from the vendored regenerator-runtime, which runs before them."""
    html = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and not [s for s in scripts if "polyfill" in s]
    runtime = next(i for i, s in enumerate(scripts) if "00-regenerator-runtime-0.13.11.js" in s)
    renderer = next(i for i, s in enumerate(scripts) if "dash_renderer" in s)
    assert runtime < renderer and any("deps/react@" in s for s in scripts)
    tag = '<script src="/_dash-component-suites/dash/deps/polyfill@7.v4_4_1m1.12.1.min.js"></script>\n'
    tag += '<script src="a.js">'
    assert app_module.without_polyfill(tag) == '<script src="a.js">'

"""App factory. `server` is the Flask app for gunicorn: `gunicorn dashboard.app:server`."""

from __future__ import annotations

import importlib
import re
import sys
import threading
import time
from collections.abc import Sequence
from typing import Protocol

import dash
import dash_bootstrap_components as dbc  # noqa: F401  (registers the component suite)
from dash import Dash
from flask import Flask, Response, request
from plotly.offline import get_plotlyjs_version

from . import auth, db, ids, security
from .callbacks import register_filters_store
from .cli import ensure_database
from .components import shell
from .components.rejected_alert import with_rejected_alert
from .config import REPO_DIR, get_settings
from .queries.common import section_codes, source_info, territories
from .sources import SourceError
from .synthetic import synthetic_shown

#: Page modules under dashboard/pages, each calling `dash.register_page`.
PAGE_MODULES = ("overview", "prets", "droits", "contreparties", "carte", "suivi", "region", "qualite")

#: Folder of assets/ served but not included in the index page by Dash (loaded on purpose instead).
VENDOR_ASSETS = "vendor"
#: Trace types of the partial plotly.js bundle that draws the charts (plotly.js "cartesian" dist):
#: the figures may use these only (tests/unit/test_app_plotly.py checks the code).
PLOTLY_BUNDLE_TRACES = frozenset(
    {
        "bar",
        "box",
        "contour",
        "heatmap",
        "histogram",
        "histogram2d",
        "histogram2dcontour",
        "image",
        "pie",
        "scatter",
        "scatterternary",
        "violin",
    }
)
PLOTLY_PRELOAD_ID = "plotly-bundle"
#: Seconds between two checks of the database files by `keep_warm`.
KEEP_WARM_INTERVAL_S = 2.0
#: Browser cache lifetime of the assets whose URL changes with their content (one year).
ASSET_MAX_AGE = 365 * 24 * 3600


def plotly_bundle() -> str | None:
    """Path under assets/ of the partial plotly.js bundle of the plotly.js version plotly.py draws for.

    None when it is missing (plotly upgraded without its bundle): Dash's full bundle is used then.
    """
    path = f"{VENDOR_ASSETS}/plotly-cartesian-{get_plotlyjs_version()}.min.js"
    return path if (REPO_DIR / "assets" / path).is_file() else None


#: Dash's script tag for the Babel polyfill (`dash/deps/polyfill@<version>.min.js`).
_POLYFILL_TAG = re.compile(r'<script src="[^"]*/dash/deps/polyfill@[^"]*"></script>\s*')


def without_polyfill(scripts: str) -> str:
    """Dash's script tags without the Babel polyfill's."""
    return _POLYFILL_TAG.sub("", scripts)


class NpnruDash(Dash):
    """Dash whose index page does not load the Babel polyfill (core-js 2 and regenerator-runtime,
    99 KB). Current Chrome, Edge and Firefox have every feature core-js adds, and leaving it out
    takes 80-150 ms off each first page load (1M operations, A/B in headless Chromium: /prets cold
    p50 1.90 -> 1.75 s); it also replaced `trim`, `parseInt` and `parseFloat` with slower versions
    that plotly.js calls at every attribute it reads. Dash's own bundles still call the global
    `regeneratorRuntime` (their lazily loaded components): `assets/00-regenerator-runtime-0.13.11.js`
    (npm `regenerator-runtime@0.13.11`, MIT) defines it, ahead of them."""

    def interpolate_index(self, **kwargs: object) -> str:
        kwargs["scripts"] = without_polyfill(str(kwargs.get("scripts", "")))
        return super().interpolate_index(**kwargs)


def _preload_plotly(app: Dash) -> None:
    """Have the index page fetch the partial plotly.js bundle along with Dash's own scripts.

    Dash fetches plotly.js only once the first graph mounts, after the page content came back from
    the server; assets/05-plotly.js has that graph run the preloaded bundle instead.
    """
    bundle = plotly_bundle()
    if bundle is None:
        print(f"plotly.js partiel absent de assets/{VENDOR_ASSETS}/ : plotly.js complet utilisé.", file=sys.stderr)
        return
    # Low priority: Dash's own scripts, which the page needs first, go ahead of it.
    href = app.get_asset_url(bundle)
    tag = f'<link id="{PLOTLY_PRELOAD_ID}" rel="preload" as="script" fetchpriority="low" href="{href}">'
    app.index_string = app.index_string.replace("{%css%}", "{%css%}\n        " + tag, 1)


def _cache_fingerprinted_assets(app: Dash) -> None:
    """Let browsers keep the assets whose URL changes with their content: Dash links them with
    `?m=<modification time>`, and the file names under assets/vendor/ carry their version.

    Flask serves assets `no-cache`: without this, every page load revalidates each of them.
    """
    prefix = f"{app.config.routes_pathname_prefix}{app.config.assets_url_path.strip('/')}/"
    vendor = f"{prefix}{VENDOR_ASSETS}/"
    server: Flask = app.server

    @server.after_request
    def _cache(response: Response) -> Response:
        path = request.path
        fingerprinted = path.startswith(prefix) and ("m" in request.args or path.startswith(vendor))
        if fingerprinted and response.status_code in (200, 304):
            response.cache_control.no_cache = None
            response.cache_control.max_age = ASSET_MAX_AGE
            response.cache_control.immutable = True
        return response


def _shell() -> object:
    """The page shell, rendered per request so that a rebuilt database shows at once."""
    cur = db.cursor()
    regions = [(r.code, r.name) for r in territories(cur).itertuples() if r.kind == "section"]
    info = source_info(cur)
    return shell.layout(regions, info.source_line, info.data_date, synthetic=synthetic_shown(cur))


def create_app() -> Dash:
    """Create the Dash app (pages, callbacks, assets) on the database of the settings.

    The database is built from `data/` first if its file is missing.
    """
    settings = get_settings()
    try:
        ensure_database(settings.data_dir, settings.db_path)
        security.check_database(settings.db_path)
        print(auth.startup_report(settings.operations_db_path), file=sys.stderr)
    except auth.AuthError as exc:
        print(f"Le tableau de bord ne peut pas démarrer. Authentification : {exc}", file=sys.stderr)
        raise SystemExit(3) from None
    except (security.StartupError, SourceError) as exc:
        # A readable message instead of a traceback; gunicorn stops ("Worker failed to boot").
        print(f"Le tableau de bord ne peut pas démarrer. {exc}", file=sys.stderr)
        raise SystemExit(3) from None
    app = NpnruDash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(REPO_DIR / "assets"),
        title="NPNRU · Action Logement",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
        on_error=security.callback_error,
        assets_path_ignore=[VENDOR_ASSETS],
        use_async=False,
    )
    _preload_plotly(app)
    for module in PAGE_MODULES:
        importlib.import_module(f"{__package__}.pages.{module}")
    for page in dash.page_registry.values():
        if not hasattr(page["layout"], "__wrapped__"):
            page["layout"] = with_rejected_alert(page["layout"])
    app.layout = _shell
    nav_pages = {
        ids.nav_link(page["module"].split(".")[-1]): page["relative_path"]
        for page in dash.page_registry.values()
        if page.get("path_template") is None and page.get("nav", True)
    }
    register_filters_store(app, nav_pages)
    if settings.debug:
        app.enable_dev_tools(debug=True)
    # Dash registers its JavaScript bundles while rendering the index page. Render it once now,
    # so that every gunicorn worker serves them even if another worker served the index.
    security.install(app, debug=settings.debug)
    _cache_fingerprinted_assets(app)
    auth.install(app.server)  # first of the before_request hooks: nothing runs unauthenticated
    app.server.test_client().get("/", environ_base={"npnru.warmup": True})
    return app


def warm_up(flask_app: Flask, users: Sequence[auth.User | None] | None = None) -> None:
    """Fill this process's caches (db.cached) before its first request: every page's layout for the
    default filters (one instance of each path template), and the views a page module prepares ahead
    in its `warm_up_views()` (the /suivi views of the recent snapshots).

    Runs as each of `users` in turn, None standing for an anonymous request; by default the anonymous
    request and, with authentication on, one user of each operational-data access of the users file
    (`auth.warm_up_users`): the operational views are cached per access, and an anonymous request
    sees none of them when authentication is on. Called by gunicorn's `post_worker_init`.

    The caches follow the database files: after an import or a rebuild, the first request of each
    view computes its results again.
    """
    codes = section_codes(db.cursor())
    for user in [None, *auth.warm_up_users()] if users is None else users:
        for page in dash.page_registry.values():
            path, arguments = page["path"], {}
            template = page.get("path_template")
            if template:
                names = re.findall(r"<(\w+)>", template)
                if len(names) != 1 or not codes:
                    continue
                path, arguments = template.replace(f"<{names[0]}>", codes[0]), {names[0]: codes[0]}
            with flask_app.test_request_context(path, environ_base={"npnru.warmup": True}):
                auth.authenticate()
                auth.act_as(user)
                page["layout"](**arguments)
                ahead = getattr(sys.modules.get(page["module"]), "warm_up_views", None)
                if ahead is not None:
                    ahead()


def warm_up_plan() -> tuple[list[auth.User | None], list[auth.User | None]]:
    """Who `post_worker_init` warms up as before the worker accepts requests (the anonymous request
    and the national access: the programme team's weekly review), and who right after, in the
    background (`keep_warm`: the regional accesses, so that a worker's start does not wait for all)."""
    users = auth.warm_up_users()
    return [None, *(u for u in users if u.allowed_regions is None)], [u for u in users if u.allowed_regions is not None]


class _Log(Protocol):
    def info(self, msg: str, *args: object) -> None: ...
    def exception(self, msg: str, *args: object) -> None: ...


def _describe_identity(identity: tuple[db.Identity | None, db.Identity | None]) -> str:
    """The files' inodes as logged by `keep_warm`, e.g. "report inode 1234, operations inode none"."""
    report, operations = (str(part[0]) if part else "none" for part in identity)
    return f"report inode {report}, operations inode {operations}"


def keep_warm(
    flask_app: Flask, log: _Log, interval: float = KEEP_WARM_INTERVAL_S, first: Sequence[auth.User | None] = ()
) -> threading.Thread:
    """Fill this process's caches again, in the background, whenever the database files change; first
    (when given) as each of `first` (`warm_up_plan`'s second part).

    An import or a rebuild replaces a file atomically, and the caches follow the files: without
    this, the first request of each view after the change computes its results again (up to a
    quarter of a second at a million operations). A daemon thread checks the files' identity every
    `interval` seconds (a `stat` of each) and runs `warm_up` after a change. Started by gunicorn's
    `post_worker_init`; a failure is logged and the requests fill the caches as they come.
    """

    def run() -> None:
        seen = db.files_identity()
        if first:
            start = time.perf_counter()
            try:
                warm_up(flask_app, first)
            except Exception:  # the requests fill the caches as they come
                log.exception("background cache warm-up failed")
            else:
                log.info("caches warmed for %d more access(es) in %.1f s", len(first), time.perf_counter() - start)
        while True:
            time.sleep(interval)
            current = db.files_identity()
            if current == seen:
                continue
            seen = current
            start = time.perf_counter()
            files = _describe_identity(current)
            try:
                warm_up(flask_app)
            except Exception:  # a file gone or broken: the requests report it as they come
                log.exception("cache re-warm after a database change failed (%s)", files)
            else:
                log.info("caches re-warmed after a database change (%s) in %.1f s", files, time.perf_counter() - start)

    thread = threading.Thread(target=run, name="npnru-keep-warm", daemon=True)
    thread.start()
    return thread


server = create_app().server

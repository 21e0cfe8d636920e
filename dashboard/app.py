"""App factory. `server` is the Flask app for gunicorn: `gunicorn dashboard.app:server`."""

from __future__ import annotations

import importlib
import sys

import dash
import dash_bootstrap_components as dbc  # noqa: F401  (registers the component suite)
from dash import Dash

from . import auth, db, ids, security
from .callbacks import register_url_sync
from .cli import ensure_database
from .components import shell
from .config import REPO_DIR, get_settings
from .queries.common import source_info, territories
from .sources import SourceError
from .synthetic import synthetic_shown

#: Page modules under dashboard/pages, each calling `dash.register_page`.
PAGE_MODULES = ("overview", "prets", "droits", "contreparties", "carte", "suivi", "region", "qualite")


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
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(REPO_DIR / "assets"),
        title="NPNRU · Action Logement",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
        on_error=security.callback_error,
    )
    for module in PAGE_MODULES:
        importlib.import_module(f"{__package__}.pages.{module}")
    app.layout = _shell
    nav_pages = {
        ids.nav_link(page["module"].split(".")[-1]): page["relative_path"]
        for page in dash.page_registry.values()
        if page.get("path_template") is None and page.get("nav", True)
    }
    register_url_sync(app, nav_pages)
    if settings.debug:
        app.enable_dev_tools(debug=True)
    # Dash registers its JavaScript bundles while rendering the index page. Render it once now,
    # so that every gunicorn worker serves them even if another worker served the index.
    security.install(app, debug=settings.debug)
    auth.install(app.server)  # first of the before_request hooks: nothing runs unauthenticated
    app.server.test_client().get("/", environ_base={"npnru.warmup": True})
    return app


server = create_app().server

"""`python -m dashboard` / `serve`: run the app under gunicorn with its production settings."""

from __future__ import annotations

import runpy
import sys

from gunicorn.app.base import BaseApplication

from .config import REPO_DIR, Settings

GUNICORN_CONFIG = REPO_DIR / "gunicorn.conf.py"


class _Gunicorn(BaseApplication):
    def __init__(self, bind: str):
        self.bind = bind
        super().__init__()

    def load_config(self) -> None:
        settings = runpy.run_path(str(GUNICORN_CONFIG))
        for key, value in settings.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)
        self.cfg.set("bind", [self.bind])

    def load(self):
        from .app import server

        return server


def serve(settings: Settings) -> int:
    """Build the database if missing, then serve the dashboard on http://host:port."""
    from .cli import ensure_database
    from .security import StartupError, check_database
    from .sources import SourceError

    try:
        ensure_database(settings.data_dir, settings.db_path)
        check_database(settings.db_path)
    except (StartupError, SourceError) as exc:
        print(f"Le tableau de bord ne peut pas démarrer. {exc}", file=sys.stderr)
        return 1
    print(f"Tableau de bord NPNRU : http://{settings.host}:{settings.port}", file=sys.stderr)
    _Gunicorn(f"{settings.host}:{settings.port}").run()
    return 0

"""`python -m dashboard` / `serve`: run the app under gunicorn with its production settings."""

from __future__ import annotations

import sys

from gunicorn.app.base import BaseApplication

from .config import Settings

#: Production settings, also used by the Procfile's gunicorn (see gunicorn.conf.py).
WORKERS = 2
THREADS = 4


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, object]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from .app import server

        return server


def serve(settings: Settings) -> int:
    """Build the database if missing, then serve the dashboard on http://host:port."""
    from .cli import ensure_database

    ensure_database(settings.data_dir, settings.db_path)
    print(f"Tableau de bord NPNRU : http://{settings.host}:{settings.port}", file=sys.stderr)
    _Gunicorn(
        {
            "bind": f"{settings.host}:{settings.port}",
            "workers": WORKERS,
            "threads": THREADS,
            "worker_class": "gthread",
            "timeout": 60,
            "accesslog": "-",
        }
    ).run()
    return 0

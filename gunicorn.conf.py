"""Production settings of gunicorn, read by the Procfile's `gunicorn dashboard.app:server`
(gunicorn loads ./gunicorn.conf.py) and by `python -m dashboard`."""

import os

bind = (
    f"{os.environ.get('NPNRU_HOST', '0.0.0.0' if 'PORT' in os.environ else '127.0.0.1')}:"
    f"{os.environ.get('PORT') or os.environ.get('NPNRU_PORT', '8050')}"
)
# Two cores: one process per core, threads for the I/O-bound waits. Each worker opens its own
# read-only DuckDB connection after the fork (dashboard/db.py).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = 4
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then; gunicorn finishes the requests in flight first.
max_requests = 20000
max_requests_jitter = 2000
accesslog = "-"

"""DuckDB access for the web app: one read-only connection per worker process, a cursor per thread.

The connection is opened lazily, so a gunicorn worker opens its own after the fork. When the
database file is replaced (an atomic rebuild or import), the next request reopens it: a worker
never needs a restart and never sees a half-written file.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb

from .config import get_settings


class DatabaseUnavailable(RuntimeError):
    """The database file is missing or unreadable."""


class _Handle:
    def __init__(self, path: Path):
        stat = path.stat()
        self.identity = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        self.pid = os.getpid()
        self.connection = duckdb.connect(str(path), read_only=True)


_lock = threading.Lock()
_handle: _Handle | None = None
_local = threading.local()


def _file_identity(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _current_handle(path: Path) -> _Handle:
    global _handle
    identity = _file_identity(path)
    handle = _handle
    if handle is not None and handle.pid == os.getpid() and (identity is None or identity == handle.identity):
        return handle
    with _lock:
        handle = _handle
        if handle is None or handle.pid != os.getpid() or (identity is not None and identity != handle.identity):
            if identity is None:
                raise DatabaseUnavailable(f"database file not found: {path}")
            try:
                handle = _Handle(path)
            except duckdb.Error as exc:
                raise DatabaseUnavailable(f"cannot open {path}: {exc}") from exc
            _handle = handle  # the previous connection closes once its last cursor is dropped
        return handle


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor for the current thread on the current database file."""
    handle = _current_handle(get_settings().db_path)
    if getattr(_local, "handle", None) is not handle:
        _local.cursor = handle.connection.cursor()
        _local.handle = handle
    return _local.cursor

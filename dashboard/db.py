"""DuckDB access for the web app: one read-only connection per worker process, a cursor per thread.

The connection is opened lazily, so a gunicorn worker opens its own after the fork. It attaches
the report database read-only (the default catalog of every cursor) and, when its file exists,
the operations database of the weekly extracts read-only as `ops` (`extracts.store.ATTACH_NAME`).
When either file is replaced (an atomic rebuild or import) or the operations file appears or
disappears, the next request reopens both: a worker never needs a restart and never sees a
half-written file.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from .config import get_settings
from .extracts.aggregates import stale_snapshots
from .extracts.formats import sql_string
from .extracts.store import ATTACH_NAME, attach_operations

#: Catalog name of the report database in the dashboard's connection (every cursor `USE`s it).
REPORT_CATALOG = "report"

log = logging.getLogger(__name__)


T = TypeVar("T")

#: Results kept by `cached` per opened database files, least recently used dropped first: a bound on
#: memory whatever arguments the requests pass.
CACHED_RESULTS = 2048


class DatabaseUnavailable(RuntimeError):
    """The database file is missing or unreadable."""


Identity = tuple[int, int, int]


class _Handle:
    """An in-memory DuckDB instance with the report file (and the operations file) attached read-only.

    Not `duckdb.connect(path)`: DuckDB caches instances by path, so while old cursors keep the
    instance of a replaced file alive, a new connect would hand back the stale one.
    """

    def __init__(self, report: Path, operations: Path, identity: tuple[Identity, Identity | None]):
        self.identity = identity
        self.pid = os.getpid()
        #: Memoised values derived from these files (dropped with the handle when a file changes).
        self.cache: dict[str, object] = {}
        #: Results of `cached`, most recently used last.
        self.results: OrderedDict[tuple, object] = OrderedDict()
        self.results_lock = threading.Lock()
        connection = duckdb.connect(":memory:")
        try:
            connection.execute(f"ATTACH {sql_string(str(report))} AS {REPORT_CATALOG} (READ_ONLY)")
            connection.execute(f"USE {REPORT_CATALOG}")
        except BaseException:
            connection.close()
            raise
        self.operations = False
        if identity[1] is not None:
            try:
                attach_operations(connection, operations)
                stale = stale_snapshots(connection, ATTACH_NAME)
                if stale:  # written by an older version: the weekly views read the aggregates only
                    connection.execute(f"DETACH {ATTACH_NAME}")
                    log.warning(
                        "the operations database %s lacks the aggregates of snapshot(s) %s: run "
                        "`python -m dashboard aggregate`; the weekly views stay off until then",
                        operations,
                        ", ".join(map(str, stale)),
                    )
                else:
                    self.operations = True
            except duckdb.Error as exc:  # an unreadable operations file must not take the report views down
                log.warning("cannot attach the operations database %s: %s", operations, exc)
        self.connection = connection


_lock = threading.Lock()
_handle: _Handle | None = None
_local = threading.local()


def _file_identity(path: Path) -> Identity | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def files_identity() -> tuple[Identity | None, Identity | None]:
    """The identity (inode, modification time, size) of the report and operations files now: it
    changes when either is replaced (a rebuild, an import). A `stat` of each, nothing opened."""
    settings = get_settings()
    return _file_identity(settings.db_path), _file_identity(settings.operations_db_path)


def _is_current(handle: _Handle | None, report: Identity | None, operations: Identity | None) -> bool:
    # A report file missing for a moment keeps the open handle (it is only ever replaced atomically).
    return (
        handle is not None
        and handle.pid == os.getpid()
        and (report is None or report == handle.identity[0])
        and operations == handle.identity[1]
    )


def _current_handle(path: Path, operations_path: Path) -> _Handle:
    global _handle
    report, operations = _file_identity(path), _file_identity(operations_path)
    handle = _handle
    if _is_current(handle, report, operations):
        assert handle is not None
        return handle
    with _lock:
        handle = _handle
        if not _is_current(handle, report, operations):
            if report is None:
                raise DatabaseUnavailable(f"database file not found: {path}")
            try:
                handle = _Handle(path, operations_path, (report, operations))
            except duckdb.Error as exc:
                raise DatabaseUnavailable(f"cannot open {path}: {exc}") from exc
            _handle = handle  # the previous instance closes once its last cursor is dropped
        assert handle is not None
        return handle


def _handle_for_thread() -> _Handle:
    settings = get_settings()
    handle = _current_handle(settings.db_path, settings.operations_db_path)
    if getattr(_local, "handle", None) is not handle:
        cur = handle.connection.cursor()
        cur.execute(f"USE {REPORT_CATALOG}")  # a cursor starts on the in-memory catalog
        _local.cursor = cur
        _local.handle = handle
    return handle


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor for the current thread on the current database files (operations attached as `ops`)."""
    _handle_for_thread()
    return _local.cursor


def operations_attached() -> bool:
    """Whether the operations database is attached (as `ops`) to the current connection."""
    return _handle_for_thread().operations


def memo(key: str, compute: Callable[[], T]) -> T:
    """`compute()` once per opened database files: recomputed after a rebuild or an import."""
    cache = _handle_for_thread().cache
    if key not in cache:
        cache[key] = compute()
    return cache[key]  # type: ignore[return-value]


_MISSING = object()


def cached(function: Callable[..., T], /, *args: Hashable, **kwargs: Hashable) -> T:
    """`function(cursor(), *args, **kwargs)`, computed once per opened database files and arguments.

    For pure functions of the database files (the query functions): the report database only
    changes by an atomic rebuild, which drops every result. Arguments are part of the key, so they
    must be hashable (validated values: str, int, None, tuples). Each caller gets its own copy: a
    DataFrame or Series is a shallow copy (pandas copy-on-write: changing it never reaches the
    cache), any other mutable value a deep copy.
    """
    qualname = getattr(function, "__qualname__", "")
    module = getattr(function, "__module__", None)
    if not module or not qualname or "<" in qualname:  # a lambda or a closure has no stable name
        raise ValueError(f"cached() needs a module-level function, not {function!r}")
    key = (module, qualname, args, tuple(sorted(kwargs.items())))
    try:
        hash(key)
    except TypeError as exc:
        raise TypeError(f"cached({qualname}): arguments must be hashable ({exc})") from None
    handle = _handle_for_thread()
    with handle.results_lock:
        value = handle.results.get(key, _MISSING)
        if value is not _MISSING:
            handle.results.move_to_end(key)
    if value is _MISSING:
        value = function(cursor(), *args, **kwargs)  # `cursor()`, not the thread-local: wrappable
        with handle.results_lock:
            handle.results[key] = value
            while len(handle.results) > CACHED_RESULTS:
                handle.results.popitem(last=False)
    return _own_copy(value)  # type: ignore[return-value]


def _own_copy(value: object) -> object:
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)
    if value is None or isinstance(value, (str, bytes, int, float, bool)):
        return value
    return copy.deepcopy(value)

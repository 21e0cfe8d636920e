"""The query floor: the raw DuckDB time of the SQL each callback runs, on a shared read-only connection.

Run as a subprocess of the benchmark (`python -m benchmarks.floor STEPS.json OUT.json`), with
`NPNRU_DB` and `NPNRU_OPERATIONS_DB` pointing at the databases of the size measured:

1. the app is imported in-process and every request body of STEPS.json is answered by Flask's
   test client, with `dashboard.db.cursor` wrapped so that every `execute(sql, parameters)` and
   the way its result is fetched (`df`, `fetchall`...) are recorded. The dashboard caches query
   results per opened database files (`db.memo`, `db.cached`), so the recorded request runs with
   those caches emptied first: the floor is the SQL of the whole view, not only of what a warm
   cache still misses; that cold request is also timed (`in_process_cold_*`);
2. those statements are replayed on the app's own shared read-only connection (`db.cursor()`),
   timing `execute` + fetch only: no Python callback code, no figure, no JSON, no HTTP;
3. the query functions of the weekly-extract pages (`dashboard/extracts/queries.py`) are timed
   directly on a read-only connection to the report database with the operations database
   attached as `ops`, as the dashboard attaches it.

The same requests are also timed in-process (test client, no HTTP, no gunicorn) to split a
callback's time between Python work and serving.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .stats import percentile, summary

FETCH_METHODS = (
    "df",
    "fetchdf",
    "fetch_df",
    "fetchall",
    "fetchone",
    "fetchmany",
    "fetchnumpy",
    "arrow",
    "fetch_arrow_table",
    "pl",
)


@dataclass
class Statement:
    """One executed SQL statement and how its result was fetched."""

    sql: str
    parameters: object = None
    fetch: str | None = None


@dataclass
class Recorder:
    """Collects the statements run while `active`."""

    active: bool = False
    statements: list[Statement] = field(default_factory=list)


class RecordingCursor:
    """Wraps a DuckDB cursor: records `execute` calls and their fetch method, delegates everything."""

    def __init__(self, real: object, recorder: Recorder):
        self._real = real
        self._recorder = recorder
        self._last: Statement | None = None

    def execute(self, query: str, parameters: object = None, *args: object, **kwargs: object) -> RecordingCursor:
        if self._recorder.active:
            self._last = Statement(query, parameters)
            self._recorder.statements.append(self._last)
        else:
            self._last = None
        self._real.execute(query, parameters, *args, **kwargs)  # type: ignore[attr-defined]
        return self

    def sql(self, query: str, *args: object, **kwargs: object) -> object:
        if self._recorder.active:
            self._recorder.statements.append(Statement(query, kwargs.get("params"), "fetchall"))
        return self._real.sql(query, *args, **kwargs)  # type: ignore[attr-defined]

    query = sql

    def __getattr__(self, name: str) -> object:
        attribute = getattr(self._real, name)
        if name in FETCH_METHODS and self._last is not None:
            self._last.fetch = self._last.fetch or name
        return attribute


def install_recorder() -> tuple[Recorder, Callable[[], object]]:
    """Wrap every public cursor factory of `dashboard.db`; the recorder and the original `cursor`."""
    from dashboard import db

    recorder = Recorder()
    original = db.cursor
    for name in dir(db):
        function = getattr(db, name)
        if (
            not name.startswith("_")
            and "cursor" in name.lower()
            and callable(function)
            and not isinstance(function, type)
        ):

            def wrapped(*args: object, _function=function, **kwargs: object) -> RecordingCursor:
                return RecordingCursor(_function(*args, **kwargs), recorder)

            setattr(db, name, wrapped)
    return recorder, original


def callback_names() -> dict[str, str]:
    """`module.function` of each server callback, by its output string."""
    import dash

    names = {}
    for output, entry in dash.get_app().callback_map.items():
        function = getattr(entry.get("callback"), "__wrapped__", None)
        if function is not None:
            module = function.__module__.removeprefix("dashboard.")
            names[output] = f"{module}.{function.__qualname__}"
    return names


def replay(cursor: object, statements: list[Statement]) -> tuple[float, list[float], int]:
    """Run the statements once; total ms, ms per statement, and the count of statements that failed."""
    times: list[float] = []
    errors = 0
    for statement in statements:
        start = time.perf_counter()
        try:
            result = cursor.execute(statement.sql, statement.parameters)  # type: ignore[attr-defined]
            getattr(result, statement.fetch or "fetchall")()
        except Exception:
            errors += 1
        times.append((time.perf_counter() - start) * 1000)
    return sum(times), times, errors


def clear_caches() -> None:
    """Empty the dashboard's per-database caches (as after a rebuild or an import)."""
    from dashboard import db

    handle = getattr(db, "_handle", None)
    for name in ("cache", "results"):
        store = getattr(handle, name, None)
        if store is not None:
            store.clear()


def _first_line(sql: str, width: int = 140) -> str:
    return " ".join(sql.split())[:width]


def callback_floors(steps: list[dict], reps: int, warmup: int = 2) -> list[dict]:
    """Floor and in-process time of every step (request body) of the benchmark.

    Identical bodies (the same callback with the same inputs on several pages) are measured once.
    The in-process time, for information, is taken over a quarter of the repetitions.
    """
    from dashboard.app import server

    recorder, original_cursor = install_recorder()
    names = callback_names()
    client = server.test_client()
    measured: dict[str, dict] = {}
    results = []
    for step in steps:
        key = json.dumps(step["body"], sort_keys=True)
        if key not in measured:
            measured[key] = _measure_body(client, step["body"], recorder, original_cursor, reps, warmup)
        results.append(
            {
                "page": step["page"],
                "scenario": step["scenario"],
                "output": step["output"],
                "function": names.get(step["output"], ""),
                **measured[key],
            }
        )
    return results


def _measure_body(
    client: object, body: dict, recorder: Recorder, original_cursor: Callable[[], object], reps: int, warmup: int
) -> dict:
    """Record the SQL of one request, replay it `reps` times, and time the request in-process."""
    post = client.post  # type: ignore[attr-defined]
    for _ in range(warmup):  # lazy imports, per-process caches
        post("/_dash-update-component", json=body)
    cold = []
    for attempt in range(3):
        clear_caches()
        recorder.statements = []
        recorder.active = attempt == 0
        start = time.perf_counter()
        status = post("/_dash-update-component", json=body).status_code
        cold.append((time.perf_counter() - start) * 1000)
        if attempt == 0:
            recorder.active = False
            statements = list(recorder.statements)
    post("/_dash-update-component", json=body)  # fill the caches again before the steady-state timing
    in_process = []
    for _ in range(max(2, reps // 4)):
        start = time.perf_counter()
        post("/_dash-update-component", json=body)
        in_process.append((time.perf_counter() - start) * 1000)
    cursor = original_cursor()
    totals: list[float] = []
    per_statement: list[list[float]] = [[] for _ in statements]
    errors = 0
    for _ in range(reps):
        total, times, errors = replay(cursor, statements)
        totals.append(total)
        for i, value in enumerate(times):
            per_statement[i].append(value)
    slowest = max(range(len(statements)), key=lambda i: percentile(per_statement[i], 50) or 0, default=None)
    return {
        "status": status,
        "statements": len(statements),
        "replay_errors": errors,
        **summary(totals, prefix="floor_"),
        **summary(in_process, prefix="in_process_"),
        **summary(cold, prefix="in_process_cold_"),
        "slowest_sql": None if slowest is None else _first_line(statements[slowest].sql),
        "slowest_sql_p50_ms": None if slowest is None else round(percentile(per_statement[slowest], 50), 3),
    }


def operations_floors(facts_db: Path, operations_db: Path, reps: int) -> list[dict]:
    """Time the weekly-extract page queries on a read-only report connection with `ops` attached."""
    import duckdb

    from dashboard.extracts import queries as q
    from dashboard.extracts.store import ATTACH_NAME, attach_operations

    if not operations_db.exists():
        return []
    con = duckdb.connect(str(facts_db), read_only=True)
    attach_operations(con, operations_db)
    cur = con.cursor()
    ops = ATTACH_NAME
    filtered = q.OperationFilters(regions=("84", "11"), families=("requalification",))
    calls: dict[str, Callable[[], object]] = {
        "snapshots": lambda: q.snapshots(cur, catalog=ops),
        "current_and_previous": lambda: q.current_and_previous(cur, catalog=ops),
        "region_deltas": lambda: q.region_deltas(cur, catalog=ops),
        "largest_changes(region_code, engaged)": lambda: q.largest_changes(cur, catalog=ops),
        "largest_changes(departement, remaining)": lambda: q.largest_changes(
            cur, "departement", "remaining", catalog=ops
        ),
        "flows(month)": lambda: q.flows(cur, "month", catalog=ops),
        "flows(year)": lambda: q.flows(cur, "year", catalog=ops),
        "flows(month, 2 regions, 1 family)": lambda: q.flows(cur, "month", filtered, catalog=ops),
        "remaining_to_disburse(region_code)": lambda: q.remaining_to_disburse(cur, catalog=ops),
        "remaining_to_disburse(landlord_type, filtered)": lambda: q.remaining_to_disburse(
            cur, "landlord_type", filtered, catalog=ops
        ),
        "disbursement_lag_quantiles": lambda: q.disbursement_lag_quantiles(cur, catalog=ops),
        "disbursement_lag_sample(500)": lambda: q.disbursement_lag_sample(cur, 500, catalog=ops),
    }
    results = []
    for name, call in calls.items():
        call()  # warm-up
        times = []
        rows = 0
        for _ in range(reps):
            start = time.perf_counter()
            frame = call()
            times.append((time.perf_counter() - start) * 1000)
            rows = len(frame)  # type: ignore[arg-type]
        results.append({"query": name, "rows": rows, **summary(times, prefix="floor_")})
    con.close()
    return results


def main(argv: list[str]) -> int:
    """`python -m benchmarks.floor STEPS.json OUT.json [REPS [WARMUP]]`."""
    steps_path, out_path = Path(argv[0]), Path(argv[1])
    reps = int(argv[2]) if len(argv) > 2 else 20
    warmup = int(argv[3]) if len(argv) > 3 else 2
    steps = json.loads(steps_path.read_text(encoding="utf-8"))
    facts_db = Path(os.environ["NPNRU_DB"])
    operations_db = Path(os.environ.get("NPNRU_OPERATIONS_DB", ""))
    result = {
        "callbacks": callback_floors(steps, reps, warmup),
        "operations_queries": operations_floors(facts_db, operations_db, reps) if operations_db.name else [],
    }
    out_path.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

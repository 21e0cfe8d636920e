"""Targets of the benchmark, and the results written as JSON and as a Markdown table."""

from __future__ import annotations

import json
from pathlib import Path

#: Targets at the largest size (issue 5).
CALLBACK_P95_MS = 100.0
FLOOR_RATIO = 3.0
MAP_CHANGE_BYTES = 5 * 1024
COLD_LOAD_MS = 2000.0
CHANGE_P95_MS = 300.0
LOAD_USERS = 16
LOAD_P95_MS = 1000.0
IMPORT_S = 60.0
#: The map callback and the scenario of the map target.
MAP_OUTPUT = "chart-map.figure"
MAP_SCENARIO = "change:measure"


def _fmt(value: object, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}".replace(",", " ")
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    return str(value)


def _worst(records: list[dict], key: str) -> dict | None:
    present = [r for r in records if r.get(key) is not None]
    return max(present, key=lambda r: r[key]) if present else None


def _verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("PASS" if ok else "MISS")


def targets(size_result: dict) -> list[dict]:
    """Each target of the issue with the figure measured at one size and whether it is met."""
    rows: list[dict] = []
    callbacks = size_result.get("callbacks", [])
    worst = _worst(callbacks, "callback_p95_ms")
    misses = [r for r in callbacks if (r.get("callback_p95_ms") or 0) > CALLBACK_P95_MS]
    rows.append(
        {
            "target": f"p95 of every callback ≤ {CALLBACK_P95_MS:g} ms over HTTP",
            "measured": None
            if worst is None
            else f"worst {worst['callback_p95_ms']} ms ({worst['page']} {worst['scenario']} {worst['callback']}); "
            f"{len(misses)} of {len(callbacks)} over",
            "ok": None if worst is None else not misses,
        }
    )
    with_floor = [r for r in callbacks if r.get("ratio_p95_to_floor") is not None]
    worst_ratio = _worst(with_floor, "ratio_p95_to_floor")
    over = [r for r in with_floor if r["ratio_p95_to_floor"] > FLOOR_RATIO]
    rows.append(
        {
            "target": f"p95 of every callback ≤ {FLOOR_RATIO:g}× its query floor",
            "measured": None
            if worst_ratio is None
            else f"worst {worst_ratio['ratio_p95_to_floor']}× ({worst_ratio['page']} {worst_ratio['scenario']} "
            f"{worst_ratio['callback']}: {worst_ratio['callback_p95_ms']} ms vs floor "
            f"{worst_ratio['floor_p95_ms']} ms); "
            f"{len(over)} of {len(with_floor)} over",
            "ok": None if worst_ratio is None else not over,
        }
    )
    if over:
        # Dash's and HTTP's own cost of a round trip, from the callbacks that run no SQL at all.
        fixed = sorted(r["callback_p95_ms"] for r in callbacks if r.get("statements") == 0 and r.get("callback_p95_ms"))
        overhead = fixed[len(fixed) // 2] if fixed else None
        tiny = [r for r in over if overhead is not None and r["floor_p95_ms"] * FLOOR_RATIO < overhead]
        if tiny:
            rows[-1]["measured"] += (
                f"; {len(tiny)} of those have a floor under {overhead / FLOOR_RATIO:.1f} ms, below what 3× allows "
                f"for the {overhead:.1f} ms p95 of a callback that runs no SQL"
            )
    cold = [r for r in callbacks if r.get("in_process_cold_p50_ms") is not None]
    slowest_cold = _worst(cold, "in_process_cold_p50_ms")
    rows.append(
        {
            "target": f"(extra) a view's first request, caches empty, in-process ≤ {CALLBACK_P95_MS:g} ms",
            "measured": None
            if slowest_cold is None
            else f"worst {slowest_cold['in_process_cold_p50_ms']} ms ({slowest_cold['page']} "
            f"{slowest_cold['scenario']} {slowest_cold['callback']}); "
            f"{sum(r['in_process_cold_p50_ms'] > CALLBACK_P95_MS for r in cold)} of {len(cold)} over",
            "ok": None if slowest_cold is None else slowest_cold["in_process_cold_p50_ms"] <= CALLBACK_P95_MS,
        }
    )
    maps = [r for r in callbacks if MAP_OUTPUT in r["output"] and r["scenario"] == MAP_SCENARIO]
    rows.append(
        {
            "target": f"a change of map measure answers ≤ {MAP_CHANGE_BYTES // 1024} KB",
            "measured": "; ".join(f"{r['response_bytes']} B ({r['callback']})" for r in maps) or None,
            "ok": (all(r["response_bytes"] <= MAP_CHANGE_BYTES for r in maps)) if maps else None,
        }
    )
    browser = size_result.get("browser", [])
    cold = _worst(browser, "cold_load_p95_ms")
    rows.append(
        {
            "target": f"cold page render ≤ {COLD_LOAD_MS / 1000:g} s (p95, cache disabled)",
            "measured": None if cold is None else f"worst {cold['cold_load_p95_ms']} ms ({cold['page']})",
            "ok": None if cold is None else cold["cold_load_p95_ms"] <= COLD_LOAD_MS,
        }
    )
    change = _worst(browser, "change_p95_ms")
    rows.append(
        {
            "target": f"filter change to re-rendered charts, p95 ≤ {CHANGE_P95_MS:g} ms",
            "measured": None
            if change is None
            else f"worst {change['change_p95_ms']} ms ({change['page']}, {change['change_control']})",
            "ok": None if change is None else change["change_p95_ms"] <= CHANGE_P95_MS,
        }
    )
    load = next((r for r in size_result.get("load", []) if r["users"] == LOAD_USERS), None)
    rows.append(
        {
            "target": f"{LOAD_USERS} concurrent users: request p95 ≤ {LOAD_P95_MS / 1000:g} s, 0 errors",
            "measured": None
            if load is None
            else f"p95 {load['request_p95_ms']} ms, {load['errors']} errors ({load['requests']} requests, "
            f"think time {load['think_s']} s)",
            "ok": None if load is None else (load["request_p95_ms"] or 0) <= LOAD_P95_MS and load["errors"] == 0,
        }
    )
    first_import = (size_result.get("import") or {}).get("first")
    rows.append(
        {
            "target": f"import of the extract ≤ {IMPORT_S:g} s",
            "measured": None
            if not first_import
            else f"{first_import['import_s']} s, peak {first_import['import_peak_rss_mb']} MB",
            "ok": None if not first_import else first_import["import_s"] <= IMPORT_S,
        }
    )
    for row in rows:
        row["verdict"] = _verdict(row["ok"])
    return rows


def _table(headers: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def markdown(results: dict) -> str:
    """The whole report as Markdown: machine, settings, targets, then one section per size."""
    meta = results["meta"]
    settings = results["settings"]
    lines = [
        "# NPNRU dashboard benchmark",
        "",
        f"Run {meta['date_utc']} — `{results['command']}`"
        + (" — **quick mode: a smoke test, figures not meaningful**" if settings.get("quick") else ""),
        "",
        "## Machine",
        "",
        f"- {meta['cpu']}, {meta['cores']} cores, {meta['memory_gib']} GiB; {meta['os']}, kernel {meta['kernel']}",
        f"- Python {meta['python']}; " + ", ".join(f"{k} {v}" for k, v in meta["packages"].items()),
        f"- {meta.get('chromium') or 'chromium: not found'}; gunicorn settings {meta['gunicorn']}",
        f"- git {meta.get('git_commit')}{' (uncommitted changes)' if meta.get('git_dirty') else ''}; "
        f"load average at start {meta['load_average_start']}, at end {meta.get('load_average_end')}",
        "",
        "## Settings",
        "",
        "- " + "; ".join(f"{k} {v}" for k, v in settings.items()),
        "",
    ]
    sizes = results.get("sizes", {})
    if sizes:
        largest = max(sizes, key=int)
        lines += [f"## Targets at {int(largest):,} operations".replace(",", " "), ""]
        lines += _table(
            ["target", "measured", "verdict"],
            [[t["target"], t["measured"], t["verdict"]] for t in results.get("targets", [])],
        )
    for size, result in sizes.items():
        lines += _size_section(int(size), result)
    return "\n".join(lines) + "\n"


def _size_section(size: int, result: dict) -> list[str]:
    lines = [f"## {size:,} operations".replace(",", " "), ""]
    imported = result.get("import") or {}
    if imported:
        lines += ["### Import (`python -m dashboard import`, child process)", ""]
        lines += _table(
            [
                "snapshot",
                "operations",
                "disbursements",
                "CSV MB",
                "generate s",
                "import s",
                "CPU s",
                "peak RSS MB",
                "DB MB",
            ],
            [
                [
                    s["as_of"],
                    s["rows_operations"],
                    s["rows_disbursements"],
                    s["csv_mb"],
                    s["generate_s"],
                    s["import_s"],
                    s["import_cpu_s"],
                    s["import_peak_rss_mb"],
                    s["database_mb_after"],
                ]
                for s in (imported.get("first"), imported.get("second"))
                if s
            ],
        )
    ops = result.get("floor", {}).get("operations_queries", [])
    if ops:
        lines += ["### Floor: weekly-extract queries (`dashboard/extracts/queries.py`, `ops` attached)", ""]
        lines += _table(
            ["query", "rows", "p50 ms", "p95 ms"],
            [[q["query"], q["rows"], q["floor_p50_ms"], q["floor_p95_ms"]] for q in ops],
        )
    callbacks = result.get("callbacks", [])
    if callbacks:
        lines += [
            "### Callbacks over HTTP (gunicorn, loopback) vs query floor and naive baseline",
            "",
            "p50/p95/p99: HTTP round trip of the POST to `/_dash-update-component`; floor: the same SQL replayed on "
            "the shared read-only connection (all the SQL of the view: recorded with the dashboard's caches "
            "emptied); in-proc: the same request through Flask's test client (no HTTP), warm and with the caches "
            "emptied (cold, p50 of 3); naive: the same request to `benchmarks/naive_app.py`; gain = naive p95 / p95.",
            "",
        ]
        lines += _table(
            [
                "page",
                "scenario",
                "callback",
                "function",
                "p50",
                "p95",
                "p99",
                "bytes",
                "SQL",
                "floor p95",
                "×floor",
                "in-proc p95",
                "cold in-proc",
                "naive p95",
                "naive bytes",
                "gain",
            ],
            [
                [
                    r["page"],
                    r["scenario"],
                    r["callback"][:60],
                    r.get("function"),
                    r["callback_p50_ms"],
                    r["callback_p95_ms"],
                    r["callback_p99_ms"],
                    r["response_bytes"],
                    r.get("statements"),
                    r.get("floor_p95_ms"),
                    r.get("ratio_p95_to_floor"),
                    r.get("in_process_p95_ms"),
                    r.get("in_process_cold_p50_ms"),
                    r.get("naive_callback_p95_ms"),
                    r.get("naive_response_bytes"),
                    r.get("gain_p95"),
                ]
                for r in callbacks
            ],
        )
        failed = [r for r in callbacks if r.get("errors") or r.get("naive_errors")]
        lines += [
            "",
            "Failed requests (HTTP error, or answered with the app's error alert): "
            + (
                "; ".join(
                    f"{r['page']} {r['scenario']} {r['callback'][:60]}: {r.get('errors') or 0} app, "
                    f"{r.get('naive_errors') or 0} naive"
                    for r in failed
                )
                if failed
                else "none."
            ),
            "",
        ]
    browser = result.get("browser", [])
    if browser:
        lines += ["### Headless Chromium (ms)", ""]
        lines += _table(
            [
                "page",
                "cold p50",
                "cold p95",
                "cold DOMContentLoaded p50",
                "cold MB",
                "warm p50",
                "warm p95",
                "change",
                "change p50",
                "change p95",
                "timeouts",
            ],
            [
                [
                    b["page"],
                    b["cold_load_p50_ms"],
                    b["cold_load_p95_ms"],
                    b.get("cold_dom_content_loaded_p50_ms"),
                    None if b.get("cold_bytes") is None else round(b["cold_bytes"] / 1e6, 2),
                    b["warm_load_p50_ms"],
                    b["warm_load_p95_ms"],
                    b["change_control"],
                    b["change_p50_ms"],
                    b["change_p95_ms"],
                    b["cold_load_timeouts"] + b["warm_load_timeouts"] + b["change_timeouts"],
                ]
                for b in browser
            ],
        )
    load = result.get("load", [])
    if load:
        lines += ["### Concurrent users (gunicorn production settings)", ""]
        lines += _table(
            [
                "app",
                "users",
                "think s",
                "requests",
                "req/s",
                "request p50",
                "request p95",
                "callback p95",
                "interaction p50",
                "interaction p95",
                "errors",
                "worker RSS MB (max)",
                "worker peak MB (max)",
            ],
            [
                [
                    r.get("app", "dashboard"),
                    r["users"],
                    r["think_s"],
                    r["requests"],
                    r["throughput_rps"],
                    r["request_p50_ms"],
                    r["request_p95_ms"],
                    r["callback_p95_ms"],
                    r["interaction_p50_ms"],
                    r["interaction_p95_ms"],
                    r["errors"],
                    (r.get("memory") or {}).get("worker_rss_mb_max"),
                    (r.get("memory") or {}).get("worker_peak_rss_mb_max"),
                ]
                for r in load
            ],
        )
    memory = result.get("memory")
    if memory:
        lines += [
            f"Memory after the load runs: master {memory['master_rss_mb']} MB; workers "
            + ", ".join(f"{w['rss_mb']} MB (peak {w['peak_rss_mb']} MB)" for w in memory["workers"])
            + f"; {memory['workers_started']} worker processes seen (gunicorn recycles a worker after max_requests).",
            "",
        ]
    return lines


def write(results: dict, out_dir: Path) -> tuple[Path, Path]:
    """Write `benchmark.json` and `benchmark.md` into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "benchmark.json"
    md_path = out_dir / "benchmark.md"
    json_path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(markdown(results), encoding="utf-8")
    return json_path, md_path

"""The benchmark run: for each size, data, floor, callbacks over HTTP, browser, load, naive baseline."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from dashboard.config import REPO_DIR

from . import browser, callbacks, data, load, machine, report
from .server import Gunicorn
from .stats import ratio

RESULTS_DIR = REPO_DIR / "benchmarks" / "results"
APP = "dashboard.app:server"
NAIVE_APP = "benchmarks.naive_app:server"


@dataclass
class Plan:
    """What to measure and how many times."""

    quick: bool = False
    sizes: list[int] = field(default_factory=lambda: [10_000, 100_000, 1_000_000])
    reps: int = 20
    naive_reps: int = 10
    floor_reps: int = 20
    browser_reps: int = 5
    browser_pages: int | None = None
    users: list[int] = field(default_factory=lambda: [1, 4, 16])
    load_duration: float = 20.0
    think: float = 1.0
    max_requests: int = 20_000
    per_template: int = 2
    max_controls: int | None = None
    warmup: int = 2
    pages: list[str] | None = None
    skip: list[str] = field(default_factory=list)
    naive_load: bool = False
    out: Path = RESULTS_DIR
    workdir: Path | None = None
    keep_data: bool = False

    @classmethod
    def quick_plan(cls) -> Plan:
        """A smoke test under ~2 minutes: one small size, few repetitions, 1 and 4 users."""
        return cls(
            quick=True,
            sizes=[2_000],
            reps=2,
            naive_reps=2,
            floor_reps=2,
            browser_reps=1,
            browser_pages=2,
            users=[1, 4],
            load_duration=5.0,
            think=0.5,
            per_template=0,
            max_controls=1,
            warmup=1,
            out=RESULTS_DIR / "quick",
        )

    def settings(self) -> dict[str, object]:
        values = asdict(self)
        values["out"] = str(self.out)
        values["workdir"] = str(self.workdir) if self.workdir else None
        return values


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _guarded(errors: list[str], what: str, action: Callable[[], object]) -> object:
    """Run one part of the benchmark; a failure is recorded and the run goes on."""
    try:
        return action()
    except Exception as exc:
        _log(f"{what} failed: {exc}")
        errors.append(f"{what}: {exc}\n{traceback.format_exc(limit=5)}")
        return None


def _floor(steps: list, env: dict[str, str], folder: Path, reps: int, warmup: int) -> dict:
    steps_path, out_path = folder / "steps.json", folder / "floor.json"
    steps_path.write_text(json.dumps(callbacks.step_records(steps)), encoding="utf-8")
    with (folder / "floor.log").open("w", encoding="utf-8") as log:
        subprocess.run(
            [sys.executable, "-m", "benchmarks.floor", str(steps_path), str(out_path), str(reps), str(warmup)],
            cwd=REPO_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=3600,
        )
    return json.loads(out_path.read_text(encoding="utf-8"))


def _merge_floor(records: list[dict], floor: dict | None) -> None:
    for record, entry in zip(records, (floor or {}).get("callbacks", []), strict=False):
        record["function"] = entry["function"]
        record["statements"] = entry["statements"]
        for key in (
            "floor_p50_ms",
            "floor_p95_ms",
            "in_process_p50_ms",
            "in_process_p95_ms",
            "in_process_cold_p50_ms",
            "slowest_sql",
        ):
            record[key] = entry.get(key)
        record["slowest_sql_p50_ms"] = entry.get("slowest_sql_p50_ms")
        record["floor_replay_errors"] = entry.get("replay_errors")
        record["ratio_p95_to_floor"] = (
            ratio(record["callback_p95_ms"], record["floor_p95_ms"]) if entry["statements"] else None
        )


def _merge_naive(records: list[dict], naive: list[dict]) -> None:
    by_key = {(n["page"], n["scenario"], n["output"]): n for n in naive}
    for record in records:
        other = by_key.get((record["page"], record["scenario"], record["output"]))
        if other is None:
            continue
        record["naive_callback_p50_ms"] = other["callback_p50_ms"]
        record["naive_callback_p95_ms"] = other["callback_p95_ms"]
        record["naive_response_bytes"] = other["response_bytes"]
        record["naive_errors"] = other["errors"]
        record["gain_p95"] = ratio(other["callback_p95_ms"], record["callback_p95_ms"])
        record["bytes_ratio"] = ratio(other["response_bytes"], record["response_bytes"])


def measure_size(plan: Plan, size: data.SizeData, folder: Path, errors: list[str]) -> dict:
    """Every measurement of one size, against the real app and the naive baseline."""
    env = data.environment(size.facts_db, size.operations_db)
    result: dict[str, object] = {"import": size.report}
    with Gunicorn(APP, env, folder / "gunicorn.log") as app:
        _log(f"{size.operations}: discovering pages and callbacks on {app.url}")
        discovery = callbacks.discover(app.url, plan.pages, plan.per_template, plan.max_controls)
        result["pages"] = discovery.pages
        _log(f"{size.operations}: {len(discovery.pages)} pages, {len(discovery.steps)} callback requests")
        floor = None
        if "floor" not in plan.skip:
            _log(f"{size.operations}: query floor (in-process replay)")
            floor = _guarded(
                errors, "floor", lambda: _floor(discovery.steps, env, folder, plan.floor_reps, plan.warmup)
            )
        _log(f"{size.operations}: callbacks over HTTP, {plan.reps} repetitions")
        records = callbacks.time_steps(app.url, discovery.steps, plan.reps, plan.warmup)
        _merge_floor(records, floor)  # type: ignore[arg-type]
        result["floor"] = {"operations_queries": (floor or {}).get("operations_queries", [])}  # type: ignore[union-attr]
        result["callbacks"] = records
        if "browser" not in plan.skip:
            pages = discovery.pages[: plan.browser_pages] if plan.browser_pages else discovery.pages
            _log(f"{size.operations}: headless Chromium on {len(pages)} pages")
            result["browser"] = _guarded(
                errors, "browser", lambda: browser.measure(app.url, pages, discovery.controls, plan.browser_reps)
            )
        runs = []
        if "load" not in plan.skip:
            plan_load = load.interactions(discovery.steps)
            for users in plan.users:
                _log(f"{size.operations}: {users} concurrent users for {plan.load_duration:g} s")
                run = _guarded(
                    errors,
                    f"load {users}",
                    lambda users=users: load.run(
                        app.url, plan_load, users, plan.load_duration, plan.think, plan.max_requests
                    ),
                )
                if run:
                    run["app"] = "dashboard"  # type: ignore[index]
                    run["memory"] = app.memory()  # type: ignore[index]
                    runs.append(run)
        result["memory"] = app.memory()
    if "naive" not in plan.skip:
        _log(f"{size.operations}: naive baseline")
        naive = _guarded(errors, "naive", lambda: _naive(plan, env, folder, discovery.pages, runs))
        if naive:
            _merge_naive(records, naive)  # type: ignore[arg-type]
    result["load"] = runs
    return result


def _naive(plan: Plan, env: dict[str, str], folder: Path, pages: list[str], runs: list[dict]) -> list[dict]:
    with Gunicorn(NAIVE_APP, env, folder / "gunicorn-naive.log") as naive:
        discovery = callbacks.discover(naive.url, pages, max_controls=plan.max_controls)
        records = callbacks.time_steps(naive.url, discovery.steps, plan.naive_reps, plan.warmup)
        if plan.naive_load and "load" not in plan.skip:
            users = max(plan.users)
            run = load.run(
                naive.url, load.interactions(discovery.steps), users, plan.load_duration, plan.think, plan.max_requests
            )
            run["app"] = "naive"
            run["memory"] = naive.memory()
            runs.append(run)
    return records


def run(plan: Plan, command: str) -> dict:
    """The whole benchmark; results written to `plan.out` after each size and at the end."""
    started = time.monotonic()
    workdir = plan.workdir or Path(tempfile.mkdtemp(prefix="npnru-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    results: dict[str, object] = {
        "command": command,
        "meta": machine.describe(),
        "settings": plan.settings(),
        "sizes": {},
        "errors": errors,
    }
    try:
        _log(f"work folder {workdir}")
        facts_db = data.build_facts(workdir)
        for operations in plan.sizes:
            _log(f"{operations}: generating and importing two weekly extracts")
            size = data.prepare(workdir, facts_db, operations)
            folder = workdir / f"ops-{operations}"
            results["sizes"][str(operations)] = measure_size(plan, size, folder, errors)  # type: ignore[index]
            _finish(results, plan, started, final=False)  # keep what is measured if a later size fails
    finally:
        _finish(results, plan, started)
        if not plan.keep_data and plan.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return results


def _finish(results: dict, plan: Plan, started: float, final: bool = True) -> None:
    sizes = results["sizes"]
    if sizes:
        largest = max(sizes, key=int)
        results["targets"] = report.targets(sizes[largest])
        results["targets_size"] = int(largest)
    results["meta"]["load_average_end"] = machine.load_average()
    results["meta"]["duration_s"] = round(time.monotonic() - started, 1)
    json_path, md_path = report.write(results, plan.out)
    if final:
        _log(f"results: {json_path} and {md_path}")

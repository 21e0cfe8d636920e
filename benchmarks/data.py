"""The databases of one benchmark size: the report facts, and synthetic extracts imported as two weekly snapshots.

Every step runs the project's own command line (`python -m dashboard build | demo-data | import`)
in a child process; the import is timed and its peak resident memory read from the child's
resource usage (`os.wait4`), so it is the import alone, not the benchmark process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from dashboard.config import REPO_DIR

#: The report date (first snapshot) and the week after it (second snapshot).
FIRST_AS_OF = "2024-12-31"
SECOND_AS_OF = "2025-01-07"
SEED = 1


@dataclass(frozen=True)
class Run:
    """One timed child process."""

    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    returncode: int
    output: str


def run_measured(args: list[str], env: dict[str, str], log: Path) -> Run:
    """Run `python -m ...args` and return its wall time, peak RSS (ru_maxrss) and CPU time."""
    with log.open("w", encoding="utf-8") as handle:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, *args], cwd=REPO_DIR, env=env, stdout=handle, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        seconds=round(seconds, 2),
        peak_rss_mb=round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
        cpu_seconds=round(usage.ru_utime + usage.ru_stime, 2),
        returncode=process.returncode,
        output=log.read_text(encoding="utf-8", errors="replace")[-4000:],
    )


def environment(facts_db: Path, operations_db: Path | None = None) -> dict[str, str]:
    """The environment of the dashboard's commands and servers for these databases."""
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "DASH_DEBUG")}
    env["NPNRU_DB"] = str(facts_db)
    if operations_db is not None:
        env["NPNRU_OPERATIONS_DB"] = str(operations_db)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_DIR), env.get("PYTHONPATH", "")]))
    return env


def build_facts(workdir: Path) -> Path:
    """Build the report database from data/ into the work folder."""
    facts_db = workdir / "npnru.duckdb"
    if not facts_db.exists():
        run = run_measured(["-m", "dashboard", "build"], environment(facts_db), workdir / "build.log")
        if run.returncode:
            raise RuntimeError(f"python -m dashboard build failed:\n{run.output}")
    return facts_db


@dataclass(frozen=True)
class SizeData:
    """The databases of one size and what producing them cost."""

    operations: int
    facts_db: Path
    operations_db: Path
    report: dict[str, object]


def prepare(workdir: Path, facts_db: Path, operations: int) -> SizeData:
    """Generate `operations` synthetic operations (two weekly extracts) and import both, timed."""
    folder = workdir / f"ops-{operations}"
    folder.mkdir(parents=True, exist_ok=True)
    operations_db = folder / "operations.duckdb"
    for leftover in folder.glob("operations.duckdb*"):
        leftover.unlink()
    env = environment(facts_db, operations_db)
    report: dict[str, object] = {"operations": operations}
    for label, as_of in (("first", FIRST_AS_OF), ("second", SECOND_AS_OF)):
        out = folder / as_of
        generated = run_measured(
            ["-m", "dashboard", "demo-data", "--operations", str(operations), "--seed", str(SEED), "--out", str(out)]
            + (["--as-of", as_of] if as_of != FIRST_AS_OF else []),
            env,
            folder / f"demo-data-{as_of}.log",
        )
        if generated.returncode:
            raise RuntimeError(f"demo-data failed:\n{generated.output}")
        ops_csv, disb_csv = out / "operations.csv", out / "disbursements.csv"
        imported = run_measured(
            ["-m", "dashboard", "import", str(ops_csv), str(disb_csv), "--as-of", as_of],
            env,
            folder / f"import-{as_of}.log",
        )
        if imported.returncode:
            raise RuntimeError(f"import failed:\n{imported.output}")
        report[label] = {
            "as_of": as_of,
            "rows_operations": _lines(ops_csv) - 1,
            "rows_disbursements": _lines(disb_csv) - 1,
            "csv_mb": round((ops_csv.stat().st_size + disb_csv.stat().st_size) / 1e6, 1),
            "generate_s": generated.seconds,
            "import_s": imported.seconds,
            "import_cpu_s": imported.cpu_seconds,
            "import_peak_rss_mb": imported.peak_rss_mb,
            "database_mb_after": round(operations_db.stat().st_size / 1e6, 1),
        }
        for csv_file in (ops_csv, disb_csv):
            csv_file.unlink()  # the CSV files are large at 1,000,000 operations
    return SizeData(operations, facts_db, operations_db, report)


def _lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))

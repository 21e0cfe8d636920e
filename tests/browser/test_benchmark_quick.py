"""`python -m benchmarks --quick` runs end to end (the smoke test of issue 5): its figures are not asserted.

It generates and imports a small synthetic extract, serves the app under gunicorn, replays every
callback over HTTP, loads pages in headless Chromium, runs the load test and the naive baseline,
and writes JSON and Markdown. What is checked here is that every part ran and that the results
have the documented shape, not how fast anything was.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_benchmark_runs_every_part(tmp_path: Path):
    out = tmp_path / "results"
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads((out / "benchmark.json").read_text(encoding="utf-8"))
    assert results["errors"] == []
    size = results["sizes"]["2000"]
    for part in ("import", "floor", "callbacks", "browser", "load"):
        assert size[part], part
    callbacks = size["callbacks"]
    assert {r["page"] for r in callbacks} >= {"/", "/suivi"}
    assert all(r["errors"] == 0 and r["callback_p95_ms"] > 0 for r in callbacks)
    assert any("callback" in key and "p95" in key for key in callbacks[0])
    assert any(r.get("naive_callback_p95_ms") for r in callbacks)  # the naive baseline answered too
    assert all(r.get("naive_errors", 0) == 0 for r in callbacks)  # ... without failing (200 + error alert)
    assert [t["target"] for t in results["targets"]]
    markdown = (out / "benchmark.md").read_text(encoding="utf-8")
    assert "quick mode" in markdown and "| target | measured | verdict |" in markdown

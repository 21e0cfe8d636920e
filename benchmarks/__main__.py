"""`python -m benchmarks [--quick] [--sizes 10000,100000,1000000] ...`: see the README, section Benchmarks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .runner import Plan, run


def _ints(text: str) -> list[int]:
    return [int(v.replace("_", "")) for v in text.split(",") if v.strip()]


def parse(argv: list[str]) -> Plan:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke test (~2 min): 2,000 operations, few repetitions")
    parser.add_argument("--sizes", type=_ints, help="operation counts, comma-separated (default 10000,100000,1000000)")
    parser.add_argument("--reps", type=int, help="HTTP repetitions per callback request (default 20)")
    parser.add_argument("--naive-reps", type=int, help="the same for the naive baseline (default 10)")
    parser.add_argument("--floor-reps", type=int, help="replays of each callback's SQL (default 20)")
    parser.add_argument("--browser-reps", type=int, help="cold loads, warm loads and changes per page (default 5)")
    parser.add_argument("--browser-pages", type=int, help="only the first N pages in the browser (default all)")
    parser.add_argument("--users", type=_ints, help="concurrent simulated users, comma-separated (default 1,4,16)")
    parser.add_argument("--duration", type=float, help="seconds per load level (default 20)")
    parser.add_argument("--think", type=float, help="think time between a user's interactions, s (default 1)")
    parser.add_argument("--pages", help="comma-separated page paths instead of the discovered ones")
    parser.add_argument("--max-controls", type=int, help="change only the first N controls of each page")
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: floor, browser, load, naive")
    parser.add_argument("--naive-load", action="store_true", help="also load-test the naive app (largest user count)")
    parser.add_argument("--out", type=Path, help="results folder (default benchmarks/results, quick: .../quick)")
    parser.add_argument("--workdir", type=Path, help="folder for the generated databases (default: a temporary one)")
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary work folder")
    args = parser.parse_args(argv)
    plan = Plan.quick_plan() if args.quick else Plan()
    for name, attribute in (
        ("sizes", "sizes"),
        ("reps", "reps"),
        ("naive_reps", "naive_reps"),
        ("floor_reps", "floor_reps"),
        ("browser_reps", "browser_reps"),
        ("browser_pages", "browser_pages"),
        ("users", "users"),
        ("duration", "load_duration"),
        ("think", "think"),
        ("out", "out"),
        ("workdir", "workdir"),
        ("max_controls", "max_controls"),
    ):
        value = getattr(args, name)
        if value is not None:
            setattr(plan, attribute, value)
    if args.pages:
        plan.pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    plan.skip = [s.strip() for s in args.skip.split(",") if s.strip()]
    plan.naive_load = args.naive_load
    plan.keep_data = args.keep_data
    return plan


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    plan = parse(argv)
    results = run(plan, " ".join(["python -m benchmarks", *argv]))
    for target in results.get("targets", []):
        print(f"{target['verdict']:>12}  {target['target']}: {target['measured']}")
    if results.get("errors"):
        print(f"{len(results['errors'])} part(s) failed: see {plan.out / 'benchmark.json'} (errors)", file=sys.stderr)
        return 1
    return 0  # a missed target is a finding, not a failure: the figures are reported either way


if __name__ == "__main__":
    sys.exit(main())

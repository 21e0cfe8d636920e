"""Command line: `python -m dashboard [build|check|serve]`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

from .config import get_settings
from .database import build_database
from .formatting import format_number
from .sources import SourceError

SEVERITY_LABELS = {"high": "élevée", "medium": "moyenne", "low": "faible"}


def _build(data_dir: Path, db_path: Path) -> int:
    try:
        count = build_database(data_dir, db_path)
    except SourceError as exc:
        print(f"Build failed, {db_path} left unchanged.\n{exc}", file=sys.stderr)
        return 1
    print(f"Built {db_path} with {count} facts.")
    return 0


def ensure_database(data_dir: Path, db_path: Path) -> None:
    """Build the database if the file is missing (first start of a fresh clone)."""
    if not db_path.exists():
        print(f"{db_path} is missing: building it from {data_dir}.", file=sys.stderr)
        build_database(data_dir, db_path)


def _findings(db_path: Path) -> list[dict]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        cursor = con.execute(
            """
            SELECT q.finding_id, q.rule, q.severity, q.territory_code, t.name AS territory_name, q.measure,
                   q.period, q.breakdown, q.unit, q.expected, q.actual, q.gap, q.tolerance, q.message,
                   (SELECT list(qf.fact_id ORDER BY qf.fact_id) FROM quality_finding_facts qf
                    WHERE qf.finding_id = q.finding_id) AS fact_ids
            FROM quality_findings q
            JOIN territories t ON t.code = q.territory_code
            ORDER BY CASE q.severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, q.rule,
                     t.sort_order, q.measure, q.finding_id
            """
        )
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def _print_table(findings: list[dict]) -> None:
    headers = ("gravité", "règle", "territoire", "mesure", "période", "attendu", "obtenu", "écart")
    rows = [
        (
            SEVERITY_LABELS[f["severity"]],
            f["rule"],
            f["territory_name"],
            f["measure"],
            f["period"],
            format_number(round(f["expected"], 2)),
            format_number(round(f["actual"], 2)),
            format_number(round(f["gap"], 2)),
        )
        for f in findings
    ]
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row, finding in zip(rows, findings, strict=True):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
        print(f"    {finding['message']}")
    counts = {s: sum(f["severity"] == s for f in findings) for s in SEVERITY_LABELS}
    print(f"\n{len(findings)} constat(s) : " + ", ".join(f"{counts[s]} {SEVERITY_LABELS[s]}" for s in SEVERITY_LABELS))


def _check(data_dir: Path, db_path: Path, as_json: bool) -> int:
    try:
        ensure_database(data_dir, db_path)
    except SourceError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    findings = _findings(db_path)
    if as_json:
        json.dump(findings, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        _print_table(findings)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m dashboard`."""
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="NPNRU programme dashboard")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("build", help="build the DuckDB database from data/ (atomically)")
    check = commands.add_parser("check", help="print the reconciliation findings")
    check.add_argument("--json", action="store_true", help="print the findings as JSON")
    commands.add_parser("serve", help="build the database if missing and serve the dashboard (default)")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.command == "build":
        return _build(settings.data_dir, settings.db_path)
    if args.command == "check":
        return _check(settings.data_dir, settings.db_path, args.json)
    from .server import serve

    return serve(settings)

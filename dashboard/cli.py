"""Command line: `python -m dashboard [build|check|serve|import|aggregate|demo-data|export|user]`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import duckdb

from . import auth
from .config import get_settings
from .database import build_database
from .formatting import format_number
from .presentation import cli as export_cli
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


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {text!r}") from exc


def _aggregate(db_path: Path) -> int:
    from .extracts.store import refresh_aggregates

    try:
        built = refresh_aggregates(db_path)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if built:
        print(f"{db_path}: aggregates built for snapshot(s) {', '.join(map(str, built))}.")
    else:
        print(f"{db_path}: aggregates already up to date.")
    return 0


def _import(args: argparse.Namespace, db_path: Path) -> int:
    from .extracts.issues import ExtractError, ImportRefused
    from .extracts.store import import_extract

    try:
        result = import_extract(
            args.operations, args.disbursements, args.as_of, db_path, replace=args.replace, synthetic=args.synthetic
        )
    except ExtractError as exc:
        print(f"Import refused, {db_path} left unchanged.\n{exc}", file=sys.stderr)
        return 1
    except ImportRefused as exc:
        print(f"Import refused: {exc}", file=sys.stderr)
        return 1
    for file, columns in result.ignored_columns.items():
        print(f"{file}: ignored unknown column(s): {', '.join(columns)}", file=sys.stderr)
    replaced = f", replacing snapshot {result.replaced_snapshot_id}" if result.replaced_snapshot_id else ""
    print(
        f"Imported snapshot {result.snapshot_id} as of {result.as_of.isoformat()} into {db_path}{replaced}"
        f"{' (synthetic data)' if result.synthetic else ''}: "
        f"{format_number(result.operations)} operations, "
        f"{format_number(float(result.engaged_total_eur), 2)} EUR engaged, "
        f"{format_number(result.reservation_rights)} reservation rights; {format_number(result.disbursements)} "
        f"disbursements, {format_number(float(result.disbursed_total_eur), 2)} EUR disbursed "
        f"({result.seconds:.1f} s)."
    )
    return 0


def _demo_data(args: argparse.Namespace, data_dir: Path, db_path: Path) -> int:
    from .extracts.generator import GeneratorError, generate

    try:
        ensure_database(data_dir, db_path)
        result = generate(db_path, args.operations, args.seed, args.out, args.as_of)
    except (SourceError, GeneratorError) as exc:
        print(f"demo-data failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"Wrote {format_number(result.operations)} synthetic operations and {format_number(result.disbursements)} "
        f"disbursements as of {result.as_of.isoformat()} to {result.folder}/ (marked SYNTHETIC). Import them with: "
        f"python -m dashboard import {result.folder}/operations.csv {result.folder}/disbursements.csv "
        f"--as-of {result.as_of.isoformat()}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m dashboard`."""
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="NPNRU programme dashboard")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("build", help="build the DuckDB database from data/ (atomically)")
    check = commands.add_parser("check", help="print the reconciliation findings")
    check.add_argument("--json", action="store_true", help="print the findings as JSON")
    commands.add_parser("serve", help="build the database if missing and serve the dashboard (default)")
    extract = commands.add_parser(
        "import",
        help="import a weekly operations extract as a new dated snapshot of the operations database",
        description="Validate the files completely, then add them to the operations database (NPNRU_OPERATIONS_DB, "
        "default data/operations.duckdb) as one snapshot, atomically. Any problem is listed and nothing is written.",
    )
    extract.add_argument("operations", type=Path, help="operations file (.csv or .xlsx)")
    extract.add_argument(
        "disbursements",
        type=Path,
        nargs="?",
        help="disbursements file (.csv or .xlsx); default: the 'disbursements' sheet of an .xlsx operations file",
    )
    extract.add_argument("--as-of", required=True, type=_iso_date, help="date of the extract (YYYY-MM-DD)")
    extract.add_argument("--replace", action="store_true", help="replace the snapshot of that date if there is one")
    extract.add_argument("--synthetic", action="store_true", help="flag the snapshot as synthetic data")
    commands.add_parser(
        "aggregate",
        help="build the aggregates an operations database written by an older version lacks (atomically)",
    )
    demo = commands.add_parser(
        "demo-data",
        help="write synthetic operations.csv and disbursements.csv calibrated on the report's figures",
    )
    demo.add_argument("--operations", type=int, default=2000, help="operations engaged up to the report date")
    demo.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same files")
    demo.add_argument("--out", type=Path, required=True, help="folder to write the files to")
    demo.add_argument(
        "--as-of",
        type=_iso_date,
        default=None,
        help="extract date, from the report date (default) to one year later; later dates add the following weeks",
    )
    export_cli.add_parser(commands)
    auth.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "export":
        return export_cli.run(args)
    if args.command == "user":
        return auth.user_command(args)
    settings = get_settings()
    if args.command == "import":
        return _import(args, settings.operations_db_path)
    if args.command == "aggregate":
        return _aggregate(settings.operations_db_path)
    if args.command == "demo-data":
        return _demo_data(args, settings.data_dir, settings.db_path)
    if args.command == "build":
        return _build(settings.data_dir, settings.db_path)
    if args.command == "check":
        return _check(settings.data_dir, settings.db_path, args.json)
    from .server import serve

    return serve(settings)
